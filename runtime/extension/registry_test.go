package extension

import (
	"context"
	"errors"
	"strings"
	"testing"
)

type fake struct{ next string }

func newTestRegistry() *Registry[*fake] {
	r := NewRegistry[*fake]("paginator")
	r.Register("json_link", Spec{Summary: "test"}, func(a *Args) (Builder[*fake], error) {
		return Ready(&fake{next: a.String("next_url_path", "next")}), nil
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
			got, err := r.New(context.Background(), tt.typ, tt.args, nil)
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

func TestParseHasNoSideEffectsAndBuildGetsEnv(t *testing.T) {
	r := NewRegistry[*fake]("paginator")
	var parsed, built int
	var gotEnv *Env
	r.Register("counted", Spec{}, func(a *Args) (Builder[*fake], error) {
		parsed++
		next := a.String("next", "n")
		return BuilderFunc[*fake](func(ctx context.Context, env *Env) (*fake, error) {
			built++
			gotEnv = env
			return &fake{next: next}, ctx.Err()
		}), nil
	})
	b, err := r.Parse("counted", map[string]any{"next": "x"})
	if err != nil || parsed != 1 || built != 0 {
		t.Fatalf("Parse: err %v, parsed %d, built %d", err, parsed, built)
	}
	env := &Env{Resource: "users", Dir: "/pipelines"}
	f, err := b.Build(context.Background(), env)
	if err != nil || f.next != "x" || built != 1 || gotEnv != env {
		t.Fatalf("Build = %+v, %v (built %d)", f, err, built)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Build(ctx, env); !errors.Is(err, context.Canceled) {
		t.Fatalf("Build with a cancelled context: %v", err)
	}
	// New fills a nil Env with working defaults.
	if _, err := r.New(context.Background(), "counted", nil, nil); err != nil || gotEnv.Logger == nil || gotEnv.Now == nil || gotEnv.KV == nil {
		t.Fatalf("New with a nil env: %v, env %+v", err, gotEnv)
	}
}

func TestParsePanicIsAnError(t *testing.T) {
	r := NewRegistry[*fake]("paginator")
	r.Register("broken", Spec{}, func(*Args) (Builder[*fake], error) { panic("boom") })
	if _, err := r.Parse("broken", nil); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("err = %v", err)
	}
}

type closer struct {
	closed *[]string
	name   string
}

func (c closer) Close() error { *c.closed = append(*c.closed, c.name); return nil }

func TestClosersCloseLastFirst(t *testing.T) {
	var closed []string
	var cs Closers
	cs.Add(closer{&closed, "a"})
	cs.Add("not a closer")
	cs.Add(closer{&closed, "b"})
	if err := cs.CloseAll(); err != nil || strings.Join(closed, ",") != "b,a" {
		t.Fatalf("closed %v, %v", closed, err)
	}
	if err := cs.CloseAll(); err != nil || len(closed) != 2 {
		t.Fatal("a second CloseAll closed again")
	}
}

func TestMemoryKV(t *testing.T) {
	kv := NewMemoryKV(map[string]any{"cursor": "a"})
	if v, ok := kv.Get("cursor"); !ok || v != "a" {
		t.Fatalf("Get(cursor) = %v, %v", v, ok)
	}
	if err := kv.Set("m", map[string]any{"n": []any{1.0}}); err != nil {
		t.Fatal(err)
	}
	got, _ := kv.Get("m")
	got.(map[string]any)["n"].([]any)[0] = 2.0 // a copy: the store is unchanged
	if again, _ := kv.Get("m"); again.(map[string]any)["n"].([]any)[0] != 1.0 {
		t.Fatal("Get returned the stored value itself")
	}
	for _, bad := range []struct {
		key string
		val any
	}{{"", 1}, {strings.Repeat("k", MaxKVKey+1), 1}, {"f", func() {}}, {"big", strings.Repeat("x", MaxKVBytes)}} {
		if err := kv.Set(bad.key, bad.val); err == nil {
			t.Errorf("Set(%.20q) accepted", bad.key)
		}
	}
	if err := kv.Set("cursor", nil); err != nil {
		t.Fatal(err)
	}
	if snap := kv.Snapshot(); len(snap) != 1 || snap["m"] == nil {
		t.Fatalf("Snapshot = %v", snap)
	}
}

func TestSpecField(t *testing.T) {
	s := Spec{Fields: []Field{
		{Name: "token", Type: TypeString, Required: true, Secret: true, Doc: "the token"},
		{Name: "b", Type: TypeJSONPath, Default: "next"},
	}}
	if got := s.FieldNames(); strings.Join(got, ",") != "b,token" {
		t.Fatalf("FieldNames = %v", got)
	}
	if got := s.SecretFields(); len(got) != 1 || got[0] != "token" {
		t.Fatalf("SecretFields = %v", got)
	}
	f, _ := s.Field("token")
	if f.String() != "token (string, required, secret): the token" {
		t.Fatalf("String = %q", f.String())
	}
	if f, _ := s.Field("b"); f.String() != `b (jsonpath, default "next")` {
		t.Fatalf("String = %q", f.String())
	}
}

func TestCheckSpec(t *testing.T) {
	r := NewRegistry[*fake]("paginator")
	parse := func(a *Args) (Builder[*fake], error) {
		return Ready(&fake{next: a.String("next", "n") + a.String("extra", "")}), nil
	}
	r.Register("good", Spec{Summary: "s", Fields: []Field{
		{Name: "next", Type: TypeString, Default: "n", Doc: "d"},
		{Name: "extra", Type: TypeString, Doc: "d"},
	}}, parse)
	r.Register("undeclared", Spec{Summary: "s", Fields: []Field{{Name: "next", Type: TypeString, Doc: "d"}}}, parse)
	r.Register("unread", Spec{Summary: "s", Fields: []Field{
		{Name: "next", Type: TypeString, Doc: "d"}, {Name: "extra", Type: TypeString, Doc: "d"},
		{Name: "gone", Type: TypeString, Doc: "d"},
	}}, parse)
	if err := r.CheckSpec("good"); err != nil {
		t.Fatal(err)
	}
	if err := r.CheckSpec("undeclared"); err == nil || !strings.Contains(err.Error(), `reads "extra"`) {
		t.Fatalf("undeclared: %v", err)
	}
	if err := r.CheckSpec("unread"); err == nil || !strings.Contains(err.Error(), `declares "gone"`) {
		t.Fatalf("unread: %v", err)
	}
	if err := r.CheckSpecs(); err == nil || strings.Contains(err.Error(), `"good"`) {
		t.Fatalf("CheckSpecs: %v", err)
	}
}
