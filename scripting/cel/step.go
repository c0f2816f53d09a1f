package cel

import (
	"context"
	"errors"
	"fmt"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"

	"github.com/sluicehq/sluice/runtime/extension"
)

// step is a processing step written in CEL: one expression over `item`.
type step struct {
	kind string
	p    *program
}

var _ extension.Step = (*step)(nil)

// Apply runs the step over one page. The time limit bounds the whole
// call; a record whose expression fails, passes the cost limit or gives
// the wrong shape is a *extension.StepError with its index.
func (s *step) Apply(ctx context.Context, records []any) ([]any, error) {
	if len(records) == 0 {
		return records, nil
	}
	ctx, cancel := s.p.call(ctx)
	defer cancel()
	done := ctx.Done()
	act := &activation{name: varItem, config: s.p.config}
	out := make([]any, 0, len(records))
	for i, rec := range records {
		select {
		case <-done:
			return nil, s.fail(i, s.p.stopped(ctx))
		default:
		}
		act.value = rec
		v, err := s.p.eval(ctx, act)
		if err != nil {
			return nil, s.fail(i, err)
		}
		switch s.kind {
		case extension.StepFilter:
			b, ok := v.(types.Bool)
			if !ok {
				return nil, s.fail(i, fmt.Errorf("a filter must give true or false, this one gave the %s", describeVal(v)))
			}
			if b {
				out = append(out, rec)
			}
		case extension.StepMap:
			if _, ok := v.(traits.Mapper); !ok {
				return nil, s.fail(i, fmt.Errorf("a map must give an object (e.g. {\"id\": item.id}), this one gave the %s", describeVal(v)))
			}
			m, err := toJSON(v)
			if err != nil {
				return nil, s.fail(i, fmt.Errorf("the map's result: %w", err))
			}
			out = append(out, m)
		case extension.StepFlatMap:
			out, err = appendFlat(out, v)
			if err != nil {
				return nil, s.fail(i, err)
			}
		}
	}
	return out, nil
}

// appendFlat appends a flat_map's result, a list of objects or null, to
// out.
func appendFlat(out []any, v ref.Val) ([]any, error) {
	if v == types.NullValue {
		return out, nil
	}
	l, ok := v.(traits.Lister)
	if !ok {
		return nil, fmt.Errorf("a flat_map must give a list of objects or null, this one gave the %s", describeVal(v))
	}
	n := int(l.Size().(types.Int))
	for j := 0; j < n; j++ {
		e := l.Get(types.Int(j))
		if _, ok := e.(traits.Mapper); !ok {
			return nil, fmt.Errorf("a flat_map must give a list of objects; element %d is the %s", j+1, describeVal(e))
		}
		m, err := toJSON(e)
		if err != nil {
			return nil, fmt.Errorf("the flat_map's element %d: %w", j+1, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// fail wraps err as the failure at record i. When the run itself was
// cancelled (not the step's time limit), that is what is returned.
func (s *step) fail(i int, err error) error {
	var te *TimeoutError
	if !errors.As(err, &te) && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return err
	}
	return &extension.StepError{Index: i, Err: err}
}
