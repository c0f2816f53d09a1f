package jsonpath

import (
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"
)

// doc is a decoded body as jsondec gives it: integers are int64.
func doc() map[string]any {
	return map[string]any{
		"data": []any{
			map[string]any{"id": int64(1), "name": "a", "tags": []any{"x"}},
			map[string]any{"id": int64(5), "name": "b", "tags": []any{}},
			map[string]any{"id": 2.5, "name": "c"},
		},
		"pagination":      map[string]any{"next": "https://h/p?page=2", "total": int64(30), "prev": nil},
		"@odata.nextLink": "https://h/odata?$skip=10",
		"@odata":          map[string]any{"count": int64(3)},
		"next-page":       "/p?page=3",
		"big":             int64(9007199254740993),
		"none":            nil,
		"obj":             map[string]any{"k": "v"},
		"a.b":             "dotted key",
	}
}

func TestFirst(t *testing.T) {
	tests := []struct {
		expr   string
		want   any
		wantOK bool
	}{
		{"pagination.next", "https://h/p?page=2", true},
		{"$.pagination.next", "https://h/p?page=2", true},
		{"pagination.total", int64(30), true},
		{"pagination.prev", nil, true},
		{"pagination.missing", nil, false},
		{"missing.deeper.still", nil, false},
		{"none", nil, true},
		{"none.x", nil, false},
		{"['@odata.nextLink']", "https://h/odata?$skip=10", true},
		{"$['@odata.nextLink']", "https://h/odata?$skip=10", true},
		{"@odata.count", int64(3), true},
		{"next-page", "/p?page=3", true},
		{"$.next-page", "/p?page=3", true},
		{"'a.b'", "dotted key", true},
		{"big", int64(9007199254740993), true},
		{"data[0].id", int64(1), true},
		{"data[-1].name", "c", true},
		{"data[9].id", nil, false},
		{"  pagination.next  ", "https://h/p?page=2", true},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			p, err := Compile(tt.expr)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			got, ok := p.First(doc())
			if ok != tt.wantOK || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("First = %#v, %v; want %#v, %v", got, ok, tt.want, tt.wantOK)
			}
			if p.String() != tt.expr {
				t.Fatalf("String() = %q, want %q", p.String(), tt.expr)
			}
		})
	}
}

func TestAll(t *testing.T) {
	tests := []struct {
		expr string
		want []any // compared as a multiset
	}{
		{"data[*].id", []any{int64(1), int64(5), 2.5}},
		{"$.data[*].name", []any{"a", "b", "c"}},
		{"$..id", []any{int64(1), int64(5), 2.5}},
		{"$.data[?(@.id > 1)].name", []any{"b", "c"}},
		{"$.data[?(@.id == 5)].name", []any{"b"}},
		{"$.data[?(@.name == 'a')].id", []any{int64(1)}},
		{"data[*].tags", []any{[]any{"x"}, []any{}}},
		{"missing[*]", nil},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got := MustCompile(tt.expr).All(doc())
			if !sameElements(got, tt.want) {
				t.Fatalf("All = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	for _, expr := range []string{"", "   ", "a b", "data[", "$.data[?(@.id >", "'open", "a.-"} {
		if p, err := Compile(expr); err == nil {
			t.Errorf("Compile(%q) = %v, want an error", expr, p.expr)
		}
	}
}

func TestSelect(t *testing.T) {
	rec := func(id int64) map[string]any { return map[string]any{"id": id} }
	list := []any{rec(1), rec(2)}
	tests := []struct {
		name string
		expr string
		body any
		want []any
	}{
		{"root object is one record", "$", rec(1), []any{rec(1)}},
		{"root list gives its elements", "$", list, list},
		{"root empty list", "$", []any{}, []any{}},
		{"root null", "$", nil, nil},
		{"one list match", "data", map[string]any{"data": list}, list},
		{"one list match, rooted", "$.data", map[string]any{"data": list}, list},
		{"one object match", "data", map[string]any{"data": rec(7)}, []any{rec(7)}},
		{"one scalar match", "count", map[string]any{"count": int64(3)}, []any{int64(3)}},
		{"one null match", "data", map[string]any{"data": nil}, nil},
		{"no match", "items", map[string]any{"data": list}, nil},
		{"nested", "result.items", map[string]any{"result": map[string]any{"items": list}}, list},
		{"several matches are the records", "groups[*].item",
			map[string]any{"groups": []any{map[string]any{"item": rec(1)}, map[string]any{"item": rec(2)}}},
			[]any{rec(1), rec(2)}},
		{"several list matches are not flattened", "groups[*].items",
			map[string]any{"groups": []any{map[string]any{"items": list}, map[string]any{"items": list}}},
			[]any{list, list}},
		{"filter with int64", "$.data[?(@.id > 1)]", map[string]any{"data": list}, []any{rec(2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Select(MustCompile(tt.expr), tt.body)
			if len(got) == 0 && len(tt.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Select(%q) = %#v, want %#v", tt.expr, got, tt.want)
			}
		})
	}
}

func TestConcurrentUse(t *testing.T) {
	p := MustCompile("$.data[?(@.id > 1)].name")
	d := doc()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if got := p.All(d); len(got) != 2 {
					t.Errorf("got %v", got)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func sameElements(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	as, bs := make([]string, len(a)), make([]string, len(b))
	for i := range a {
		as[i], bs[i] = fmt.Sprintf("%T:%#v", a[i], a[i]), fmt.Sprintf("%T:%#v", b[i], b[i])
	}
	sort.Strings(as)
	sort.Strings(bs)
	return reflect.DeepEqual(as, bs)
}
