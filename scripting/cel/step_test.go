package cel

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/sluicehq/sluice/runtime/extension"
)

func TestStepKinds(t *testing.T) {
	page := users(60)
	// What each step must give, written in Go over the same records.
	ids := func(recs []any) []int64 {
		out := []int64{}
		for _, r := range recs {
			out = append(out, field(r, "id").(int64))
		}
		return out
	}
	want := func(keep func(map[string]any) bool) []int64 {
		out := []int64{}
		for _, r := range page {
			if keep(r.(map[string]any)) {
				out = append(out, field(r, "id").(int64))
			}
		}
		return out
	}
	num := func(v any) float64 {
		switch n := v.(type) {
		case int64:
			return float64(n)
		case float64:
			return n
		}
		t.Fatalf("not a number: %#v", v)
		return 0
	}

	filters := []struct {
		name, src string
		keep      func(map[string]any) bool
	}{
		{"even ids", `item.id % 2 == 0`, func(u map[string]any) bool { return u["id"].(int64)%2 == 0 }},
		{"nested field and bool", `item.isActive && item.address.country == "GB"`, func(u map[string]any) bool {
			return u["isActive"].(bool) && u["address"].(map[string]any)["country"] == "GB"
		}},
		{"float against int literal", `item.score > 50`, func(u map[string]any) bool { return num(u["score"]) > 50 }},
		{"null field", `item.phone == null`, func(u map[string]any) bool { return u["phone"] == nil }},
		{"string function", `item.email.endsWith("@example.com") && item.name.startsWith("A")`, func(u map[string]any) bool {
			return strings.HasSuffix(u["email"].(string), "@example.com") && strings.HasPrefix(u["name"].(string), "A")
		}},
		{"comprehension", `item.orders.exists(o, o.total > 100.0)`, func(u map[string]any) bool {
			for _, o := range u["orders"].([]any) {
				if num(o.(map[string]any)["total"]) > 100 {
					return true
				}
			}
			return false
		}},
		{"optional field", `item.?nickname.orValue("") == ""`, func(map[string]any) bool { return true }},
		{"has macro", `has(item.address.geo) && item.address.geo.lat > 50.0`, func(u map[string]any) bool {
			return num(u["address"].(map[string]any)["geo"].(map[string]any)["lat"]) > 50
		}},
		{"tag membership", `"support" in item.tags`, func(u map[string]any) bool {
			for _, g := range u["tags"].([]any) {
				if g == "support" {
					return true
				}
			}
			return false
		}},
	}
	for _, tt := range filters {
		t.Run("filter "+tt.name, func(t *testing.T) {
			got, err := newStep(t, "filter", tt.src, nil, nil).Apply(context.Background(), page)
			if err != nil {
				t.Fatal(err)
			}
			w := want(tt.keep)
			if !reflect.DeepEqual(ids(got), w) {
				t.Fatalf("kept %v, want %v", ids(got), w)
			}
			if len(w) == 0 || len(w) == len(page) && tt.name != "optional field" {
				t.Fatalf("the test data should make %q keep some records and drop others (kept %d of %d)", tt.src, len(w), len(page))
			}
		})
	}

	t.Run("map builds a record", func(t *testing.T) {
		got, err := newStep(t, "map", `{"id": item.id * 10, "name": item.name, "city": item.address.city, "orders": size(item.orders), "first_tag": item.tags.size() > 0 ? item.tags[0] : null}`, nil, nil).
			Apply(context.Background(), page)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(page) {
			t.Fatalf("%d records, want %d", len(got), len(page))
		}
		for i, r := range got {
			u := page[i].(map[string]any)
			var first any
			if tags := u["tags"].([]any); len(tags) > 0 {
				first = tags[0]
			}
			w := map[string]any{"id": u["id"].(int64) * 10, "name": u["name"], "city": u["address"].(map[string]any)["city"],
				"orders": int64(len(u["orders"].([]any))), "first_tag": first}
			if !reflect.DeepEqual(r, w) {
				t.Fatalf("record %d = %#v, want %#v", i, r, w)
			}
		}
	})

	t.Run("map keeps nested values as JSON", func(t *testing.T) {
		got, err := newStep(t, "map", `{"id": item.id, "address": item.address, "ok": true, "ratio": 1.5, "u": 7u, "b": b"hi", "at": timestamp("2024-05-01T12:00:00Z"), "d": duration("90s")}`, nil, nil).
			Apply(context.Background(), page[:1])
		if err != nil {
			t.Fatal(err)
		}
		w := map[string]any{"id": int64(1), "address": page[0].(map[string]any)["address"], "ok": true, "ratio": 1.5,
			"u": int64(7), "b": "aGk=", "at": "2024-05-01T12:00:00Z", "d": "90s"}
		if !reflect.DeepEqual(got[0], w) {
			t.Fatalf("got %#v\nwant %#v", got[0], w)
		}
	})

	t.Run("flat_map one record per order", func(t *testing.T) {
		for _, kind := range []string{"flat_map", "yield_map"} {
			got, err := newStep(t, kind, `item.orders.map(o, {"user_id": item.id, "order_id": o.id, "status": o.status})`, nil, nil).
				Apply(context.Background(), page)
			if err != nil {
				t.Fatal(err)
			}
			var w []any
			for _, r := range page {
				u := r.(map[string]any)
				for _, o := range u["orders"].([]any) {
					om := o.(map[string]any)
					w = append(w, map[string]any{"user_id": u["id"], "order_id": om["id"], "status": om["status"]})
				}
			}
			if len(w) <= len(page) || !reflect.DeepEqual(got, w) {
				t.Fatalf("%s gave %d records, want %d", kind, len(got), len(w))
			}
		}
	})

	t.Run("flat_map null and empty drop the record", func(t *testing.T) {
		got, err := newStep(t, "flat_map", `item.id == 1 ? dyn(null) : item.id == 2 ? [] : [item, item]`, nil, nil).
			Apply(context.Background(), page[:4])
		if err != nil {
			t.Fatal(err)
		}
		if w := []int64{3, 3, 4, 4}; !reflect.DeepEqual(ids(got), w) {
			t.Fatalf("ids %v, want %v", ids(got), w)
		}
	})

	t.Run("empty page", func(t *testing.T) {
		got, err := newStep(t, "map", `{"id": item.id}`, nil, nil).Apply(context.Background(), nil)
		if err != nil || len(got) != 0 {
			t.Fatalf("%v, %v", got, err)
		}
	})
}

// The order of steps matters as dlt applies them in order; the engine
// runs them in file order, each over the previous one's output.
func TestStepOrder(t *testing.T) {
	page := users(20)
	mapped := newStep(t, "map", `{"id": item.id * 10, "name": item.name}`, nil, nil)
	filtered := newStep(t, "filter", `item.id == 10`, nil, nil)
	ctx := context.Background()

	a, _ := mapped.Apply(ctx, page)
	a, _ = filtered.Apply(ctx, a)
	b, _ := filtered.Apply(ctx, page)
	b, _ = mapped.Apply(ctx, b)
	if len(a) != 1 || field(a[0], "id") != int64(10) || field(a[0], "name") != field(page[0], "name") {
		t.Fatalf("map then filter = %v", a)
	}
	if len(b) != 1 || field(b[0], "id") != int64(100) || field(b[0], "name") != field(page[9], "name") {
		t.Fatalf("filter then map = %v", b)
	}
}

func TestStepDoesNotChangeItsInput(t *testing.T) {
	page := users(5)
	before, _ := json.Marshal(page)
	for _, tt := range []struct{ kind, src string }{
		{"map", `item`},
		{"map", `{"address": item.address, "tags": item.tags}`},
		{"flat_map", `item.orders`},
		{"filter", `true`},
	} {
		got, err := newStep(t, tt.kind, tt.src, nil, nil).Apply(context.Background(), page)
		if err != nil {
			t.Fatal(err)
		}
		if tt.kind == "filter" {
			continue
		}
		// Scribble over everything the step returned.
		for _, r := range got {
			scribble(r)
		}
		if after, _ := json.Marshal(page); string(after) != string(before) {
			t.Fatalf("%s %q: changing its output changed its input", tt.kind, tt.src)
		}
	}
}

func scribble(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			scribble(e)
			t[k] = "x"
		}
		t["new"] = 1
	case []any:
		for i, e := range t {
			scribble(e)
			t[i] = "x"
		}
	}
}

func TestStepErrors(t *testing.T) {
	page := users(5)
	page = append(page[:3:3], map[string]any{"id": int64(99)}, page[3]) // record 4 (index 3) lacks most fields
	tests := []struct {
		kind, src string
		index     int
		msg       string
	}{
		{"filter", `item.id`, 0, "a filter must give true or false, this one gave the integer 1"},
		{"filter", `item.name.size() > 3`, 3, "no such key: name"},
		{"filter", `item.id == 99 ? dyn("yes") : false`, 3, `gave the string "yes"`},
		{"filter", `10 / (item.id - 3) > 0`, 2, "division by zero"},
		{"map", `item.name`, 0, `a map must give an object (e.g. {"id": item.id}), this one gave the string "`},
		{"map", `item.id == 99 ? dyn([item]) : {"id": 1}`, 3, "a map must give an object"},
		{"map", `{dyn(item.id): item.id}`, 0, "an object's keys must be strings, got the int 1"},
		{"map", `{"big": 18446744073709551615u}`, 0, "too large for a 64-bit signed integer"},
		{"flat_map", `item.id == 99 ? [1, 2] : [item]`, 3, "element 1 is the integer 1"},
		{"flat_map", `item.id == 99 ? dyn({"a": 1}) : [item]`, 3, "a flat_map must give a list of objects or null, this one gave the object"},
		{"map", `{"n": item.id * 9223372036854775807}`, 1, "overflow"},
		{"map", `{"h": hmacSha256Hex("zz", item.name)}`, 0, "hmacSha256Hex: the key is not hex"},
	}
	for _, tt := range tests {
		t.Run(tt.kind+" "+tt.src, func(t *testing.T) {
			_, err := newStep(t, tt.kind, tt.src, nil, nil).Apply(context.Background(), page)
			var se *extension.StepError
			if !errors.As(err, &se) {
				t.Fatalf("error %v (%T), want a *extension.StepError", err, err)
			}
			if se.Index != tt.index {
				t.Errorf("index %d, want %d (%v)", se.Index, tt.index, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not say %q", err, tt.msg)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	reg := registries(t)
	tests := []struct {
		args  map[string]any
		field string
		msg   string
	}{
		{map[string]any{"kind": "filter", "source": "item.id >"}, "source", "line 1, column 10: Syntax error"},
		{map[string]any{"kind": "filter", "source": "item.id == 1 &&\n  item.name = 'x'"}, "source", "line 2, column 13"},
		{map[string]any{"kind": "filter", "source": "itm.id == 1"}, "source", "undeclared reference to 'itm'"},
		{map[string]any{"kind": "filter", "source": "response.status == 200"}, "source", "undeclared reference to 'response'"},
		{map[string]any{"kind": "filter", "source": `"yes"`}, "source", "gives string; it must give bool"},
		{map[string]any{"kind": "map", "source": `[item]`}, "source", "it must give map(string, dyn)"},
		{map[string]any{"kind": "flat_map", "source": `item.id`}, "", ""}, // dyn: checked per record
		{map[string]any{"kind": "map", "source": `{1: item.id}`}, "source", "gives map(int, dyn); it must give map(string, dyn)"},
		{map[string]any{"kind": "flat_map", "source": `item.id == 1 ? null : [item]`}, "source", "wrap one in dyn(…)"},
		{map[string]any{"kind": "flat_map", "source": `"x"`}, "source", "it must give list(dyn) or null_type"},
		{map[string]any{"kind": "filter", "source": `sha256(1) == ""`}, "source", "found no matching overload for 'sha256'"},
		{map[string]any{"kind": "filter", "source": "  "}, "source", "empty"},
		{map[string]any{"kind": "filter"}, "source", "needs its expression"},
		{map[string]any{"kind": "filter", "source": 3}, "source", "must be a string"},
		{map[string]any{"kind": "reduce", "source": "true"}, "kind", `not "reduce"`},
		{map[string]any{"kind": "filter", "source": "true", "script": "x"}, "script", "unknown field"},
		{map[string]any{"kind": "filter", "source": "true", "config": "x"}, "config", "expected an object"},
		{map[string]any{"kind": "filter", "source": strings.Repeat("1 + ", 30000) + "1 > 0"}, "source", "over the"},
		{map[string]any{"kind": "filter", "source": strings.Repeat("(", 300) + "1" + strings.Repeat(")", 300) + " > 0"}, "source", "invalid CEL expression: expression recursion limit exceeded: 250"},
	}
	for _, tt := range tests {
		_, err := reg.Steps.Parse(Type, tt.args)
		if tt.field == "" {
			if err != nil {
				t.Errorf("%v: %v", tt.args, err)
			}
			continue
		}
		var ae *extension.ArgError
		if !errors.As(err, &ae) || ae.Field != tt.field {
			t.Errorf("%v: error %v, want one at field %q", tt.args["source"], err, tt.field)
			continue
		}
		if !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%v: error %q does not say %q", tt.args["source"], err, tt.msg)
		}
	}
}

// One built step serves the concurrent request chains of a resource.
func TestStepConcurrent(t *testing.T) {
	page := users(200)
	st := newStep(t, "map", `{"id": item.id, "sig": sha256(item.email), "n": item.orders.filter(o, o.status == "delivered").size()}`, nil, nil)
	want, err := st.Apply(context.Background(), page)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				got, err := st.Apply(context.Background(), page)
				if err != nil {
					errs <- err
					return
				}
				if !reflect.DeepEqual(got, want) {
					errs <- errors.New("a concurrent Apply gave other records")
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
