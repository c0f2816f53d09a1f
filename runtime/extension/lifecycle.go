package extension

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"
)

// ParseFunc is the first half of an extension's lifecycle: it reads the
// type's YAML arguments (the object with `type` removed) through Args,
// which records what was read, and returns a Builder holding the checked
// configuration. It must have no side effects — no files read, no module
// compiled, no goroutine started — because `validate` calls it and nothing
// else. Problems are recorded with args.Fail; the registry turns them, and
// every field no getter read, into errors that name the field.
type ParseFunc[T any] func(args *Args) (Builder[T], error)

// Builder is a parsed, checked extension configuration. Build is the second
// half of the lifecycle: it runs once per resource and run, gets a context
// and the resource's environment, and may do the expensive work (compile a
// script, instantiate a module, open a pool). When the value it returns
// implements io.Closer, the engine closes it once the run is over (Caddy's
// provision/cleanup, restic's ParseConfig/Open).
type Builder[T any] interface {
	Build(ctx context.Context, env *Env) (T, error)
}

// BuilderFunc adapts a function to a Builder.
type BuilderFunc[T any] func(ctx context.Context, env *Env) (T, error)

// Build calls f.
func (f BuilderFunc[T]) Build(ctx context.Context, env *Env) (T, error) { return f(ctx, env) }

// Ready returns a Builder whose Build returns v as it is: for built-ins
// whose parsed configuration is already the implementation and needs
// nothing from the environment. v is then shared by every resource that
// uses the configuration, so it must be safe for that.
func Ready[T any](v T) Builder[T] {
	return BuilderFunc[T](func(context.Context, *Env) (T, error) { return v, nil })
}

// Env is what Build gets from the engine: who the extension serves and the
// facilities it may use. The host API of scripted and WASM extensions is
// built from it.
type Env struct {
	// Pipeline and Resource name the pipeline and the resource the
	// extension serves.
	Pipeline string
	Resource string
	// Dir is the folder of the pipeline file: relative module and script
	// paths are resolved against it.
	Dir string
	// Limits bound each call of a scripted or WASM hook; zero fields mean
	// the engine's documented defaults.
	Limits Limits
	// Logger logs with secrets redacted; never nil when built by the
	// engine.
	Logger *slog.Logger
	// Now is the clock hooks see (injectable for tests); never nil when
	// built by the engine.
	Now func() time.Time
	// CacheDir is a folder the extension may keep caches in between runs
	// (compiled WASM modules): `<pipelines dir>/<pipeline>/cache`. Empty:
	// the extension picks a default or keeps none.
	CacheDir string
	// KV is the resource's key-value store, kept in the pipeline state and
	// committed with the load; never nil when built by the engine.
	KV KV
}

// Limits bound the hooks of a resource (the resource's `limits:`).
type Limits struct {
	// Timeout is the time one call may take; 0 means the default.
	Timeout time.Duration
	// MemoryBytes caps a module's memory; 0 means the default.
	MemoryBytes int64
}

// KV is a small key-value store of one resource, kept in the pipeline
// state: what a hook sets in one run it gets back in the next, and it is
// committed together with the data of the run that set it. Values are JSON
// values (nil, bool, float64/int64, string, []any, map[string]any). A KV is
// safe for concurrent use.
type KV interface {
	Get(key string) (any, bool)
	Set(key string, value any) error
}

// WithDefaults returns a copy of env with its nil facilities filled in (a
// discarding logger, the wall clock, a KV kept in memory), so tests and
// tools can build an extension with a zero Env.
func (env *Env) WithDefaults() *Env {
	e := Env{}
	if env != nil {
		e = *env
	}
	if e.Logger == nil {
		e.Logger = slog.New(slog.DiscardHandler)
	}
	if e.Now == nil {
		e.Now = time.Now
	}
	if e.KV == nil {
		e.KV = NewMemoryKV(nil)
	}
	return &e
}

// Close closes v when it implements io.Closer and does nothing otherwise.
func Close(v any) error {
	if c, ok := v.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// Closers collects what a run built, to close it all at the end.
type Closers []any

// Add keeps v for CloseAll when it implements io.Closer.
func (c *Closers) Add(v any) {
	if _, ok := v.(io.Closer); ok {
		*c = append(*c, v)
	}
}

// CloseAll closes everything added, last first, and joins the errors.
func (c *Closers) CloseAll() error {
	var errs []error
	for i := len(*c) - 1; i >= 0; i-- {
		if err := Close((*c)[i]); err != nil {
			errs = append(errs, err)
		}
	}
	*c = nil
	return errors.Join(errs...)
}
