package js

import (
	"context"
	"reflect"
	"testing"
)

// TestRecordView: item behaves as a plain JS object built from the
// record would, for what scripts do with records.
func TestRecordView(t *testing.T) {
	rec := map[string]any{"b": int64(2), "a": "x", "tags": []any{"t1", "t2"}, "geo": map[string]any{"lat": 1.5}, "none": nil}
	tests := []struct {
		src  string
		want any
	}{
		{`Object.keys(item).join()`, "a,b,geo,none,tags"},
		{`JSON.stringify(item)`, `{"a":"x","b":2,"geo":{"lat":1.5},"none":null,"tags":["t1","t2"]}`},
		{`Array.isArray(item.tags) && item.tags.length`, int64(2)},
		{`item.tags.map(t => t.toUpperCase()).join("|")`, "T1|T2"},
		{`[...item.tags, ...Object.values(item.geo)].length`, int64(3)},
		{`"a" in item && !("z" in item) && item.hasOwnProperty("none") && item.none === null && item.z === undefined`, true},
		{`{ delete item.a; item.c = 1; return Object.keys(item).join() }`, "b,geo,none,tags,c"},
		{`{ item.tags.push("t3"); item.tags[0] = "T"; return item.tags.join() }`, "T,t2,t3"},
		{`{ item.tags.length = 1; return item.tags.length }`, int64(1)},
		{`Object.entries(item.geo)[0].join("=")`, "lat=1.5"},
		{`typeof item.tags.indexOf === "function" && item.tags.indexOf("t2")`, int64(1)},
		{`{ for (const k in item.geo) return k }`, "lat"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			out, err := newStep(t, "map", `({r: (() => { `+wrapExpr(tt.src)+` })()})`, nil).Apply(context.Background(), []any{rec})
			if err != nil {
				t.Fatal(err)
			}
			if got := out[0].(map[string]any)["r"]; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

// wrapExpr makes a test's expression or block the body of an arrow.
func wrapExpr(src string) string {
	if src[0] == '{' {
		return src[1 : len(src)-1]
	}
	return "return " + src
}

// TestRecordViewExport: what a map returns shares nothing it changed with
// the record, and the record keeps its values.
func TestRecordViewExport(t *testing.T) {
	mk := func() map[string]any {
		return map[string]any{"id": int64(1), "tags": []any{"a"}, "geo": map[string]any{"lat": 1.5, "deep": map[string]any{"x": int64(1)}}}
	}
	tests := []struct {
		src  string
		want map[string]any
	}{
		{`item`, mk()},
		{`({...item})`, mk()},
		{`{ item.geo.deep.x = 2; return item }`, func() map[string]any {
			m := mk()
			m["geo"].(map[string]any)["deep"].(map[string]any)["x"] = int64(2)
			return m
		}()},
		{`{ item.tags.push("b"); delete item.geo.lat; return item }`, func() map[string]any {
			m := mk()
			m["tags"] = []any{"a", "b"}
			delete(m["geo"].(map[string]any), "lat")
			return m
		}()},
		{`{ const g = item.geo; g.lat = 9; return {g, same: item.geo === g} }`, map[string]any{"g": map[string]any{"lat": int64(9), "deep": map[string]any{"x": int64(1)}}, "same": true}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			rec := mk()
			out, err := newStep(t, "map", tt.src, nil).Apply(context.Background(), []any{rec})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(out[0], tt.want) {
				t.Errorf("got %#v\nwant %#v", out[0], tt.want)
			}
			if !reflect.DeepEqual(rec, mk()) {
				t.Errorf("the record changed: %#v", rec)
			}
		})
	}
}

// TestRecordViewGrowth: a list of a record cannot be grown without bound.
func TestRecordViewGrowth(t *testing.T) {
	for _, src := range []string{`{ item.tags.length = 4e9; return item }`, `{ item.tags[2e9] = 1; return item }`} {
		_, err := newStep(t, "map", src, nil).Apply(context.Background(), []any{map[string]any{"tags": []any{"a"}}})
		if err == nil {
			t.Errorf("%s: no error", src)
		}
	}
}
