package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Range is the plugin's `config:`.
type Range struct {
	Field          string  // field: a top-level key, or a dotted path into objects
	Min, Max       float64 // min, max: inclusive bounds
	HasMin, HasMax bool    // whether min and max were given
}

// ParseConfig reads `field` (required), `min` and `max` (optional numbers,
// or strings that hold one; min no greater than max).
func ParseConfig(raw map[string]any) (Range, error) {
	var r Range
	f, ok := raw["field"].(string)
	if !ok || f == "" {
		return Range{}, fmt.Errorf("range-filter: config.field is required: the key of the number to test, e.g. field: price")
	}
	r.Field = f
	var err error
	if r.Min, r.HasMin, err = bound(raw, "min"); err != nil {
		return Range{}, err
	}
	if r.Max, r.HasMax, err = bound(raw, "max"); err != nil {
		return Range{}, err
	}
	if r.HasMin && r.HasMax && r.Min > r.Max {
		return Range{}, fmt.Errorf("range-filter: config.min (%v) is greater than config.max (%v): no record would be kept", r.Min, r.Max)
	}
	return r, nil
}

func bound(raw map[string]any, key string) (float64, bool, error) {
	v, ok := raw[key]
	if !ok || v == nil {
		return 0, false, nil
	}
	if n, ok := number(v); ok {
		return n, true, nil
	}
	return 0, false, fmt.Errorf("range-filter: config.%s must be a number, got %v", key, v)
}

// number reads a JSON number, or a string that holds a finite one (APIs
// often send amounts as strings).
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x)
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case string:
		n, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return n, err == nil && !math.IsNaN(n) && !math.IsInf(n, 0)
	}
	return 0, false
}

// Keep reports whether rec's number at Field lies within the bounds. A
// record without a number there (missing, null, text) is dropped.
func (r Range) Keep(rec Fields) bool {
	v, ok := lookup(rec, r.Field)
	if !ok {
		return false
	}
	n, ok := number(v)
	if !ok {
		return false
	}
	return (!r.HasMin || n >= r.Min) && (!r.HasMax || n <= r.Max)
}

// Fields is a record as the filter reads it: guest.Record in the module
// (which decodes only the field asked for), MapFields in tests.
type Fields interface {
	Get(key string) (any, bool)
}

// MapFields is a decoded record as Fields.
type MapFields map[string]any

// Get returns a top-level field.
func (m MapFields) Get(key string) (any, bool) {
	v, ok := m[key]
	return v, ok
}

// lookup finds field as a top-level key, or else as a dotted path.
func lookup(rec Fields, field string) (any, bool) {
	if v, ok := rec.Get(field); ok {
		return v, true
	}
	parts := strings.Split(field, ".")
	cur, ok := rec.Get(parts[0])
	if !ok || len(parts) == 1 {
		return nil, false
	}
	for _, part := range parts[1:] {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}
