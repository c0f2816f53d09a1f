package cursorvalue

import (
	"encoding/json"
	"math"
	"testing"
)

// §6.3: values compare as Python compares them.
func TestCompare(t *testing.T) {
	tests := []struct {
		name string
		a, b any
		want int
		ok   bool
	}{
		{"int64", int64(1), int64(2), -1, true},
		{"int64 vs float64 equal", int64(3), 3.0, 0, true},
		{"float64 vs int64", 2.5, int64(2), 1, true},
		{"config int vs data int64", 5, int64(5), 0, true},
		{"big int64 exact against float", int64(1<<53 + 1), float64(1 << 53), 1, true},
		{"json.Number big int", json.Number("18446744073709551616"), int64(math.MaxInt64), 1, true},
		{"json.Number vs json.Number", json.Number("18446744073709551616"), json.Number("18446744073709551617"), -1, true},
		{"json.Number small", json.Number("7"), 7.0, 0, true},
		{"infinity", math.Inf(1), json.Number("1e300"), 1, true},
		{"json.Number exponent is a float", json.Number("2.5e1"), int64(25), 0, true},
		{"json.Number beyond float64 is refused, not expanded", json.Number("1e999999999"), int64(1), 0, false},
		{"strings by code point", "2024-01-02T00:00:00Z", "2024-01-10T00:00:00Z", -1, true},
		{"mixed timestamp formats compare as text", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00+00:00", 1, true},
		{"date-only vs timestamp as text", "2024-01-01", "2024-01-01T00:00:00Z", -1, true},
		{"non-ASCII by code point", "é", "z", 1, true},
		{"booleans", false, true, -1, true},
		{"string vs number", "1", int64(1), 0, false},
		{"number vs string", int64(1), "1", 0, false},
		{"bool vs number", true, int64(1), 0, false},
		{"NaN", math.NaN(), 1.0, 0, false},
		{"list", []any{1}, []any{1}, 0, false},
		{"nil", nil, int64(1), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Compare(tt.a, tt.b)
			if ok != tt.ok || (ok && got != tt.want) {
				t.Errorf("Compare(%v, %v) = %d, %v; want %d, %v", tt.a, tt.b, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// State numbers come back from encoding/json as float64.
func TestNormalize(t *testing.T) {
	tests := []struct {
		in     any
		floats bool
		want   any
	}{
		{24.0, false, int64(24)},
		{24.0, true, 24.0},
		{24.5, false, 24.5},
		{1e300, false, 1e300},
		{5, false, int64(5)},
		{json.Number("12"), false, int64(12)},
		{json.Number("1.5"), false, 1.5},
		{json.Number("123456789012345678901234567890"), false, json.Number("123456789012345678901234567890")},
		{"2024-01-01", false, "2024-01-01"},
		{nil, false, nil},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in, tt.floats); got != tt.want {
			t.Errorf("Normalize(%#v, %v) = %#v, want %#v", tt.in, tt.floats, got, tt.want)
		}
	}
}
