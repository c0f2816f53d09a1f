package wasm

import (
	"context"
	"errors"
	"fmt"

	"github.com/sluicehq/sluice/runtime/extension"
)

// ConvertSpec describes a wasm incremental.convert.
var ConvertSpec = extension.Spec{
	Summary: "A WebAssembly incremental.convert: a module (sluice ABI 1) that turns each incremental value into the form the API's requests take.",
	Fields:  moduleFields("the convert's own settings, which the module reads (guest.Config)"),
}

// ParseConvert checks a wasm convert.
func ParseConvert(args *extension.Args) (extension.Builder[extension.Converter], error) {
	return parseBuilder(args, "convert", func(h hookArgs, p *pool) extension.Converter { return &Convert{pool: p} })
}

// Convert is a built wasm convert; it is safe for concurrent use.
type Convert struct{ pool *pool }

// Convert asks the module to convert v.
func (c *Convert) Convert(ctx context.Context, v any) (any, error) {
	fail := func(err error) (any, error) { return nil, fmt.Errorf("%s: %w", c.pool.what, err) }
	in, err := marshal(map[string]any{"value": v})
	if err != nil {
		return fail(err)
	}
	out, err := c.pool.call(ctx, "sluice_convert", in)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return nil, err
		}
		return fail(err)
	}
	if err := envelopeError(out); err != nil {
		return fail(err)
	}
	r, err := decoder.Decode(out)
	if err != nil {
		return fail(fmt.Errorf("returned a result that is not JSON: %w", err))
	}
	m, _ := r.(map[string]any)
	val, ok := m["value"]
	if !ok || val == nil {
		return fail(errors.New("returned no value"))
	}
	return val, nil
}

// Close closes the convert's instances and releases its module.
func (c *Convert) Close() error { return c.pool.Close() }

var _ extension.Converter = (*Convert)(nil)
