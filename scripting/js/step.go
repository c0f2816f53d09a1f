package js

import (
	"context"
	"fmt"

	"github.com/dop251/goja"
	"github.com/sluicehq/sluice/runtime/extension"
)

// StepSpec describes a js processing step (filter, map, flat_map).
var StepSpec = extension.Spec{
	Summary: "A JavaScript processing step: an expression over `item` (or a function body that returns), run on every record.",
	Fields: []extension.Field{
		{Name: extension.HookKind, Type: extension.TypeString, Required: true,
			Doc: "filter (keep the record when truthy), map (return the new record) or flat_map (return a list of records, or null)"},
		{Name: extension.HookSource, Type: extension.TypeString, Required: true,
			Doc: "the expression over item, e.g. `item.id > 10` or `({...item, id: item.id * 10})`, or a function body with return"},
		{Name: extension.HookConfig, Type: extension.TypeObject,
			Doc: "values the snippet reads as host.config"},
	},
}

// ParseStep compiles the snippet of a processing step.
func ParseStep(args *extension.Args) (extension.Builder[extension.Step], error) {
	kind := args.String(extension.HookKind, "")
	src := args.String(extension.HookSource, "")
	config := args.Map(extension.HookConfig)
	switch kind {
	case extension.StepFilter, extension.StepMap, extension.StepFlatMap:
	case "yield_map":
		kind = extension.StepFlatMap
	case "":
		args.Fail(extension.HookKind, "is required: filter, map or flat_map")
	default:
		args.Fail(extension.HookKind, "must be filter, map or flat_map, got %q", kind)
	}
	prog, offset, err := compileSnippet("js "+kind, "item", src)
	if err != nil {
		args.Fail(extension.HookSource, "%v", err)
	}
	if err := args.Err(); err != nil {
		return nil, err
	}
	return extension.BuilderFunc[extension.Step](func(_ context.Context, env *extension.Env) (extension.Step, error) {
		p, err := newPool(prog, offset, env, "js "+kind, config)
		return &Step{kind: kind, pool: p}, err
	}), nil
}

// Step is a built js processing step. It is safe for concurrent use: each
// Apply takes a runtime of its own from the pool.
type Step struct {
	kind string
	pool *pool
}

// Apply runs the step on one page: one call of the snippet per record,
// within one time limit for the page. It returns new records and leaves
// the given ones as they were.
func (s *Step) Apply(ctx context.Context, records []any) ([]any, error) {
	if len(records) == 0 {
		return records, nil
	}
	v, err := s.pool.get()
	if err != nil {
		return nil, err
	}
	defer s.pool.put(v)
	out := make([]any, 0, len(records))
	at := 0
	var failed error // a wrong-shaped result, as opposed to a throw
	err = v.run(ctx, func() error {
		for i, rec := range records {
			at = i
			res, err := v.call(lazyJS(v.rt, rec))
			if err != nil {
				return err
			}
			switch s.kind {
			case extension.StepFilter:
				if res.ToBoolean() {
					out = append(out, rec)
				}
			case extension.StepMap:
				r, err := record(res)
				if err != nil {
					failed = fmt.Errorf("a map must return an object: %w", err)
					return nil
				}
				out = append(out, r)
			case extension.StepFlatMap:
				if failed = s.flat(res, &out); failed != nil {
					return nil
				}
			}
		}
		return nil
	})
	if err == nil {
		err = failed
	}
	if err != nil {
		if ctx.Err() != nil && err == ctx.Err() {
			return nil, err
		}
		return nil, &extension.StepError{Index: at, Err: err}
	}
	return out, nil
}

// flat appends the records of a flat_map's result: a list of objects, or
// null / undefined for none.
func (s *Step) flat(res goja.Value, out *[]any) error {
	if goja.IsUndefined(res) || goja.IsNull(res) {
		return nil
	}
	o, ok := res.(*goja.Object)
	if !ok || o.ClassName() != "Array" {
		return fmt.Errorf("a flat_map must return a list of objects or null, got %s", typeName(res))
	}
	list, err := fromJS(res)
	if err != nil {
		return fmt.Errorf("a flat_map must return a list of objects: %w", err)
	}
	for i, e := range list.([]any) {
		if _, ok := e.(map[string]any); !ok {
			return fmt.Errorf("a flat_map must return a list of objects: item %d is %s", i, describe(e))
		}
		*out = append(*out, e)
	}
	return nil
}

// call calls the hook's function with arg; when the snippet is an
// expression whose value is a function (item => …), it calls that with
// arg.
func (v *vm) call(arg goja.Value) (goja.Value, error) {
	res, err := v.fn(goja.Undefined(), arg)
	if err != nil {
		return nil, err
	}
	if f, ok := res.(*goja.Object); ok {
		if fn, ok := goja.AssertFunction(f); ok {
			return fn(goja.Undefined(), arg)
		}
	}
	return res, nil
}

// record turns a map's result into a record: it must be an object.
func record(res goja.Value) (map[string]any, error) {
	o, ok := res.(*goja.Object)
	if !ok || o.ClassName() == "Array" {
		return nil, fmt.Errorf("got %s", typeName(res))
	}
	if _, isFn := goja.AssertFunction(o); isFn {
		return nil, fmt.Errorf("got %s", typeName(res))
	}
	v, err := fromJS(res)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("got %s", describe(v))
	}
	return m, nil
}

// describe names the kind of a JSON value.
func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	}
	return "a number"
}

var _ extension.Step = (*Step)(nil)
