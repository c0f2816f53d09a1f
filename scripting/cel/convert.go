package cel

import (
	"context"
	"fmt"

	"cel.dev/cel-go/common/types"

	"github.com/sluicehq/sluice/runtime/extension"
)

// converter is incremental.convert written in CEL: an expression over
// `value`, e.g. `int(timestamp(value))` for Unix seconds.
type converter struct{ p *program }

var _ extension.Converter = (*converter)(nil)

// Convert evaluates the expression with value bound to v.
func (c *converter) Convert(ctx context.Context, v any) (any, error) {
	ctx, cancel := c.p.call(ctx)
	defer cancel()
	out, err := c.p.eval(ctx, &activation{name: varValue, value: v, config: c.p.config})
	if err != nil {
		return nil, err
	}
	if out == types.NullValue {
		return nil, fmt.Errorf("the CEL convert gave null for %v; an incremental value cannot be null", v)
	}
	res, err := toJSON(out)
	if err != nil {
		return nil, fmt.Errorf("the CEL convert's result: %w", err)
	}
	return res, nil
}
