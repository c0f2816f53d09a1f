package wasm

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/sluicehq/sluice/runtime/extension"
)

// StepSpec describes a wasm processing step.
var StepSpec = extension.Spec{
	Summary: "A WebAssembly processing step: a module (sluice ABI 1) whose map, filter or flat_map runs on each page of records.",
	Fields: append([]extension.Field{
		{Name: extension.HookKind, Type: extension.TypeString, Required: true,
			Doc: "filter, map or flat_map: the hook the module must implement"},
	}, moduleFields("the step's own settings, which the module reads (guest.Config)")...),
}

// ParseStep checks a wasm processing step.
func ParseStep(args *extension.Args) (extension.Builder[extension.Step], error) {
	kind := args.String(extension.HookKind, "")
	switch kind {
	case extension.StepFilter, extension.StepMap, extension.StepFlatMap:
	case "yield_map":
		kind = extension.StepFlatMap
	case "":
		args.Fail(extension.HookKind, "is required: filter, map or flat_map")
	default:
		args.Fail(extension.HookKind, "must be filter, map or flat_map, got %q", kind)
		kind = ""
	}
	return parseBuilder(args, kind, func(_ hookArgs, p *pool) extension.Step { return &Step{kind: kind, pool: p} })
}

// The ABI's tags of a step page and of its result, by step kind.
var (
	pageTags   = map[string]byte{extension.StepMap: 'm', extension.StepFilter: 'f', extension.StepFlatMap: 'l'}
	resultTags = map[string]byte{extension.StepMap: 'r', extension.StepFilter: 'k', extension.StepFlatMap: 'l'}
)

// Step is a built wasm processing step: one call per page on an instance
// of its own. It is safe for concurrent use.
type Step struct {
	kind string
	pool *pool
}

// Apply hands the page to the module and returns its result; the given
// records are not changed (the module gets a copy as JSON).
func (s *Step) Apply(ctx context.Context, records []any) ([]any, error) {
	if len(records) == 0 {
		return records, nil
	}
	in, err := appendBin([]byte{pageTags[s.kind]}, records, 0)
	if err != nil {
		return nil, s.fail(0, fmt.Errorf("the page cannot be handed to the module: %w", err))
	}
	out, err := s.pool.callStep(ctx, in)
	if err != nil {
		var ge *guestError
		if errors.As(err, &ge) {
			at := 0
			if ge.Index != nil && *ge.Index >= 0 && *ge.Index < len(records) {
				at = *ge.Index
			}
			return nil, s.fail(at, ge)
		}
		var pe *pageError
		if errors.As(err, &pe) {
			return nil, s.fail(pe.at, pe.err)
		}
		return nil, err
	}
	want := resultTags[s.kind]
	if s.kind == extension.StepMap && len(out) > 0 && out[0] == 'p' {
		recs, at, err := applyRecordOps(out, records)
		if err != nil {
			return nil, s.fail(at, fmt.Errorf("returned changes that cannot be read: %w", err))
		}
		return recs, nil
	}
	if len(out) == 0 || out[0] != want {
		return nil, s.fail(0, fmt.Errorf("returned a result that is not a %s's (build the module with this sluice's hostapi/guest package)", s.kind))
	}
	if s.kind == extension.StepFilter {
		if len(out) < 5 || int(binary.LittleEndian.Uint32(out[1:])) != len(records) || len(out) != 5+len(records) {
			return nil, s.fail(0, fmt.Errorf("returned a filter result that is not one verdict per record of the %d", len(records)))
		}
		kept := make([]any, 0, len(records))
		for i, k := range out[5:] {
			if k != 0 {
				kept = append(kept, records[i])
			}
		}
		return kept, nil
	}
	v, err := decodeBin(out)
	if err != nil {
		return nil, s.fail(0, fmt.Errorf("returned a result that cannot be read: %w", err))
	}
	switch s.kind {
	case extension.StepMap:
		recs, ok := v.([]any)
		if !ok || len(recs) != len(records) {
			return nil, s.fail(0, fmt.Errorf("returned %d records for a page of %d: a map returns one record per record", len(recs), len(records)))
		}
		for i, r := range recs {
			if _, ok := r.(map[string]any); !ok {
				return nil, s.fail(i, fmt.Errorf("returned %T: a map must return an object", r))
			}
		}
		return recs, nil
	default:
		lists, ok := v.([]any)
		if !ok || len(lists) != len(records) {
			return nil, s.fail(0, fmt.Errorf("returned %d lists for a page of %d records: a flat_map returns one list per record", len(lists), len(records)))
		}
		var outRecs []any
		for i, l := range lists {
			if l == nil {
				continue
			}
			rs, ok := l.([]any)
			if !ok {
				return nil, s.fail(i, fmt.Errorf("returned %T: a flat_map returns a list of records", l))
			}
			for _, r := range rs {
				if _, ok := r.(map[string]any); !ok {
					return nil, s.fail(i, fmt.Errorf("returned a list holding %T: a flat_map returns objects", r))
				}
				outRecs = append(outRecs, r)
			}
		}
		if outRecs == nil {
			outRecs = []any{}
		}
		return outRecs, nil
	}
}

func (s *Step) fail(at int, err error) error {
	return &extension.StepError{Index: at, Err: fmt.Errorf("%s: %w", s.pool.what, err)}
}

// Close closes the step's instances and releases its module.
func (s *Step) Close() error { return s.pool.Close() }

// pageError is a call that failed (trapped, timed out) while the guest
// worked on record at of the page.
type pageError struct {
	at  int
	err error
}

func (e *pageError) Error() string { return e.err.Error() }

// callStep is call for sluice_step: it also learns, through the at
// import, which record a failed call was on, and turns an error envelope
// into a *guestError.
func (p *pool) callStep(ctx context.Context, input []byte) ([]byte, error) {
	in, err := p.get(ctx)
	if err != nil {
		return nil, err
	}
	defer p.put(in)
	in.at = 0
	out, err := in.call(ctx, "sluice_step", input, p.timeout)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, &pageError{at: int(in.at), err: p.withOutput(err)}
	}
	if err := envelopeError(out); err != nil {
		_ = in.collect(ctx, p.timeout)
		return nil, err
	}
	if err := in.collect(ctx, p.timeout); err != nil {
		return nil, p.withOutput(err)
	}
	return out, nil
}

// applyRecordOps applies a MapRecord result ('p', a u32 count, then each
// record's changes: a u32 count of 's' key value or 'x' key) to copies of
// the page's records, which the host already holds: only the fields the
// guest changed crossed the boundary. The copies are shallow: fields the
// guest left alone are shared with the given records, which are not
// changed.
func applyRecordOps(out []byte, records []any) ([]any, int, error) {
	r := binReader{b: out, s: string(out), i: 1}
	n, err := r.u32()
	if err != nil {
		return nil, 0, err
	}
	if n != len(records) {
		return nil, 0, fmt.Errorf("changes for %d records for a page of %d", n, len(records))
	}
	res := make([]any, n)
	for i := range n {
		ops, err := r.u32()
		if err != nil {
			return nil, i, err
		}
		orig, ok := records[i].(map[string]any)
		if !ok {
			return nil, i, fmt.Errorf("record %d is not an object", i)
		}
		if ops == 0 {
			res[i] = orig
			continue
		}
		// A change takes at least 6 bytes: a larger count is a
		// malformed result, not a size hint to trust.
		m := make(map[string]any, len(orig)+min(ops, (len(out)-r.i)/6))
		for k, v := range orig {
			m[k] = v
		}
		for range ops {
			if r.i >= len(out) {
				return nil, i, errShort
			}
			tag := out[r.i]
			r.i++
			key, err := r.str()
			if err != nil {
				return nil, i, err
			}
			switch tag {
			case 'x':
				delete(m, key)
			case 's':
				v, err := r.value(1)
				if err != nil {
					return nil, i, err
				}
				m[key] = v
			default:
				return nil, i, fmt.Errorf("an unknown change %q", tag)
			}
		}
		res[i] = m
	}
	if r.i != len(out) {
		return nil, 0, errors.New("data after the changes")
	}
	return res, 0, nil
}
