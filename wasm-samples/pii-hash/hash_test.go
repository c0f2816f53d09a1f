package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestHash(t *testing.T) {
	tests := []struct {
		name   string
		rec    map[string]any
		fields []string
		want   map[string]any
		err    string
	}{
		{"a string", map[string]any{"id": 1.0, "email": "ann@example.com"}, []string{"email"},
			map[string]any{"id": 1.0, "email": sum("ann@example.com")}, ""},
		{"several fields, numbers", map[string]any{"email": "a@b", "phone": 5551234.0, "zip": int64(10115), "vip": true, "name": "Ann"},
			[]string{"email", "phone", "zip", "vip"},
			map[string]any{"email": sum("a@b"), "phone": sum("5551234"), "zip": sum("10115"), "vip": sum("true"), "name": "Ann"}, ""},
		{"missing and null stay", map[string]any{"email": nil}, []string{"email", "phone"}, map[string]any{"email": nil}, ""},
		{"an object is refused", map[string]any{"email": map[string]any{"work": "a@b"}}, []string{"email"}, nil, `field "email" is an object`},
		{"a list is refused", map[string]any{"email": []any{"a@b"}}, []string{"email"}, nil, `field "email" is a list`},
		{"nested keys are not paths", map[string]any{"a.b": "x", "a": map[string]any{"b": "y"}}, []string{"a.b"},
			map[string]any{"a.b": sum("x"), "a": map[string]any{"b": "y"}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Hash(MapFields(tc.rec), tc.fields, sum)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(tc.rec, tc.want) {
				t.Fatalf("got %v\nwant %v", tc.rec, tc.want)
			}
		})
	}
	// The well-known digest, so that sum itself is checked.
	if got := sum("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatal(got)
	}
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		raw  map[string]any
		want []string
		err  string
	}{
		{map[string]any{"fields": []any{"email", "phone"}}, []string{"email", "phone"}, ""},
		{map[string]any{"fields": "email"}, []string{"email"}, ""},
		{map[string]any{}, nil, "config.fields is required"},
		{map[string]any{"fields": []any{}}, nil, "config.fields is empty"},
		{map[string]any{"fields": []any{"email", 3.0}}, nil, "config.fields[1] must be a key"},
		{map[string]any{"fields": 3.0}, nil, "config.fields must be a list"},
	}
	for i, tc := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			got, err := ParseConfig(tc.raw)
			if tc.err == "" && (err != nil || !reflect.DeepEqual(got, tc.want)) || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("got %v, %v; want %v, %q", got, err, tc.want, tc.err)
			}
		})
	}
}
