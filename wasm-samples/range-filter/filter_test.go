package main

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestKeep(t *testing.T) {
	both := Range{Field: "price", Min: 10, Max: 20, HasMin: true, HasMax: true}
	tests := []struct {
		name string
		r    Range
		rec  map[string]any
		want bool
	}{
		{"inside", both, map[string]any{"price": 15.0}, true},
		{"min is inclusive", both, map[string]any{"price": 10.0}, true},
		{"max is inclusive", both, map[string]any{"price": int64(20)}, true},
		{"below", both, map[string]any{"price": 9.99}, false},
		{"above", both, map[string]any{"price": 20.01}, false},
		{"a numeric string", both, map[string]any{"price": " 12.50 "}, true},
		{"text", both, map[string]any{"price": "cheap"}, false},
		{"null", both, map[string]any{"price": nil}, false},
		{"missing", both, map[string]any{"cost": 15.0}, false},
		{"a bool is not a number", both, map[string]any{"price": true}, false},
		{"only min", Range{Field: "n", Min: 0, HasMin: true}, map[string]any{"n": 1e300}, true},
		{"only max", Range{Field: "n", Max: 0, HasMax: true}, map[string]any{"n": -5.0}, true},
		{"no bounds keeps every number", Range{Field: "n"}, map[string]any{"n": -5.0}, true},
		{"no bounds still drops text", Range{Field: "n"}, map[string]any{"n": "x"}, false},
		{"a dotted path", Range{Field: "price.amount", Max: 5, HasMax: true}, map[string]any{"price": map[string]any{"amount": 4.0}}, true},
		{"a key with a dot wins", Range{Field: "a.b", Max: 5, HasMax: true}, map[string]any{"a.b": 9.0, "a": map[string]any{"b": 1.0}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.r.Keep(MapFields(tc.rec)); got != tc.want {
				t.Fatalf("Keep(%v) = %v", tc.rec, got)
			}
		})
	}
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		raw  map[string]any
		want Range
		err  string
	}{
		{map[string]any{"field": "price", "min": 10.0, "max": int64(20)}, Range{Field: "price", Min: 10, Max: 20, HasMin: true, HasMax: true}, ""},
		{map[string]any{"field": "price", "min": "1.5"}, Range{Field: "price", Min: 1.5, HasMin: true}, ""},
		{map[string]any{"field": "price"}, Range{Field: "price"}, ""},
		{map[string]any{"min": 1.0}, Range{}, "config.field is required"},
		{map[string]any{"field": "p", "max": "lots"}, Range{}, "config.max must be a number"},
		{map[string]any{"field": "p", "min": 5.0, "max": 1.0}, Range{}, "config.min (5) is greater than config.max (1)"},
	}
	for i, tc := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			got, err := ParseConfig(tc.raw)
			if tc.err == "" && (err != nil || got != tc.want) || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("got %+v, %v; want %+v, %q", got, err, tc.want, tc.err)
			}
		})
	}
}

// FuzzNumber: a string the filter reads as a number is always finite.
func FuzzNumber(f *testing.F) {
	for _, s := range []string{"1", " 2.5 ", "NaN", "Inf", "1e400", "0x10", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := Range{Field: "n", Min: -1, Max: 1, HasMin: true, HasMax: true}
		n, ok := number(s)
		if ok && (math.IsNaN(n) || math.IsInf(n, 0)) {
			t.Fatalf("%q read as %v", s, n)
		}
		if r.Keep(MapFields{"n": s}) && !(ok && n >= -1 && n <= 1) {
			t.Fatalf("%q kept", s)
		}
	})
}
