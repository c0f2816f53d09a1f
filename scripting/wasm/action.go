package wasm

import (
	"context"
	"errors"
	"fmt"

	"github.com/sluicehq/sluice/runtime/extension"
)

// ActionSpec describes a wasm response action.
var ActionSpec = extension.Spec{
	Summary: "A WebAssembly response action: a module (sluice ABI 1) that looks at a matched response and returns continue, ignore, retry or fail.",
	Fields:  moduleFields("the action's own settings, which the module reads (guest.Config)"),
}

// ParseAction checks a wasm response action.
func ParseAction(args *extension.Args) (extension.Builder[extension.ResponseAction], error) {
	return parseBuilder(args, "response", func(h hookArgs, p *pool) extension.ResponseAction { return &Action{pool: p} })
}

// Action is a built wasm response action; it is safe for concurrent use.
type Action struct{ pool *pool }

// Act asks the module what to do with resp.
func (a *Action) Act(ctx context.Context, resp *extension.Response) (extension.Verdict, error) {
	fail := func(err error) (extension.Verdict, error) {
		return extension.Continue, fmt.Errorf("%s: %w", a.pool.what, err)
	}
	in, err := marshal(map[string]any{"response": responseValue(resp)})
	if err != nil {
		return fail(err)
	}
	out, err := a.pool.call(ctx, "sluice_response", in)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return extension.Continue, err
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
	res, _ := v.(map[string]any)
	switch s, _ := res["action"].(string); s {
	case "continue", "":
		return extension.Continue, nil
	case "ignore":
		return extension.Ignore, nil
	case "retry":
		return extension.Retry, nil
	case "fail":
		return extension.Fail, nil
	default:
		return fail(fmt.Errorf("returned the action %q: return continue, ignore, retry or fail", s))
	}
}

// Close closes the action's instances and releases its module.
func (a *Action) Close() error { return a.pool.Close() }

var _ extension.ResponseAction = (*Action)(nil)
