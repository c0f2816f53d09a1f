package main

import (
	"fmt"
	"strings"
	"testing"
)

func TestAction(t *testing.T) {
	fail := Config{Path: []string{"error"}, Do: "fail", rawKey: "error"}
	retry, _ := ParseConfig(map[string]any{"path": "meta.error", "action": "retry"})
	tests := []struct {
		name   string
		c      Config
		status int
		body   any
		want   string
	}{
		{"a 200 with an error", fail, 200, map[string]any{"error": map[string]any{"code": 42, "message": "quota"}}, "fail"},
		{"an error string", fail, 200, map[string]any{"error": "quota"}, "fail"},
		{"false is a value", fail, 200, map[string]any{"error": false}, "fail"},
		{"a null error", fail, 200, map[string]any{"error": nil, "data": []any{}}, "continue"},
		{"no error key", fail, 200, map[string]any{"data": []any{1.0}}, "continue"},
		{"not a 200", fail, 500, map[string]any{"error": "boom"}, "continue"},
		{"a 201 is not a 200", fail, 201, map[string]any{"error": "boom"}, "continue"},
		{"a list body", fail, 200, []any{map[string]any{"error": "x"}}, "continue"},
		{"a text body", fail, 200, "error", "continue"},
		{"a null body", fail, 200, nil, "continue"},
		{"a dotted path, retry", retry, 200, map[string]any{"meta": map[string]any{"error": "busy"}}, "retry"},
		{"a dotted path, absent", retry, 200, map[string]any{"meta": map[string]any{"ok": true}}, "continue"},
		{"a dotted path through a scalar", retry, 200, map[string]any{"meta": "x"}, "continue"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.Action(tc.status, tc.body); got != tc.want {
				t.Fatalf("Action = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		raw      map[string]any
		wantDo   string
		wantPath string
		err      string
	}{
		{map[string]any{"path": "error"}, "fail", "error", ""},
		{map[string]any{"path": "error", "action": "retry"}, "retry", "error", ""},
		{map[string]any{"path": "a.b", "action": "fail"}, "fail", "a,b", ""},
		{map[string]any{}, "", "", "config.path is required"},
		{map[string]any{"path": "error", "action": "ignore"}, "", "", "config.action must be fail or retry, got ignore"},
		{map[string]any{"path": "error", "action": 1.0}, "", "", "config.action must be fail or retry"},
	}
	for i, tc := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			c, err := ParseConfig(tc.raw)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || c.Do != tc.wantDo || strings.Join(c.Path, ",") != tc.wantPath {
				t.Fatalf("got %+v, %v", c, err)
			}
		})
	}
}
