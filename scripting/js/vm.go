package js

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/dop251/goja"
	"github.com/sluicehq/sluice/hostapi"
	"github.com/sluicehq/sluice/runtime/extension"
)

// maxCallStack bounds recursion in a script, so that a runaway recursion
// throws a RangeError instead of growing the Go stack.
const maxCallStack = 2000

// maxIdle is how many idle runtimes a hook keeps: as many as requests
// usually run at once for a resource.
const maxIdle = 16

// freezeProgram freezes host, console, the global object and the built-in
// constructors and their prototypes, so that a snippet can neither replace
// the host API nor leave changed built-ins behind for the next call of a
// pooled runtime.
var freezeProgram = goja.MustCompile("freeze", `(function (g) {
	"use strict";
	function deep(o) {
		Object.freeze(o);
		for (const k of Object.getOwnPropertyNames(o)) {
			const v = o[k];
			if (v !== null && (typeof v === "object" || typeof v === "function") && !Object.isFrozen(v)) deep(v);
		}
	}
	deep(g.host);
	deep(g.console);
	for (const k of Object.getOwnPropertyNames(g)) {
		const v = g[k];
		if (v !== null && (typeof v === "object" || typeof v === "function")) {
			Object.freeze(v);
			if (typeof v === "function" && v.prototype) Object.freeze(v.prototype);
		}
	}
	Object.freeze(g);
})(globalThis)`, true)

// pool hands out runtimes that have the host API installed, the globals
// frozen and the hook's program run (its value, a function, is vm.fn).
// A runtime serves one caller at a time; the compiled program is shared.
type pool struct {
	prog   *goja.Program
	host   *hostapi.Host
	limit  time.Duration
	offset int // lines the wrapper adds before the snippet's first line
	// free holds idle runtimes. A channel, not a sync.Pool: a pool drops
	// its items at every GC, and a new runtime costs far more than a page.
	free chan *vm
}

// newPool makes the first runtime at once, so that Build fails when the
// sandbox cannot be set up, and the first page does not wait for it.
func newPool(prog *goja.Program, offset int, env *extension.Env, hook string, config map[string]any) (*pool, error) {
	env = env.WithDefaults()
	limit := env.Limits.Timeout
	if limit <= 0 {
		limit = extension.DefaultHookTimeout
	}
	p := &pool{
		free:   make(chan *vm, maxIdle),
		prog:   prog,
		offset: offset,
		limit:  limit,
		host: &hostapi.Host{
			Logger: env.Logger.With("resource", env.Resource, "hook", hook),
			Now:    env.Now,
			Config: config,
			KV:     env.KV,
		},
	}
	v, err := p.get()
	if err != nil {
		return nil, err
	}
	p.put(v)
	return p, nil
}

// vm is one pooled runtime.
type vm struct {
	rt *goja.Runtime
	fn goja.Callable
	p  *pool
}

func (p *pool) get() (*vm, error) {
	select {
	case v := <-p.free:
		return v, nil
	default:
	}
	rt := goja.New()
	rt.SetMaxCallStackSize(maxCallStack)
	rt.SetTimeSource(p.host.Time)
	installHost(rt, p.host)
	if _, err := rt.RunProgram(freezeProgram); err != nil {
		return nil, fmt.Errorf("js: setting up the sandbox: %w", err)
	}
	val, err := rt.RunProgram(p.prog)
	if err != nil {
		return nil, fmt.Errorf("js: %w", err)
	}
	fn, ok := goja.AssertFunction(val)
	if !ok {
		return nil, errors.New("js: the compiled hook is not a function")
	}
	return &vm{rt: rt, fn: fn, p: p}, nil
}

// put gives v back; beyond maxIdle idle runtimes, it is dropped.
func (p *pool) put(v *vm) {
	select {
	case p.free <- v:
	default:
	}
}

// interruption is why a call was interrupted.
type interruption int

const (
	byTimeout interruption = iota + 1
	byContext
)

// TimeoutError is a call that ran past its time limit.
type TimeoutError struct {
	// Limit is the time the call was allowed.
	Limit time.Duration
}

// Error says the limit and how to raise it.
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("the script ran longer than its time limit of %v; make it do less, or raise the limit with `limits: {timeout_ms: %d}` on the resource",
		e.Limit, 4*e.Limit.Milliseconds())
}

// run runs f, which calls into v's runtime, within the pool's time limit
// and the life of ctx: either interrupts the script. Errors from the
// runtime become messages about the script (see v.explain).
func (v *vm) run(ctx context.Context, f func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var (
		mu   sync.Mutex
		live = true
	)
	interrupt := func(why interruption) {
		mu.Lock()
		if live {
			v.rt.Interrupt(why)
		}
		mu.Unlock()
	}
	timer := time.AfterFunc(v.p.limit, func() { interrupt(byTimeout) })
	stop := context.AfterFunc(ctx, func() { interrupt(byContext) })
	err := f()
	mu.Lock()
	live = false
	mu.Unlock()
	timer.Stop()
	stop()
	v.rt.ClearInterrupt()
	return v.explain(ctx, err)
}

// explain turns an error of the runtime into one a script's author can
// act on: a throw with its message and position in the snippet, a
// timeout with the limit and how to raise it, the context's error.
func (v *vm) explain(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var (
		ie *goja.InterruptedError
		so *goja.StackOverflowError
		ex *goja.Exception
	)
	switch {
	case errors.As(err, &ie):
		if ie.Value() == byTimeout {
			return &TimeoutError{Limit: v.p.limit}
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		return errors.New("the script was interrupted")
	case errors.As(err, &so):
		return errors.New("the script recursed too deeply")
	case errors.As(err, &ex):
		msg := "threw " + ex.Value().String()
		for _, fr := range ex.Stack() {
			if pos := fr.Position(); pos.Line > 0 {
				line := pos.Line - v.p.offset
				if line < 1 {
					line = 1
				}
				msg += fmt.Sprintf(" (line %d, column %d)", line, pos.Column)
				break
			}
		}
		return errors.New(msg)
	}
	return err
}
