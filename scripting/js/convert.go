package js

import (
	"context"
	"fmt"

	"github.com/dop251/goja"
	"github.com/sluicehq/sluice/runtime/extension"
)

// ConvertSpec describes a js incremental.convert.
var ConvertSpec = extension.Spec{
	Summary: "A JavaScript incremental.convert: an expression over `value` that returns the form the API's requests take.",
	Fields: []extension.Field{
		{Name: extension.HookSource, Type: extension.TypeString, Required: true,
			Doc: "the expression over value, e.g. `Math.floor(Date.parse(value) / 1000)`, or a function body with return"},
		{Name: extension.HookConfig, Type: extension.TypeObject,
			Doc: "values the snippet reads as host.config"},
	},
}

// ParseConvert compiles the snippet of an incremental.convert.
func ParseConvert(args *extension.Args) (extension.Builder[extension.Converter], error) {
	src := args.String(extension.HookSource, "")
	config := args.Map(extension.HookConfig)
	prog, offset, err := compileSnippet("js convert", "value", src)
	if err != nil {
		args.Fail(extension.HookSource, "%v", err)
	}
	if err := args.Err(); err != nil {
		return nil, err
	}
	return extension.BuilderFunc[extension.Converter](func(_ context.Context, env *extension.Env) (extension.Converter, error) {
		p, err := newPool(prog, offset, env, "js convert", config)
		return &Converter{pool: p}, err
	}), nil
}

// Converter is a built js incremental.convert; it is safe for concurrent
// use.
type Converter struct{ pool *pool }

// Convert calls the snippet with value; it must return a value other than
// undefined or null.
func (c *Converter) Convert(ctx context.Context, value any) (any, error) {
	v, err := c.pool.get()
	if err != nil {
		return nil, err
	}
	defer c.pool.put(v)
	var out any
	err = v.run(ctx, func() error {
		res, err := v.call(toJS(v.rt, value))
		if err != nil {
			return err
		}
		if goja.IsUndefined(res) || goja.IsNull(res) {
			return fmt.Errorf("convert returned %s for %v: return the value the requests take", typeName(res), value)
		}
		out, err = fromJS(res)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("js convert: %w", err)
	}
	return out, nil
}

var _ extension.Converter = (*Converter)(nil)
