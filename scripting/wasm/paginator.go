package wasm

import (
	"context"
	"errors"
	"fmt"

	"github.com/sluicehq/sluice/runtime/extension"
)

// PaginatorSpec describes the wasm paginator.
var PaginatorSpec = extension.Spec{
	Summary: "A WebAssembly paginator: a module (sluice ABI 1) whose paginator gets each response and returns the changes for the next request, or null to stop; the host keeps its state.",
	Fields:  moduleFields("the paginator's own settings, which the module reads (guest.Config)"),
}

// ParsePaginator checks a wasm paginator.
func ParsePaginator(args *extension.Args) (extension.Builder[extension.PaginatorFactory], error) {
	return parseBuilder(args, "paginator", func(h hookArgs, p *pool) extension.PaginatorFactory { return &PaginatorFactory{pool: p} })
}

// PaginatorFactory is a built wasm paginator. Its chains share the pool:
// a chain's state lives in the host (Paginator), not in an instance.
type PaginatorFactory struct{ pool *pool }

// NewPaginator starts a chain with empty state.
func (f *PaginatorFactory) NewPaginator(context.Context) (extension.Paginator, error) {
	return &Paginator{pool: f.pool, state: map[string]any{}}, nil
}

// Close closes the paginator's instances and releases its module.
func (f *PaginatorFactory) Close() error { return f.pool.Close() }

// Paginator is one request chain of a wasm paginator.
type Paginator struct {
	pool  *pool
	state any
	done  bool
}

// Init calls the module's paginator with phase init and applies the
// request changes it returns.
func (p *Paginator) Init(ctx context.Context, req *extension.Request) error {
	rv, err := requestValue(req)
	if err != nil {
		return fmt.Errorf("%s init: %w", p.pool.what, err)
	}
	_, err = p.call(ctx, "init", "request", map[string]any{"phase": "init", "request": rv, "state": p.state}, req)
	return err
}

// Next calls the module's paginator with phase next and applies the
// changes it returns to req; null ends the chain.
func (p *Paginator) Next(ctx context.Context, resp *extension.Response, records int, req *extension.Request) (bool, error) {
	if p.done {
		return false, fmt.Errorf("%s: Next after the chain ended", p.pool.what)
	}
	rv, err := requestValue(req)
	if err != nil {
		return false, fmt.Errorf("%s next: %w", p.pool.what, err)
	}
	more, err := p.call(ctx, "next", "next", map[string]any{"phase": "next", "request": rv,
		"response": responseValue(resp), "records": records, "state": p.state}, req)
	if err != nil || !more {
		p.done = true
	}
	return more, err
}

func (p *Paginator) call(ctx context.Context, phase, field string, env map[string]any, req *extension.Request) (bool, error) {
	fail := func(err error) (bool, error) { return false, fmt.Errorf("%s %s: %w", p.pool.what, phase, err) }
	in, err := marshal(env)
	if err != nil {
		return fail(err)
	}
	out, err := p.pool.call(ctx, "sluice_paginate", in)
	if err != nil {
		if errors.Is(err, ctx.Err()) && ctx.Err() != nil {
			return false, err
		}
		return fail(err)
	}
	if err := envelopeError(out); err != nil {
		return fail(err)
	}
	v, err := decoder.Decode(out)
	if err != nil {
		return fail(fmt.Errorf("returned a result that is not JSON: %w", err))
	}
	res, ok := v.(map[string]any)
	if !ok {
		return fail(fmt.Errorf("returned %T, not {%q, \"state\"}", v, field))
	}
	if st, ok := res["state"]; ok {
		p.state = st
	}
	patch := res[field]
	if patch == nil {
		return false, nil
	}
	if m, ok := patch.(map[string]any); ok && len(m) == 0 && phase == "next" {
		return fail(errors.New("returned no changes, which would request the same page again: return nil to stop"))
	}
	if err := applyPatch(req, patch); err != nil {
		return fail(err)
	}
	return true, nil
}

var (
	_ extension.PaginatorFactory = (*PaginatorFactory)(nil)
	_ extension.Paginator        = (*Paginator)(nil)
)
