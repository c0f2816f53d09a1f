package js

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/runtime/extension"
)

// TestSteps runs each kind of step over real user records and checks what
// a user would look at: which records go on and what they hold.
func TestSteps(t *testing.T) {
	recs := users(20)
	ids := func(out []any) []int64 {
		var got []int64
		for _, r := range out {
			got = append(got, r.(map[string]any)["id"].(int64))
		}
		return got
	}
	tests := []struct {
		name, kind, src string
		check           func(t *testing.T, out []any)
	}{
		{"filter expression", "filter", `item.id * 10 == 10`, func(t *testing.T, out []any) {
			if got := ids(out); !reflect.DeepEqual(got, []int64{1}) {
				t.Errorf("kept %v, want [1]", got)
			}
		}},
		{"filter keeps the record itself", "filter", `item.id % 5 === 0;`, func(t *testing.T, out []any) {
			if got := ids(out); !reflect.DeepEqual(got, []int64{5, 10, 15, 20}) {
				t.Errorf("kept %v", got)
			}
			if !reflect.DeepEqual(out[0], recs[4]) {
				t.Error("a kept record changed")
			}
		}},
		{"filter on nested fields", "filter", `item.orders.some(o => o.items.length > 1)`, func(t *testing.T, out []any) {
			for _, r := range out {
				ok := false
				for _, o := range r.(map[string]any)["orders"].([]any) {
					ok = ok || len(o.(map[string]any)["items"].([]any)) > 1
				}
				if !ok {
					t.Errorf("kept %v, which has no order of several items", r.(map[string]any)["id"])
				}
			}
		}},
		{"filter function body", "filter", "const c = item.address.country;\nreturn c === 'DE' || c === 'FR'", func(t *testing.T, out []any) {
			for _, r := range out {
				if c := r.(map[string]any)["address"].(map[string]any)["country"]; c != "DE" && c != "FR" {
					t.Errorf("kept a record from %v", c)
				}
			}
		}},
		{"filter arrow", "filter", `item => item.id <= 3`, func(t *testing.T, out []any) {
			if got := ids(out); !reflect.DeepEqual(got, []int64{1, 2, 3}) {
				t.Errorf("kept %v", got)
			}
		}},
		{"map spread", "map", `({...item, id: item.id * 10})`, func(t *testing.T, out []any) {
			if got := ids(out); len(got) != 20 || got[0] != 10 || got[19] != 200 {
				t.Errorf("ids %v", got)
			}
			want := extension.CloneJSON(recs[3]).(map[string]any)
			want["id"] = int64(40)
			if !reflect.DeepEqual(out[3], want) {
				t.Errorf("record 4 = %v\nwant       %v", out[3], want)
			}
		}},
		{"map changes item in place", "map", "item.name = item.name.toUpperCase();\nitem.address.city += '!';\ndelete item.tags;\nitem.orders.push({id: 0});\nreturn item", func(t *testing.T, out []any) {
			r, in := out[0].(map[string]any), recs[0].(map[string]any)
			if r["name"] != strings.ToUpper(in["name"].(string)) || r["address"].(map[string]any)["city"] != in["address"].(map[string]any)["city"].(string)+"!" {
				t.Errorf("got %v", r)
			}
			if _, ok := r["tags"]; ok {
				t.Error("tags were not deleted")
			}
			orders := r["orders"].([]any)
			if len(orders) != len(in["orders"].([]any))+1 || !reflect.DeepEqual(orders[len(orders)-1], map[string]any{"id": int64(0)}) {
				t.Errorf("orders %v", orders)
			}
		}},
		{"map numbers", "map", `({n: item.id, half: item.id / 2, big: 2 ** 60, f: 1.5 * 2, nan: NaN, when: new Date(0)})`, func(t *testing.T, out []any) {
			want := map[string]any{"n": int64(3), "half": 1.5, "big": float64(1 << 60), "f": int64(3), "nan": nil, "when": "1970-01-01T00:00:00.000Z"}
			if !reflect.DeepEqual(out[2], want) {
				t.Errorf("got %#v\nwant %#v", out[2], want)
			}
		}},
		{"flat_map orders", "flat_map", `item.orders.map(o => ({user_id: item.id, order_id: o.id, total: o.total}))`, func(t *testing.T, out []any) {
			n := 0
			for _, r := range recs {
				n += len(r.(map[string]any)["orders"].([]any))
			}
			if len(out) != n {
				t.Errorf("%d records, want one per order: %d", len(out), n)
			}
			first := recs[0].(map[string]any)["orders"].([]any)[0].(map[string]any)
			if want := map[string]any{"user_id": int64(1), "order_id": first["id"], "total": first["total"]}; !reflect.DeepEqual(out[0], want) {
				t.Errorf("first %v, want %v", out[0], want)
			}
		}},
		{"flat_map null drops", "flat_map", `item.id % 2 ? null : [item, item]`, func(t *testing.T, out []any) {
			if got := ids(out); len(got) != 20 || got[0] != 2 || got[1] != 2 {
				t.Errorf("ids %v", got)
			}
		}},
		{"yield_map is flat_map", "yield_map", `[]`, func(t *testing.T, out []any) {
			if len(out) != 0 {
				t.Errorf("got %d records", len(out))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := extension.CloneJSON(recs)
			out, err := newStep(t, tt.kind, tt.src, nil).Apply(context.Background(), recs)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, out)
			if !reflect.DeepEqual(before, recs) {
				t.Error("the step changed its input records")
			}
		})
	}
}

// TestStepOrder: map then filter and filter then map give the different
// results that applying them in order gives (dlt-behaviour §1.8).
func TestStepOrder(t *testing.T) {
	recs := users(10)
	mapStep := newStep(t, "map", `({...item, id: item.id * 10})`, nil)
	filterStep := newStep(t, "filter", `item.id == 10`, nil)
	run := func(steps ...extension.Step) []any {
		out := recs
		for _, s := range steps {
			var err error
			if out, err = s.Apply(context.Background(), out); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	if got := run(mapStep, filterStep); len(got) != 1 || got[0].(map[string]any)["id"] != int64(10) {
		t.Errorf("map, filter: %v", got)
	}
	if got := run(filterStep, mapStep); len(got) != 1 || got[0].(map[string]any)["id"] != int64(100) {
		t.Errorf("filter, map: %v", got)
	}
}

// TestStepErrors: a throw or a wrong-shaped result names the record.
func TestStepErrors(t *testing.T) {
	recs := users(6)
	tests := []struct {
		name, kind, src string
		index           int
		msg             string
	}{
		{"throw", "map", `if (item.id == 4) throw new Error("bad record " + item.id); return item`, 3, "bad record 4 (line 1"},
		{"type error", "filter", `item.nope.deeper`, 0, "TypeError"},
		{"map returns a list", "map", `item.id == 2 ? [item] : item`, 1, "a map must return an object: got a list"},
		{"map returns null", "map", `item.id == 3 ? null : item`, 2, "got null"},
		{"map returns a function", "map", `item.id == 1 ? (() => 1) : item`, 0, "got a number"},
		{"flat_map returns an object", "flat_map", `item`, 0, "a flat_map must return a list of objects or null, got an object"},
		{"flat_map of numbers", "flat_map", `[1]`, 0, "item 0 is a number"},
		{"bigint too big", "map", `({n: 2n ** 70n})`, 0, "at n: the BigInt 1180591620717411303424 does not fit in 64 bits"},
		{"cycle", "map", `{const o = {}; o.self = o; return o}`, 0, "nested more than"},
		{"recursion", "map", `{const f = n => f(n + 1); return f(0)}`, 0, "recursed too deeply"},
		{"host throws", "map", `host.log("loud", "x")`, 0, "not one of debug"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newStep(t, tt.kind, tt.src, nil).Apply(context.Background(), recs)
			var se *extension.StepError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want a StepError", err)
			}
			if se.Index != tt.index || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("got %q at index %d, want %q at %d", err, se.Index, tt.msg, tt.index)
			}
			if !strings.HasPrefix(err.Error(), fmt.Sprintf("record %d: ", tt.index+1)) {
				t.Errorf("the message does not start with the record: %q", err)
			}
		})
	}
}

// TestParseErrors: validate reports bad snippets at their field.
func TestParseErrors(t *testing.T) {
	reg := registries()
	tests := []struct {
		name  string
		parse func() error
		want  string
	}{
		{"syntax", func() error {
			_, err := reg.Steps.Parse(Type, map[string]any{"kind": "map", "source": "({a: }"})
			return err
		}, "source: is neither an expression over item nor a function body: syntax error"},
		{"empty", func() error {
			_, err := reg.Steps.Parse(Type, map[string]any{"kind": "filter", "source": "  "})
			return err
		}, "source: is empty"},
		{"kind", func() error {
			_, err := reg.Steps.Parse(Type, map[string]any{"kind": "reduce", "source": "item"})
			return err
		}, `kind: must be filter, map or flat_map, got "reduce"`},
		{"unknown field", func() error {
			_, err := reg.Steps.Parse(Type, map[string]any{"kind": "map", "source": "item", "sorce": 1})
			return err
		}, "sorce: unknown field"},
		{"convert syntax", func() error {
			_, err := reg.Converts.Parse(Type, map[string]any{"source": "value +"})
			return err
		}, "source: is neither an expression over value"},
		{"paginator without next", func() error {
			_, err := reg.Paginators.Parse(Type, map[string]any{"script": "function nxt(r) { return null }"})
			return err
		}, "script: defines no function next at its top level"},
		{"paginator syntax", func() error {
			_, err := reg.Paginators.Parse(Type, map[string]any{"script": "function next(r) { return {url: }"})
			return err
		}, "script: syntax error"},
		{"auth without auth", func() error {
			_, err := reg.Auths.Parse(Type, map[string]any{"script": "const sign = r => r"})
			return err
		}, "script: defines no function auth"},
		{"config not an object", func() error {
			_, err := reg.Actions.Parse(Type, map[string]any{"source": `"retry"`, "config": "x"})
			return err
		}, "config: expected an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.parse()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}

// TestTimeout: a runaway map stops within the limit plus a little, with
// an error that says the limit and how to raise it, at the record.
func TestTimeout(t *testing.T) {
	limit := 300 * time.Millisecond
	s := newStep(t, "map", `{ if (item.id == 2) while (true) {} return item }`, &extension.Env{Limits: extension.Limits{Timeout: limit}})
	start := time.Now()
	_, err := s.Apply(context.Background(), users(3))
	took := time.Since(start)
	var se *extension.StepError
	var te *TimeoutError
	if !errors.As(err, &se) || !errors.As(err, &te) || se.Index != 1 {
		t.Fatalf("got %v, want a timeout at record 2", err)
	}
	if !strings.Contains(err.Error(), "300ms") || !strings.Contains(err.Error(), "limits: {timeout_ms: 1200}") {
		t.Errorf("message %q", err)
	}
	if took < limit || took > limit+time.Second {
		t.Errorf("took %v for a limit of %v", took, limit)
	}
	// The runtime goes back to the pool and works.
	if _, err := s.Apply(context.Background(), users(1)); err != nil {
		t.Fatalf("after a timeout: %v", err)
	}
}

// TestContextCancel: cancelling the run stops a running script.
func TestContextCancel(t *testing.T) {
	s := newStep(t, "filter", `{ while (true) {} }`, &extension.Env{Limits: extension.Limits{Timeout: time.Minute}})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Apply(ctx, users(1))
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Fatalf("got %v after %v", err, time.Since(start))
	}
}

// TestConcurrentApply: one step used by many goroutines at once (run with
// -race) gives each its own right answer.
func TestConcurrentApply(t *testing.T) {
	recs := users(200)
	s2, err := registries().Steps.New(context.Background(), Type, map[string]any{"kind": "map", "source": `({id: item.id, n: host.config.factor * item.id})`, "config": map[string]any{"factor": 3}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				page := recs[(g*25+i)%175:][:25]
				out, err := s2.Apply(context.Background(), page)
				if err != nil {
					errs <- err
					return
				}
				for j, r := range out {
					id := page[j].(map[string]any)["id"].(int64)
					if r.(map[string]any)["n"] != 3*id {
						errs <- fmt.Errorf("record %d: n = %v", id, r.(map[string]any)["n"])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestBigIntegers: integers beyond 2^53 pass through a map exactly (as
// BigInt), and arithmetic mixing them with numbers throws instead of
// rounding.
func TestBigIntegers(t *testing.T) {
	const big = int64(1)<<60 + 1
	recs := []any{map[string]any{"id": big, "small": int64(7)}}
	out, err := newStep(t, "map", `({...item, kind: typeof item.id, next: item.id + 1n, eq: item.id == 1152921504606846977n})`, nil).Apply(context.Background(), recs)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"id": big, "small": int64(7), "kind": "bigint", "next": big + 1, "eq": true}
	if !reflect.DeepEqual(out[0], want) {
		t.Errorf("got %#v, want %#v", out[0], want)
	}
	if _, err := newStep(t, "map", `({id: item.id * 10})`, nil).Apply(context.Background(), recs); err == nil || !strings.Contains(err.Error(), "BigInt") {
		t.Errorf("mixing BigInt and number: %v", err)
	}
}
