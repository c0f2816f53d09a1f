package cel

import (
	"encoding/base64"
	"fmt"
	"math"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// maxDepth bounds the nesting of a value an expression returns.
const maxDepth = 512

// toJSON turns a CEL value into the Go JSON values records are made of:
// int64, float64, string, bool, nil, map[string]any and []any. A uint
// becomes an int64; bytes become base64 text; a timestamp or a duration
// the text CEL's string() gives; an optional its value or null. A value
// that wraps records given to the expression is copied, so that what a
// step returns never shares memory with its input.
func toJSON(v ref.Val) (any, error) { return toJSONDepth(v, 0) }

func toJSONDepth(v ref.Val, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("the value is nested more than %d levels deep", maxDepth)
	}
	switch t := v.(type) {
	case types.Bool:
		return bool(t), nil
	case types.Int:
		return int64(t), nil
	case types.Uint:
		if uint64(t) > math.MaxInt64 {
			return nil, fmt.Errorf("the unsigned integer %d is too large for a 64-bit signed integer", uint64(t))
		}
		return int64(t), nil
	case types.Double:
		return float64(t), nil
	case types.String:
		return string(t), nil
	case types.Null:
		return nil, nil
	case types.Bytes:
		return base64.StdEncoding.EncodeToString([]byte(t)), nil
	case types.Timestamp, types.Duration:
		return string(t.ConvertToType(types.StringType).(types.String)), nil
	case *types.Err:
		return nil, t
	case *types.Optional:
		if !t.HasValue() {
			return nil, nil
		}
		return toJSONDepth(t.GetValue(), depth+1)
	case *types.Unknown:
		return nil, fmt.Errorf("the value is unknown")
	}
	// Values that wrap native JSON (an item, or a part of one) copy fast.
	switch n := v.Value().(type) {
	case map[string]any:
		return copyJSON(n, depth)
	case []any:
		return copyJSON(n, depth)
	case map[ref.Val]ref.Val: // a map literal: read it without an iterator
		out := make(map[string]any, len(n))
		for k, e := range n {
			ks, ok := k.(types.String)
			if !ok {
				return nil, badKey(k)
			}
			c, err := toJSONDepth(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[string(ks)] = c
		}
		return out, nil
	}
	switch t := v.(type) {
	case traits.Mapper:
		out := make(map[string]any, int(t.Size().(types.Int)))
		for it := t.Iterator(); it.HasNext() == types.True; {
			k := it.Next()
			ks, ok := k.(types.String)
			if !ok {
				return nil, badKey(k)
			}
			e, err := toJSONDepth(t.Get(k), depth+1)
			if err != nil {
				return nil, err
			}
			out[string(ks)] = e
		}
		return out, nil
	case traits.Lister:
		n := int(t.Size().(types.Int))
		out := make([]any, n)
		for i := 0; i < n; i++ {
			e, err := toJSONDepth(t.Get(types.Int(i)), depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	}
	return nil, fmt.Errorf("a %s is not a JSON value", typeName(v))
}

func badKey(k ref.Val) error {
	return fmt.Errorf("an object's keys must be strings, got the %s %v", k.Type().(ref.Type).TypeName(), k.Value())
}

// copyJSON deep-copies a native JSON value, normalizing its numbers.
func copyJSON(v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("the value is nested more than %d levels deep", maxDepth)
	}
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			c, err := copyJSON(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			c, err := copyJSON(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case ref.Val:
		return toJSONDepth(t, depth)
	}
	return normalizeScalar(v), nil
}

// normalize returns v with its numbers as int64 and float64, deeply (a
// config from YAML holds int).
func normalize(v any) any {
	c, err := copyJSON(v, 0)
	if err != nil {
		return v
	}
	return c
}

func normalizeScalar(v any) any {
	switch n := v.(type) {
	case int:
		return int64(n)
	case int8:
		return int64(n)
	case int16:
		return int64(n)
	case int32:
		return int64(n)
	case uint:
		return normalizeUint(uint64(n))
	case uint8:
		return int64(n)
	case uint16:
		return int64(n)
	case uint32:
		return int64(n)
	case uint64:
		return normalizeUint(n)
	case float32:
		return float64(n)
	}
	return v
}

func normalizeUint(n uint64) any {
	if n > math.MaxInt64 {
		return float64(n)
	}
	return int64(n)
}

// typeName names a CEL value's type for an error message.
func typeName(v ref.Val) string {
	if v == nil {
		return "nothing"
	}
	switch v.Type() {
	case types.BoolType:
		return "bool"
	case types.IntType, types.UintType:
		return "integer"
	case types.DoubleType:
		return "number"
	case types.StringType:
		return "string"
	case types.NullType:
		return "null"
	case types.ListType:
		return "list"
	case types.MapType:
		return "object"
	}
	if t, ok := v.Type().(ref.Type); ok {
		return t.TypeName()
	}
	return fmt.Sprintf("%T", v)
}

// describeVal names a value and shows a short form of it.
func describeVal(v ref.Val) string {
	s := fmt.Sprint(v.Value())
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	if _, ok := v.(types.String); ok {
		s = fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%s %s", typeName(v), s)
}
