package placeholder

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"testing"
)

func lookupFrom(m map[string]any) Lookup {
	return func(name string) (any, error) {
		v, ok := m[name]
		if !ok {
			return nil, fmt.Errorf("no field %s", name)
		}
		return v, nil
	}
}

func TestRender(t *testing.T) {
	vals := map[string]any{
		"resources.users.id":       int64(42),
		"resources.users.name":     "Ada L",
		"resources.users.score":    1.5,
		"resources.users.ok":       true,
		"resources.users.none":     nil,
		"resources.users.tags":     []any{"a", int64(2)},
		"resources.users.big":      json.Number("123456789012345678901"),
		"incremental.start_value":  "2024-01-01T00:00:00Z",
		"resources.users.negative": int64(-7),
		"resources.users.obj":      map[string]any{"b": int64(1), "a": "x"},
	}
	cases := []struct {
		in, want string
	}{
		{"users/{resources.users.id}/posts", "users/42/posts"},
		{"{{literal}} {resources.users.id}", "{literal} 42"},
		{"{{{resources.users.id}}}", "{42}"},
		{"{resources.users.id:>5}", "   42"},
		{"{resources.users.id:05d}", "00042"},
		{"{resources.users.negative:05d}", "-0007"},
		{"{resources.users.id:<5}|", "42   |"},
		{"{resources.users.id:*^6}", "**42**"},
		{"{resources.users.id:x}", "2a"},
		{"{resources.users.score:.3f}", "1.500"},
		{"{resources.users.name!r}", "'Ada L'"},
		{"{resources.users.name:.3}", "Ada"},
		{"{resources.users.ok}", "true"},
		{"until={resources.users.none}", "until="},
		{"{resources.users.tags}", "a,2"},
		{"{resources.users.big}", "123456789012345678901"},
		{"{resources.users.obj}", `{"a":"x","b":1}`},
		{"since={incremental.start_value}", "since=2024-01-01T00:00:00Z"},
		{"{resources.users.id:,}", "42"},
		{"no fields", "no fields"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			tp, err := Parse(c.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tp.Render(lookupFrom(vals), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestRenderEscapesValuesOnly(t *testing.T) {
	tp, err := Parse("a b/{resources.p.name}")
	if err != nil {
		t.Fatal(err)
	}
	got, err := tp.Render(lookupFrom(map[string]any{"resources.p.name": "x/y z"}), func(_, s string) string { return url.PathEscape(s) })
	if err != nil {
		t.Fatal(err)
	}
	if got != "a b/x%2Fy%20z" {
		t.Errorf("got %q", got)
	}
}

func TestParseErrors(t *testing.T) {
	for _, s := range []string{"{a", "a}", "{a!x}", "{a:zz}", "{a!r x}", "{a:.}", "{a:5q}"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q): no error", s)
		}
	}
}

func TestFields(t *testing.T) {
	tp, err := Parse("{resources.a.id}/{x:>3}/{{y}}/{incremental.start_value!r}")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range tp.Fields() {
		names = append(names, f.Name)
	}
	if want := []string{"resources.a.id", "x", "incremental.start_value"}; !reflect.DeepEqual(names, want) {
		t.Errorf("fields = %v, want %v", names, want)
	}
	if _, ok := tp.Single(); ok {
		t.Error("Single on a mixed template")
	}
	one, _ := Parse("{resources.a.id}")
	if f, ok := one.Single(); !ok || f.Name != "resources.a.id" {
		t.Errorf("Single = %v, %v", f, ok)
	}
}

func TestTreeKeepsTypes(t *testing.T) {
	body := map[string]any{
		"user_id": "{resources.users.id}",
		"label":   "user {resources.users.id}",
		"{{k}}":   []any{"{resources.users.ok}", int64(3), nil},
		"nested":  map[string]any{"since": "{incremental.start_value}"},
	}
	tr, err := ParseTree(body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tr.Render(lookupFrom(map[string]any{
		"resources.users.id": int64(7), "resources.users.ok": true, "incremental.start_value": nil,
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"user_id": int64(7),
		"label":   "user 7",
		"{k}":     []any{true, int64(3), nil},
		"nested":  map[string]any{"since": nil},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
	if n := len(tr.Fields()); n != 4 {
		t.Errorf("%d fields, want 4", n)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"a/{b.c}/d", "{{x}}", "{a:>5}", "{a!r:^9}", "{", "}", "{a:{b}}", "{a:0=+10,.2f}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tp, err := Parse(s)
		if err != nil {
			return
		}
		look := func(string) (any, error) { return int64(-12345), nil }
		if _, err := tp.Render(look, nil); err != nil {
			// a spec that needs a string may refuse a number: fine, no panic
			return
		}
		_, _ = tp.Render(func(string) (any, error) { return "text", nil }, func(_, s string) string { return url.PathEscape(s) })
		_, _ = tp.Render(func(string) (any, error) { return 2.5, nil }, nil)
	})
}
