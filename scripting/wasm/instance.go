package wasm

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/hostapi"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"
)

// instance is one instantiated module, used by one caller at a time.
type instance struct {
	mod   api.Module
	alloc api.Function
	free  api.Function
	gc    api.Function
	calls map[string]api.Function
	host  *hostapi.Host
	dead  bool
	// at is the record of the page the guest said it is working on (the
	// at import), so a trap or timeout names it.
	at uint32
	// buf and bufCap are the input buffer kept from one call to the next
	// (ABI: a buffer stays valid until sluice_free), so a page costs no
	// sluice_alloc once the buffer is large enough.
	buf, bufCap uint32
	// sent counts the input bytes since the last sluice_gc.
	sent int
}

// clock makes the WASI clocks from the run's clock: the wall clock is
// now(); the monotonic one follows it but never goes back.
func clock(now func() time.Time) (sys.Walltime, sys.Nanotime) {
	var last atomic.Int64
	wall := func() (int64, int32) {
		t := now()
		return t.Unix(), int32(t.Nanosecond())
	}
	mono := func() int64 {
		n := now().UnixNano()
		for {
			l := last.Load()
			if n <= l {
				n = l + 1
			}
			if last.CompareAndSwap(l, n) {
				return n
			}
		}
	}
	return wall, mono
}

// newInstance instantiates m with host's clock and log; it runs
// _initialize but not sluice_init.
func newInstance(ctx context.Context, m *module, host *hostapi.Host, out *cappedLog, timeout time.Duration) (*instance, error) {
	now := host.Now
	if now == nil {
		now = time.Now
	}
	wall, mono := clock(now)
	cfg := wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions("_initialize").
		WithWalltime(wall, sys.ClockResolution(time.Millisecond)).
		WithNanotime(mono, sys.ClockResolution(time.Microsecond)).
		WithRandSource(rand.Reader).
		WithStdout(out).
		WithStderr(out)
	if _, ok := m.exports["_initialize"]; !ok {
		cfg = cfg.WithStartFunctions()
	}
	in := &instance{host: host, calls: map[string]api.Function{}}
	cctx, cancel := context.WithTimeout(context.WithValue(ctx, hostKey{}, in), timeout)
	defer cancel()
	mod, err := m.rt.InstantiateModule(cctx, m.compiled, cfg)
	if err != nil {
		return nil, fmt.Errorf("wasm module %s: starting an instance: %w", m.name, explain(err, timeout))
	}
	in.mod = mod
	in.alloc, in.free, in.gc = mod.ExportedFunction("sluice_alloc"), mod.ExportedFunction("sluice_free"), mod.ExportedFunction("sluice_gc")
	for _, e := range []string{"sluice_abi", "sluice_describe", "sluice_init", "sluice_step", "sluice_paginate", "sluice_auth", "sluice_response", "sluice_convert"} {
		if f := mod.ExportedFunction(e); f != nil {
			in.calls[e] = f
		}
	}
	if in.alloc == nil || in.free == nil {
		in.close()
		return nil, fmt.Errorf("wasm module %s lacks sluice_alloc or sluice_free: build it with the hostapi/guest package", m.name)
	}
	return in, nil
}

func (in *instance) close() {
	in.dead = true
	_ = in.mod.Close(context.Background())
}

// abi calls sluice_abi.
func (in *instance) abi(ctx context.Context) (uint32, error) {
	f := in.calls["sluice_abi"]
	if f == nil {
		return 0, errors.New("no sluice_abi export")
	}
	r, err := f.Call(ctx)
	if err != nil {
		in.close()
		return 0, err
	}
	return uint32(r[0]), nil
}

// call runs export with input within timeout and returns a copy of the
// result (nil for none). Any failure of the call itself (a trap, running
// out of memory, the deadline) kills the instance.
func (in *instance) call(ctx context.Context, export string, input []byte, timeout time.Duration) ([]byte, error) {
	if in.dead {
		return nil, errors.New("the instance was closed after an earlier failure")
	}
	f := in.calls[export]
	if f == nil {
		return nil, fmt.Errorf("the module has no %s export", export)
	}
	cctx, cancel := context.WithTimeout(context.WithValue(ctx, hostKey{}, in), timeout)
	defer cancel()
	out, err := in.callIn(cctx, f, input)
	if err != nil {
		in.close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, explain(err, timeout)
	}
	return out, nil
}

func (in *instance) callIn(ctx context.Context, f api.Function, input []byte) ([]byte, error) {
	var args []uint64
	if len(f.Definition().ParamTypes()) > 0 {
		if uint32(len(input)) > in.bufCap || in.buf == 0 {
			if in.buf != 0 {
				if _, err := in.free.Call(ctx, uint64(in.buf)); err != nil {
					return nil, err
				}
				in.buf, in.bufCap = 0, 0
			}
			size := max(uint32(len(input))+uint32(len(input))/4, 4096)
			r, err := in.alloc.Call(ctx, uint64(size))
			if err != nil {
				return nil, err
			}
			in.buf, in.bufCap = uint32(r[0]), size
		}
		if len(input) > 0 && !in.mod.Memory().Write(in.buf, input) {
			return nil, errors.New("sluice_alloc returned a buffer outside the module's memory")
		}
		in.sent += len(input)
		args = []uint64{uint64(in.buf), uint64(len(input))}
	}
	r, err := f.Call(ctx, args...)
	if err != nil {
		return nil, err
	}
	if len(r) == 0 || r[0] == 0 {
		return nil, nil
	}
	ptr, n := uint32(r[0]>>32), uint32(r[0])
	b, ok := in.mod.Memory().Read(ptr, n)
	if !ok {
		return nil, errors.New("the result lies outside the module's memory")
	}
	out := append([]byte(nil), b...)
	if _, err := in.free.Call(ctx, uint64(ptr)); err != nil {
		return nil, err
	}
	return out, nil
}

// gcEvery is how much input an instance gets between two sluice_gc
// calls: a Go guest's collector never runs between calls on its own.
const gcEvery = 1 << 20

// collect calls sluice_gc once the instance has had gcEvery bytes of
// input since the last time.
func (in *instance) collect(ctx context.Context, timeout time.Duration) error {
	if in.gc == nil || in.dead || in.sent < gcEvery {
		return nil
	}
	in.sent = 0
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if _, err := in.gc.Call(cctx); err != nil {
		in.close()
		return explain(err, timeout)
	}
	return nil
}

// explain turns wazero's errors into what a user can act on.
func explain(err error, timeout time.Duration) error {
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		switch exit.ExitCode() {
		case sys.ExitCodeDeadlineExceeded:
			return fmt.Errorf("timed out after %v (raise limits.timeout_ms on the resource if it needs longer)", timeout)
		case sys.ExitCodeContextCanceled:
			return errors.New("cancelled")
		}
		return fmt.Errorf("the module exited with code %d", exit.ExitCode())
	}
	msg, _, _ := strings.Cut(err.Error(), "\n") // leave out wazero's stack trace
	return fmt.Errorf("trapped (a panic, out of memory or a bug in the module; limits.memory_mb raises the memory cap): %s", msg)
}
