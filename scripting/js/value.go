package js

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"slices"
	"time"

	"github.com/dop251/goja"
)

// maxSafeInt is the largest integer a JS number holds exactly (2^53).
const maxSafeInt = 1 << 53

// maxDepth bounds the nesting of a value a script returns: deeper means a
// cycle (obj.self = obj) or a mistake, and the normalizer would not end.
const maxDepth = 100

// toJS copies a decoded JSON value into native JS values of rt: objects
// and arrays are new JS objects (so a script may change them without
// touching the Go value), keys in sorted order (Go maps have none, and a
// script that reads Object.keys must see the same order every run).
// Integers beyond ±2^53 become BigInt, so that they are neither rounded
// nor silently changed.
func toJS(rt *goja.Runtime, v any) goja.Value {
	switch t := v.(type) {
	case nil:
		return goja.Null()
	case string:
		return rt.ToValue(t)
	case bool:
		return rt.ToValue(t)
	case int64:
		return intJS(rt, t)
	case int:
		return intJS(rt, int64(t))
	case float64:
		return rt.ToValue(t)
	case map[string]any:
		o := rt.NewObject()
		if len(t) == 1 {
			for k, e := range t {
				_ = o.Set(k, toJS(rt, e))
			}
			return o
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			_ = o.Set(k, toJS(rt, t[k]))
		}
		return o
	case []any:
		items := make([]any, len(t))
		for i, e := range t {
			items[i] = toJS(rt, e)
		}
		return rt.NewArray(items...)
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return intJS(rt, i)
		}
		f, _ := t.Float64()
		return rt.ToValue(f)
	case uint64:
		if t <= math.MaxInt64 {
			return intJS(rt, int64(t))
		}
		return rt.ToValue(new(big.Int).SetUint64(t))
	case []string:
		items := make([]any, len(t))
		for i, e := range t {
			items[i] = e
		}
		return rt.NewArray(items...)
	}
	return rt.ToValue(v)
}

func intJS(rt *goja.Runtime, i int64) goja.Value {
	if i > maxSafeInt || i < -maxSafeInt {
		return rt.ToValue(big.NewInt(i))
	}
	return rt.ToValue(i)
}

// fromJS turns what a script returned into a JSON value: map[string]any,
// []any, int64 for whole numbers within ±2^53 (and BigInts that fit in 64
// bits), float64, string, bool or nil. undefined, NaN and ±Infinity become
// nil, a Date its ISO string (as JSON.stringify does); a function, a
// symbol, a BigInt beyond 64 bits or a cycle is an error.
func fromJS(v goja.Value) (any, error) { return fromJSDepth(v, 0) }

func fromJSDepth(v goja.Value, depth int) (any, error) {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil, nil
	}
	return normalize(v.Export(), depth)
}

func sprintIndex(i int) string { return fmt.Sprintf("[%d]", i) }

// normalize rewrites, in place, a tree that goja's Export made (fresh maps
// and slices) into JSON values.
func normalize(v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("the value is nested more than %d levels deep (does it contain itself?)", maxDepth)
	}
	switch t := v.(type) {
	case nil, string, bool, int64:
		return v, nil
	case float64:
		return number(t), nil
	case map[string]any:
		for k, e := range t {
			n, err := normalize(e, depth+1)
			if err != nil {
				return nil, fieldErr(k, err)
			}
			t[k] = n
		}
		return t, nil
	case []any:
		for i, e := range t {
			n, err := normalize(e, depth+1)
			if err != nil {
				return nil, fieldErr(sprintIndex(i), err)
			}
			t[i] = n
		}
		return t, nil
	case *lazyObject:
		// A record's view: its untouched parts are the record's own
		// values, which must not be rewritten here.
		return t.export(depth)
	case *lazyArray:
		return t.export(depth)
	case *big.Int:
		if !t.IsInt64() {
			return nil, fmt.Errorf("the BigInt %s does not fit in 64 bits", t)
		}
		return t.Int64(), nil
	case time.Time:
		return t.UTC().Format("2006-01-02T15:04:05.000Z"), nil
	case int:
		return int64(t), nil
	case int32:
		return int64(t), nil
	case uint32:
		return int64(t), nil
	case float32:
		return number(float64(t)), nil
	case func(goja.FunctionCall) goja.Value:
		return nil, fmt.Errorf("a function is not a JSON value")
	case *goja.Symbol:
		return nil, fmt.Errorf("a symbol is not a JSON value")
	}
	return nil, fmt.Errorf("a %T is not a JSON value", v)
}

// number is f as int64 when it is whole and exact, nil when JSON cannot
// hold it (NaN, ±Infinity), else f.
func number(f float64) any {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return nil
	case f == math.Trunc(f) && f >= -maxSafeInt && f <= maxSafeInt:
		return int64(f)
	}
	return f
}

// pathError places an error at a field of the returned value.
type pathError struct {
	path string
	err  error
}

func (e *pathError) Error() string { return fmt.Sprintf("at %s: %v", e.path, e.err) }

func (e *pathError) Unwrap() error { return e.err }

func fieldErr(field string, err error) error {
	if pe, ok := err.(*pathError); ok {
		sep := "."
		if pe.path[0] == '[' {
			sep = ""
		}
		return &pathError{path: field + sep + pe.path, err: pe.err}
	}
	return &pathError{path: field, err: err}
}
