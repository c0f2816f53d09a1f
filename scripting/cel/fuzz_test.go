package cel

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/jsondec"
)

// FuzzExpression feeds arbitrary expressions (outside input: the pipeline
// file) through parse, build and a step over real records: nothing may
// panic, every result must be JSON, and every failure a StepError.
func FuzzExpression(f *testing.F) {
	for _, s := range []string{
		`item.id > 10`, `{"id": item.id * 10, "name": item.name}`, `item.orders.map(o, o)`,
		`item.?x.orValue(1)`, `sha256(item.email)`, `now()`, `config.a`, `[1,2].all(x, x > 0)`,
		`item.name.split(" ")[0]`, `{"a": {"b": [item.tags, null, 1.5, 2u, b"x"]}}`, `dyn(item)`,
		`item.id / 0`, `'\u00e9' + "x"`, `timestamp("2024-01-01T00:00:00Z") + duration("1h")`,
		`math.greatest(1, 2)`, `lists.range(5)`, `sets.contains([1], [1])`, `"a".replace("", "bb")`,
	} {
		f.Add(s)
	}
	page := users(3)
	env := &extension.Env{Limits: extension.Limits{Timeout: 50 * time.Millisecond}}
	f.Fuzz(func(t *testing.T, src string) {
		start := time.Now()
		defer func() {
			if took := time.Since(start); took > 2*time.Second {
				t.Fatalf("%q took %v", src, took)
			}
		}()
		c, err := compile(varItem, src)
		if took := time.Since(start); took > time.Second {
			t.Fatalf("compiling %q took %v", src, took)
		}
		if err != nil {
			return
		}
		p, err := build(c, map[string]any{"a": 1}, env, DefaultCostLimit)
		if err != nil {
			t.Fatalf("%q compiled but did not build: %v", src, err)
		}
		for _, kind := range []string{extension.StepFilter, extension.StepMap, extension.StepFlatMap} {
			out, err := (&step{kind: kind, p: p}).Apply(context.Background(), page)
			if err != nil {
				if _, ok := err.(*extension.StepError); !ok {
					t.Fatalf("%s %q: %T %v, want a StepError", kind, src, err, err)
				}
				continue
			}
			if _, err := json.Marshal(out); err != nil {
				t.Fatalf("%s %q gave what is not JSON: %v", kind, src, err)
			}
		}
	})
}

// FuzzRecord feeds arbitrary JSON records (outside input: the API)
// through a map that returns them whole: what comes out is what went in.
func FuzzRecord(f *testing.F) {
	for _, s := range []string{`{}`, `{"a": 1, "b": [1, 2.5, "x", null, true, {"c": {}}]}`, `[1, 2]`, `"x"`, `null`,
		`{"id": 9223372036854775807, "f": -0.0, "big": 1e300}`, `{"": {"\u0000": "\ud800"}}`, `{"big": 100000000000000000000}`, `100000000000000000000`} {
		f.Add([]byte(s))
	}
	dec := jsondec.New()
	st := newStep(f, "map", `{"v": item}`, nil, nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := dec.Decode(data)
		if err != nil {
			return
		}
		out, err := st.Apply(context.Background(), []any{rec})
		if err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		want := rec
		if n, ok := rec.(json.Number); ok {
			// A bare integer beyond int64 is a double in CEL; inside an
			// object or a list it passes through exactly.
			want, _ = n.Float64()
		}
		if got := out[0].(map[string]any)["v"]; !reflect.DeepEqual(got, want) {
			t.Fatalf("%s came out as %#v", data, got)
		}
	})
}
