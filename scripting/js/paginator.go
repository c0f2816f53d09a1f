package js

import (
	"context"
	"errors"
	"fmt"

	"github.com/dop251/goja"
	"github.com/sluicehq/sluice/runtime/extension"
)

// PaginatorSpec describes the js paginator.
var PaginatorSpec = extension.Spec{
	Summary: "A JavaScript paginator: a script that defines next(response, request) (and optionally init(request)), which returns the changes for the next request or null to stop.",
	Fields: []extension.Field{
		{Name: "script", Type: extension.TypeString, Required: true,
			Doc: "defines `function next(response, request, records)` returning {url?, params?, headers?, json?} or null; its top-level variables are the state of one request chain"},
		{Name: extension.HookConfig, Type: extension.TypeObject,
			Doc: "values the script reads as host.config"},
	},
}

// ParsePaginator compiles the script of a js paginator.
func ParsePaginator(args *extension.Args) (extension.Builder[extension.PaginatorFactory], error) {
	src := args.String("script", "")
	config := args.Map(extension.HookConfig)
	prog, err := compileScript("js paginator", src, "next", "init", "next")
	if err != nil {
		args.Fail("script", "%v", err)
	}
	if err := args.Err(); err != nil {
		return nil, err
	}
	return extension.BuilderFunc[extension.PaginatorFactory](func(_ context.Context, env *extension.Env) (extension.PaginatorFactory, error) {
		p, err := newPool(prog, 1, env, "js paginator", config)
		return &PaginatorFactory{pool: p}, err
	}), nil
}

// PaginatorFactory is a built js paginator: it gives every request chain
// a runtime of its own and a fresh run of the script's top level, so the
// script's variables are the chain's state.
type PaginatorFactory struct{ pool *pool }

// NewPaginator runs the script's top level for a new chain.
func (f *PaginatorFactory) NewPaginator(ctx context.Context) (extension.Paginator, error) {
	v, err := f.pool.get()
	if err != nil {
		return nil, err
	}
	p := &Paginator{vm: v}
	err = v.run(ctx, func() error {
		fns, err := v.fn(goja.Undefined())
		if err != nil {
			return err
		}
		o := fns.(*goja.Object)
		p.init, _ = goja.AssertFunction(o.Get("0"))
		p.next, _ = goja.AssertFunction(o.Get("1"))
		if p.next == nil {
			return errors.New("next is not a function")
		}
		return nil
	})
	if err != nil {
		f.pool.put(v)
		return nil, fmt.Errorf("js paginator: %w", err)
	}
	return p, nil
}

// Paginator is one request chain of a js paginator.
type Paginator struct {
	vm         *vm
	init, next goja.Callable
	done       bool
}

// Init calls the script's init(request), when it defines one, and applies
// the changes it returns to the first request.
func (p *Paginator) Init(ctx context.Context, req *extension.Request) error {
	if p.init == nil || p.done {
		return nil
	}
	_, err := p.call(ctx, "init", p.init, req, func() ([]goja.Value, error) {
		rv, err := requestValue(req)
		if err != nil {
			return nil, err
		}
		return []goja.Value{toJS(p.vm.rt, rv)}, nil
	})
	return err
}

// Next calls next(response, request, records) and applies the changes it
// returns to req; null or undefined ends the chain.
func (p *Paginator) Next(ctx context.Context, resp *extension.Response, records int, req *extension.Request) (bool, error) {
	if p.done {
		return false, errors.New("js paginator: Next after the chain ended")
	}
	more, err := p.call(ctx, "next", p.next, req, func() ([]goja.Value, error) {
		rv, err := requestValue(req)
		if err != nil {
			return nil, err
		}
		rt := p.vm.rt
		return []goja.Value{responseJS(rt, resp), toJS(rt, rv), rt.ToValue(records)}, nil
	})
	if err != nil || !more {
		p.end()
	}
	return more, err
}

// end gives the chain's runtime back to the pool.
func (p *Paginator) end() {
	if !p.done {
		p.done = true
		p.vm.p.put(p.vm)
	}
}

// call calls fn with the arguments args makes and applies its result to
// req; it reports whether fn returned changes (not null or undefined).
func (p *Paginator) call(ctx context.Context, name string, fn goja.Callable, req *extension.Request, args func() ([]goja.Value, error)) (bool, error) {
	more := false
	err := p.vm.run(ctx, func() error {
		a, err := args()
		if err != nil {
			return err
		}
		res, err := fn(goja.Undefined(), a...)
		if err != nil {
			return err
		}
		if goja.IsUndefined(res) || goja.IsNull(res) {
			return nil
		}
		ch, err := fromJS(res)
		if err != nil {
			return err
		}
		m, ok := ch.(map[string]any)
		if !ok {
			return fmt.Errorf("returned %s: return the changes {url?, params?, headers?, json?} or null", describe(ch))
		}
		if len(m) == 0 && name == "next" {
			return errors.New("returned no changes ({}), which would request the same page again: return null to stop")
		}
		more = true
		return applyChanges(req, m)
	})
	if err != nil {
		return false, fmt.Errorf("js paginator %s: %w", name, err)
	}
	return more, nil
}

// applyChanges applies {url?, params?, headers?, json?} to req. A new url
// is resolved against the current one and drops the request's query
// parameters (as the built-in link paginators do); params then set or
// remove parameters, headers headers, and json replaces the JSON body.
func applyChanges(req *extension.Request, ch map[string]any) error {
	for k := range ch {
		switch k {
		case "url", "params", "headers", "json":
		default:
			return fmt.Errorf("returned a field %q: the changes take url, params, headers and json", k)
		}
	}
	if u, ok := ch["url"]; ok && u != nil {
		s, ok := u.(string)
		if !ok || s == "" {
			return fmt.Errorf("returned url %v: it must be a non-empty string", u)
		}
		next, err := resolve(req.URL, s)
		if err != nil {
			return err
		}
		req.URL, req.Query = next, nil
	}
	if q, ok := ch["params"]; ok && q != nil {
		if err := setQuery(req, q, nil, "params"); err != nil {
			return err
		}
	}
	if h, ok := ch["headers"]; ok && h != nil {
		if err := setHeaders(req, h, nil, "headers"); err != nil {
			return err
		}
	}
	if j, ok := ch["json"]; ok {
		req.JSON = j
	}
	return nil
}

var (
	_ extension.PaginatorFactory = (*PaginatorFactory)(nil)
	_ extension.Paginator        = (*Paginator)(nil)
)
