package extension

import (
	"errors"
	"strings"
	"testing"
)

type fake struct{ next string }

func newTestRegistry() *Registry[*fake] {
	r := NewRegistry[*fake]("paginator")
	r.Register("json_link", Spec{Summary: "test"}, func(a *Args) (*fake, error) {
		return &fake{next: a.String("next_url_path", "next")}, nil
	})
	return r
}

func TestRegistryNew(t *testing.T) {
	r := newTestRegistry()
	tests := []struct {
		name      string
		typ       string
		args      map[string]any
		wantNext  string
		wantField string // the field an *ArgError must name; "" for success
		wantType  bool   // an *UnknownTypeError
	}{
		{name: "defaults", typ: "json_link", wantNext: "next"},
		{name: "argument read", typ: "json_link", args: map[string]any{"next_url_path": "a.b"}, wantNext: "a.b"},
		{name: "wrong type", typ: "json_link", args: map[string]any{"next_url_path": 3}, wantField: "next_url_path"},
		{name: "unknown field", typ: "json_link", args: map[string]any{"initial_page": 1}, wantField: "initial_page"},
		{name: "unknown type", typ: "page_numbr", wantType: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.New(tt.typ, tt.args)
			var argErr *ArgError
			var typeErr *UnknownTypeError
			switch {
			case tt.wantType:
				if !errors.As(err, &typeErr) || !strings.Contains(err.Error(), "json_link") {
					t.Fatalf("err = %v, want an UnknownTypeError listing json_link", err)
				}
			case tt.wantField != "":
				if !errors.As(err, &argErr) || argErr.Field != tt.wantField {
					t.Fatalf("err = %v, want an ArgError on %s", err, tt.wantField)
				}
			default:
				if err != nil || got.next != tt.wantNext {
					t.Fatalf("New() = %+v, %v; want next %q", got, err, tt.wantNext)
				}
			}
		})
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	r := newTestRegistry()
	defer func() {
		if recover() == nil {
			t.Fatal("registering a name twice did not panic")
		}
	}()
	r.Register("json_link", Spec{}, nil)
}

func TestRequestClone(t *testing.T) {
	req := &Request{URL: "http://h/p?a=1", Query: map[string][]string{"b": {"2"}}, JSON: map[string]any{"x": []any{1}}}
	c := req.Clone()
	c.Query.Add("b", "3")
	c.JSON.(map[string]any)["x"].([]any)[0] = 9
	if len(req.Query["b"]) != 1 || req.JSON.(map[string]any)["x"].([]any)[0] != 1 {
		t.Fatal("changing a clone changed the original")
	}
	u, err := req.FullURL()
	if err != nil || u != "http://h/p?a=1&b=2" {
		t.Fatalf("FullURL() = %q, %v", u, err)
	}
}
