package wasm

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/hostapi"
	"github.com/sluicehq/sluice/runtime/extension"
)

func TestSpecs(t *testing.T) {
	r := registries()
	for _, err := range []error{r.Steps.CheckSpecs(), r.Converts.CheckSpecs(), r.Actions.CheckSpecs(), r.Paginators.CheckSpecs(), r.Auths.CheckSpecs()} {
		if err != nil {
			t.Error(err)
		}
	}
	if !r.Steps.Has(Type) || !r.Converts.Has(Type) || !r.Actions.Has(Type) || !r.Paginators.Has(Type) || !r.Auths.Has(Type) {
		t.Error("wasm is missing from a registry")
	}
}

func TestSteps(t *testing.T) {
	all := guest(t, "all")
	page := []any{
		map[string]any{"id": int64(1), "n": int64(5), "email": "a@example.com", "tags": []any{"x", "y"}},
		map[string]any{"id": int64(2), "n": 50.5, "email": "b@example.com"},
		map[string]any{"id": int64(3), "n": "7", "tags": []any{}},
	}
	for _, tt := range []struct {
		name   string
		kind   string
		config map[string]any
		want   []any
	}{
		{"map", "map", nil, []any{
			map[string]any{"id": int64(1), "id10": int64(10), "n": int64(5), "email": "a@example.com", "tags": []any{"x", "y"}, "seen": true},
			map[string]any{"id": int64(2), "id10": int64(20), "n": 50.5, "email": "b@example.com", "seen": true},
			map[string]any{"id": int64(3), "id10": int64(30), "n": "7", "tags": []any{}, "seen": true},
		}},
		{"hash", "map", map[string]any{"mode": "hash", "fields": []any{"email", "missing"}}, []any{
			map[string]any{"id": int64(1), "n": int64(5), "email": hostapi.Sha256("a@example.com"), "tags": []any{"x", "y"}},
			map[string]any{"id": int64(2), "n": 50.5, "email": hostapi.Sha256("b@example.com")},
			map[string]any{"id": int64(3), "n": "7", "tags": []any{}},
		}},
		{"filter with min and max", "filter", map[string]any{"field": "n", "min": 5, "max": 10}, []any{page[0], page[2]}},
		{"filter with min only", "filter", map[string]any{"field": "n", "min": 6}, []any{page[1], page[2]}},
		{"flat_map", "flat_map", nil, []any{
			map[string]any{"id": int64(1), "tag": "x"}, map[string]any{"id": int64(1), "tag": "y"},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := extension.CloneJSON(page)
			s := newStep(t, tt.kind, all, tt.config, nil)
			got, err := s.Apply(context.Background(), page)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
			if !reflect.DeepEqual(before, any(page)) {
				t.Error("the step changed its input")
			}
		})
	}
}

// TestMisbehaviour checks that a record that makes the module fail, trap,
// spin or hog memory fails the page with an error naming the module, the
// hook and the record, and that the step works again afterwards.
func TestMisbehaviour(t *testing.T) {
	all := guest(t, "all")
	env := &extension.Env{Limits: extension.Limits{Timeout: 300 * time.Millisecond, MemoryBytes: 64 << 20}}
	s := newStep(t, "map", all, nil, env)
	// Running out of memory takes a Go guest a while (its GC works hard
	// first): a smaller memory and a longer deadline.
	hog := newStep(t, "map", all, nil, &extension.Env{Limits: extension.Limits{Timeout: 10 * time.Second, MemoryBytes: 24 << 20}})
	ok := map[string]any{"id": int64(1)}
	for _, tt := range []struct {
		name string
		bad  map[string]any
		want []string
	}{
		{"error", map[string]any{"fail": true}, []string{"wasm map all.wasm", "asked to fail"}},
		{"panic", map[string]any{"panic": true}, []string{"wasm map all.wasm", "panic: asked to panic"}},
		{"loop", map[string]any{"loop": true}, []string{"wasm map all.wasm", "timed out after 300ms", "limits.timeout_ms"}},
		{"hog", map[string]any{"hog": true}, []string{"wasm map all.wasm", "out of memory"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := s
			if tt.name == "hog" {
				s = hog
			}
			start := time.Now()
			_, err := s.Apply(context.Background(), []any{ok, ok, tt.bad, ok})
			var se *extension.StepError
			if !errors.As(err, &se) {
				t.Fatalf("got %v (%T), want a StepError", err, err)
			}
			t.Log(err)
			if se.Index != 2 {
				t.Errorf("index %d, want 2 (%v)", se.Index, err)
			}
			for _, w := range append(tt.want, "record 3") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if d := time.Since(start); d > 8*time.Second {
				t.Errorf("took %v", d)
			}
			got, err := s.Apply(context.Background(), []any{ok})
			if err != nil || len(got) != 1 {
				t.Fatalf("the step did not recover: %v %v", got, err)
			}
		})
	}
}

// TestSandbox checks that a module reads no file and no environment.
func TestSandbox(t *testing.T) {
	t.Setenv("SLUICE_SECRET_FOR_TEST", "hunter2")
	s := newStep(t, "map", guest(t, "all"), nil, nil)
	got, err := s.Apply(context.Background(), []any{map[string]any{"escape": true}})
	if err != nil {
		t.Fatal(err)
	}
	rec := got[0].(map[string]any)
	if rec["got"] != "" || rec["err"] == nil {
		t.Errorf("the module read /etc/passwd: %v", rec)
	}
	if rec["env"] != "" {
		t.Errorf("the module saw the environment: %v", rec["env"])
	}
}
