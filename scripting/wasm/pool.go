package wasm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/sluicehq/sluice/hostapi"
	"github.com/sluicehq/sluice/runtime/extension"
)

// pool holds the idle instances of one built hook: a caller takes one (or
// a new one is made), uses it alone and gives it back; a dead one is
// dropped.
type pool struct {
	mod     *module
	what    string // "wasm map pii-hash.wasm", for messages
	hook    string
	config  []byte
	host    *hostapi.Host
	log     *cappedLog
	timeout time.Duration

	mu     sync.Mutex
	idle   []*instance
	closed bool
}

// newPool builds the pool of a hook and starts its first instance, so
// that a module that cannot start fails the Build.
func newPool(ctx context.Context, mod *module, hook string, config map[string]any, env *extension.Env) (*pool, error) {
	if config == nil {
		config = map[string]any{}
	}
	cfg, err := json.Marshal(config)
	if err != nil {
		return nil, fmt.Errorf("wasm %s %s: config: %w", hook, mod.name, err)
	}
	timeout := env.Limits.Timeout
	if timeout <= 0 {
		timeout = extension.DefaultHookTimeout
	}
	what := fmt.Sprintf("wasm %s %s", hook, mod.name)
	logger := env.Logger.With("hook", what)
	p := &pool{mod: mod, what: what, hook: hook, config: cfg, timeout: timeout,
		host: &hostapi.Host{Logger: logger, Now: env.Now, Config: config, KV: env.KV},
		log:  &cappedLog{logger: logger, left: maxOutput}}
	in, err := p.get(ctx)
	if err != nil {
		return nil, err
	}
	p.put(in)
	return p, nil
}

// get takes an idle instance or starts one and runs sluice_init on it.
func (p *pool) get(ctx context.Context) (*instance, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, fmt.Errorf("%s: used after the run ended", p.what)
	}
	if n := len(p.idle); n > 0 {
		in := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return in, nil
	}
	p.mu.Unlock()
	in, err := newInstance(ctx, p.mod, p.host, p.log, p.timeout)
	if err != nil {
		return nil, p.wrap(err)
	}
	out, err := in.call(ctx, "sluice_init", p.config, p.timeout)
	if err == nil {
		err = envelopeError(out)
	}
	if err != nil {
		in.close()
		return nil, fmt.Errorf("%s: sluice_init with the config: %w", p.what, p.withOutput(err))
	}
	return in, nil
}

// put gives an instance back; a dead one is dropped.
func (p *pool) put(in *instance) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if in.dead || p.closed {
		if !in.dead {
			in.close()
		}
		return
	}
	p.idle = append(p.idle, in)
}

// call runs one export on a pooled instance, then lets the guest collect.
func (p *pool) call(ctx context.Context, export string, input []byte) ([]byte, error) {
	in, err := p.get(ctx)
	if err != nil {
		return nil, err
	}
	defer p.put(in)
	out, err := in.call(ctx, export, input, p.timeout)
	if err != nil {
		return nil, p.withOutput(err)
	}
	if err := in.collect(ctx, p.timeout); err != nil {
		return nil, p.withOutput(err)
	}
	return out, nil
}

func (p *pool) wrap(err error) error { return fmt.Errorf("%s: %w", p.what, err) }

// withOutput adds what the module last wrote to stderr (a Go panic, a
// "fatal error: out of memory") to an error.
func (p *pool) withOutput(err error) error {
	t := p.log.tail()
	if t != "" {
		return fmt.Errorf("%w; the module wrote: %s", err, t)
	}
	return err
}

// Close closes every instance and releases the module.
func (p *pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, in := range idle {
		in.close()
	}
	p.mod.release()
	return nil
}

// guestError is an error envelope's content.
type guestError struct {
	Message string `json:"message"`
	Index   *int   `json:"index"`
}

func (e *guestError) Error() string { return e.Message }

// envelopeError returns the error of an {"error": …} envelope, or nil.
func envelopeError(out []byte) error {
	if !bytes.HasPrefix(bytes.TrimLeft(out, " \t\r\n"), []byte(`{"error"`)) {
		return nil
	}
	var env struct {
		Error *guestError `json:"error"`
	}
	if err := json.Unmarshal(out, &env); err != nil || env.Error == nil {
		return nil
	}
	return env.Error
}

// maxOutput caps what one hook's instances may write to the log.
const maxOutput = 64 << 10

// cappedLog sends a module's stdout and stderr to the log at debug level,
// line by line, up to maxOutput bytes, and keeps the first panic or
// fatal error line for the error that follows.
type cappedLog struct {
	logger *slog.Logger
	mu     sync.Mutex
	left   int
	last   string
	buf    []byte
}

func (c *cappedLog) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(b)
	c.buf = append(c.buf, b...)
	for {
		i := bytes.IndexByte(c.buf, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimSpace(string(c.buf[:i]))
		c.buf = c.buf[i+1:]
		if line == "" {
			continue
		}
		if c.last == "" && (strings.HasPrefix(line, "panic") || strings.HasPrefix(line, "fatal error")) {
			c.last = line
		}
		if c.left > 0 {
			c.left -= len(line)
			c.logger.Debug(line, "source", "wasm output")
		}
	}
	if len(c.buf) > 4096 {
		c.buf = c.buf[:0]
	}
	return n, nil
}

// tail returns the first panic or fatal error line the module wrote since
// the last call, and forgets it.
func (c *cappedLog) tail() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.last
	c.last = ""
	if len(t) > 300 {
		t = t[:300] + "…"
	}
	return t
}
