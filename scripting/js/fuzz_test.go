package js

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/sluicehq/sluice/runtime/extension"
)

// FuzzSnippet: any source either fails to compile with a message or runs
// on a record and ends, within its time limit, with records or a
// StepError; nothing panics and the record is left as it was. (A slow
// input is minimized slowly: the fuzzer may show 0 execs/s meanwhile.)
func FuzzSnippet(f *testing.F) {
	for _, s := range []string{`item.id > 1`, `({...item, id: 1})`, `return [item]`, `item => item`, `while(1){}`, "item.a; // c", `}{`, `1); (2`, `{a: 1}`, `throw 1`, `[item, null]`} {
		f.Add(s)
	}
	rec := users(1)
	env := &extension.Env{Limits: extension.Limits{Timeout: 10 * time.Millisecond}}
	f.Fuzz(func(t *testing.T, src string) {
		before := extension.CloneJSON(rec)
		for _, kind := range []string{"filter", "map", "flat_map"} {
			s, err := registries().Steps.New(context.Background(), Type, map[string]any{"kind": kind, "source": src}, env)
			if err != nil {
				continue
			}
			if _, err := s.Apply(context.Background(), rec); err != nil {
				var se *extension.StepError
				if !errors.As(err, &se) {
					t.Fatalf("%s %q: %v is not a StepError", kind, src, err)
				}
			}
		}
		_, _ = registries().Paginators.Parse(Type, map[string]any{"script": src})
		if !reflect.DeepEqual(before, rec) {
			t.Fatalf("%q changed the record", src)
		}
	})
}

// FuzzRoundTrip: a JSON record passes through an identity map, a spread
// and a deep copy in JS unchanged.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a":{"b":[1,2.5,"x",null,true]}}`, `{"big":9223372036854775807,"neg":-9007199254740993}`, `{"":{"constructor":[]}}`} {
		f.Add(s)
	}
	steps := []extension.Step{
		newStep(f, "map", `item`, nil),
		newStep(f, "map", `({...item})`, nil),
		newStep(f, "map", `JSON.parse(JSON.stringify(item, (k, v) => typeof v === "bigint" ? undefined : v))`, nil),
	}
	f.Fuzz(func(t *testing.T, doc string) {
		v, err := jsonDec{}.Decode([]byte(doc))
		if err != nil {
			return
		}
		rec, ok := v.(map[string]any)
		if !ok {
			return
		}
		for i, s := range steps {
			out, err := s.Apply(context.Background(), []any{rec})
			if err != nil {
				t.Fatalf("step %d on %s: %v", i, doc, err)
			}
			if i == 2 && hasBig(rec) {
				continue // JSON.stringify cannot hold a BigInt
			}
			if !reflect.DeepEqual(out[0], rec) {
				t.Fatalf("step %d: %s came back as %#v, want %#v", i, doc, out[0], rec)
			}
		}
	})
}

// plain turns json.Number into int64 or float64, as the engine's decoder
// gives them.
func plain(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return number(f)
	case map[string]any:
		for k, e := range t {
			t[k] = plain(e)
		}
	case []any:
		for i, e := range t {
			t[i] = plain(e)
		}
	}
	return v
}

func hasBig(v any) bool {
	switch t := v.(type) {
	case int64:
		return t > maxSafeInt || t < -maxSafeInt
	case map[string]any:
		for _, e := range t {
			if hasBig(e) {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if hasBig(e) {
				return true
			}
		}
	}
	return false
}
