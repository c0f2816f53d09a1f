// Package cursorvalue compares and normalizes incremental cursor values
// the way dlt (Python) does, for the cursor (package incremental) and for
// the config checks of initial_value and end_value alike, so that validate
// and run agree.
package cursorvalue

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Compare orders two cursor values the way Python orders them in dlt:
// numbers by value whatever their Go type (int64, float64, json.Number,
// exactly, without rounding big integers), strings by code point (byte
// order of UTF-8: ISO timestamps in one format sort in time order, mixed
// formats do not), booleans false < true. ok is false when Python would
// raise a TypeError (a string against a number, a list, NaN, …).
func Compare(a, b any) (c int, ok bool) {
	switch x := a.(type) {
	case string:
		y, isStr := b.(string)
		if !isStr {
			return 0, false
		}
		return strings.Compare(x, y), true
	case bool:
		y, isBool := b.(bool)
		if !isBool {
			return 0, false
		}
		switch {
		case x == y:
			return 0, true
		case y:
			return -1, true
		}
		return 1, true
	}
	na, ok := toNum(a)
	if !ok {
		return 0, false
	}
	nb, ok := toNum(b)
	if !ok {
		return 0, false
	}
	return na.cmp(nb)
}

// num is a number of the cursor: an int64, a float64, or (json.Number
// out of int64 range) an exact rational.
type num struct {
	kind byte // 'i', 'f' or 'r'
	i    int64
	f    float64
	r    *big.Rat
}

func toNum(v any) (num, bool) {
	switch t := v.(type) {
	case int:
		return num{kind: 'i', i: int64(t)}, true
	case int8:
		return num{kind: 'i', i: int64(t)}, true
	case int16:
		return num{kind: 'i', i: int64(t)}, true
	case int32:
		return num{kind: 'i', i: int64(t)}, true
	case int64:
		return num{kind: 'i', i: t}, true
	case uint:
		return fromUint(uint64(t)), true
	case uint8:
		return num{kind: 'i', i: int64(t)}, true
	case uint16:
		return num{kind: 'i', i: int64(t)}, true
	case uint32:
		return num{kind: 'i', i: int64(t)}, true
	case uint64:
		return fromUint(t), true
	case float32:
		return num{kind: 'f', f: float64(t)}, !math.IsNaN(float64(t))
	case float64:
		return num{kind: 'f', f: t}, !math.IsNaN(t)
	case json.Number:
		s := string(t)
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return num{kind: 'i', i: i}, true
		}
		if strings.ContainsAny(s, ".eE") {
			// A fraction or an exponent: a float64, never an exact
			// rational (1e999999999 would take gigabytes).
			f, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsInf(f, 0) {
				return num{}, false
			}
			return num{kind: 'f', f: f}, true
		}
		r, ok := new(big.Int).SetString(s, 10)
		if !ok {
			return num{}, false
		}
		return num{kind: 'r', r: new(big.Rat).SetInt(r)}, true
	}
	return num{}, false
}

func fromUint(u uint64) num {
	if u <= math.MaxInt64 {
		return num{kind: 'i', i: int64(u)}
	}
	return num{kind: 'r', r: new(big.Rat).SetInt(new(big.Int).SetUint64(u))}
}

func (n num) rat() (*big.Rat, bool) {
	switch n.kind {
	case 'i':
		return new(big.Rat).SetInt64(n.i), true
	case 'f':
		if math.IsInf(n.f, 0) {
			return nil, false
		}
		return new(big.Rat).SetFloat64(n.f), true
	}
	return n.r, true
}

func (n num) cmp(m num) (int, bool) {
	switch {
	case n.kind == 'i' && m.kind == 'i':
		return cmp3(n.i < m.i, n.i > m.i), true
	case n.kind == 'f' && m.kind == 'f':
		return cmp3(n.f < m.f, n.f > m.f), true
	case n.kind == 'f' && math.IsInf(n.f, 0):
		return int(math.Copysign(1, n.f)), true
	case m.kind == 'f' && math.IsInf(m.f, 0):
		return -int(math.Copysign(1, m.f)), true
	}
	x, _ := n.rat()
	y, _ := m.rat()
	return x.Cmp(y), true
}

func cmp3(less, greater bool) int {
	switch {
	case less:
		return -1
	case greater:
		return 1
	}
	return 0
}

// IsNumber reports whether v is one of the number types compare knows.
func IsNumber(v any) bool {
	switch v.(type) {
	case string, bool:
		return false
	}
	_, ok := toNum(v)
	return ok
}

// Kind names v's kind for messages.
func Kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	if IsNumber(v) {
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}

// Show renders v for a message: strings quoted, the rest as JSON.
func Show(v any) string {
	if s, ok := v.(string); ok {
		if len(s) > 80 {
			s = s[:77] + "..."
		}
		return strconv.Quote(s)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 80 {
		return string(b[:77]) + "..."
	}
	return string(b)
}

// Normalize turns a value from the config or from a stored state into the
// shapes the cursor works with: Go ints become int64; a whole float64
// (encoding/json decodes every stored number as one) becomes int64 unless
// floats says the cursor holds floats; a json.Number becomes an int64 or
// a float64 when it fits one exactly.
func Normalize(v any, floats bool) any {
	switch t := v.(type) {
	case int:
		return int64(t)
	case int32:
		return int64(t)
	case uint64:
		if t <= math.MaxInt64 {
			return int64(t)
		}
		return json.Number(strconv.FormatUint(t, 10))
	case float64:
		if !floats && t == math.Trunc(t) && math.Abs(t) < 1<<63 {
			return int64(t)
		}
		return t
	case json.Number:
		if i, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return i
		}
		if strings.ContainsAny(string(t), ".eE") {
			if f, err := strconv.ParseFloat(string(t), 64); err == nil {
				return Normalize(f, floats)
			}
		}
		return t
	}
	return v
}

// Equal reports whether two state values are the same value: numbers by
// value, anything else by compare, nil only with nil.
func Equal(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	c, ok := Compare(a, b)
	return ok && c == 0
}

// AddNumber adds d to a number: a float stays a float, a whole number
// stays whole (the sum truncated toward zero, as Python's int()), exactly
// beyond int64 (then a json.Number). ok is false for a value that is no
// number.
func AddNumber(v any, d float64) (any, bool) {
	n, ok := toNum(v)
	if !ok {
		return nil, false
	}
	switch n.kind {
	case 'f':
		return n.f + d, true
	case 'i':
		if d == math.Trunc(d) && math.Abs(d) < 1<<53 {
			k := int64(d)
			if r := n.i + k; (k >= 0) == (r >= n.i) {
				return r, true
			}
		}
	}
	r, ok := n.rat()
	if !ok {
		return nil, false
	}
	r = new(big.Rat).Add(r, new(big.Rat).SetFloat64(d))
	q := new(big.Int).Quo(r.Num(), r.Denom()) // truncates toward zero
	if q.IsInt64() {
		return q.Int64(), true
	}
	return json.Number(q.String()), true
}
