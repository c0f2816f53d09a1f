package demoapi

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzPostgRESTQuery: any select list, filter and order that the mimic
// reads is answered with a status, never a panic, and select lists that
// parse render to JSON.
func FuzzPostgRESTQuery(f *testing.F) {
	for _, s := range []string{"*", "*,actors(*)", "id,name", "title,cast:actors(name,born)", "actors!film_actors(*)", "a(b(c))", "(", "*,", ",,", "x:"} {
		f.Add(s, "gte.2024-01-01T00:00:00Z", "updated_at.asc,id.desc", "0-24")
	}
	f.Add("*", "in.(1,2,\"3\")", "id", "5-")
	f.Add("*", "not.like.*a*", "nope.up", "x")
	api := New(Options{Seed: 1})
	f.Fuzz(func(t *testing.T, sel, filter, order, rng string) {
		if items, err := parseSelect(sel); err == nil {
			p := api.apis.postgrest
			var buf bytes.Buffer
			_ = p.render(&buf, p.tables["films"], p.tables["films"].rows[0], items)
		}
		for _, typ := range []pgType{pgInt, pgText, pgTime} {
			if fn, err := parseFilter("c", filter, typ); err == nil {
				_ = fn(map[pgType]any{pgInt: int64(1), pgText: "a", pgTime: pgClockStart}[typ])
			}
		}
		if lo, hi, ok := parseItemRange(rng); ok && (lo < 0 || hi != -1 && hi < lo) {
			t.Fatalf("range %q gave %d-%d", rng, lo, hi)
		}
		req := httptest.NewRequest("GET", "/postgrest/films", nil)
		q := req.URL.Query()
		q.Set("select", sel)
		q.Set("updated_at", filter)
		q.Set("order", order)
		req.URL.RawQuery = q.Encode()
		req.Header.Set("Authorization", "Bearer "+PostgRESTDemoJWT)
		req.Header.Set("Range", rng)
		w := httptest.NewRecorder()
		api.ServeHTTP(w, req)
		if w.Code == 0 || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("status %d, Content-Type %q", w.Code, w.Header().Get("Content-Type"))
		}
	})
}

// FuzzSTACSearch: any POST /stac/search body gets a JSON answer.
func FuzzSTACSearch(f *testing.F) {
	for _, b := range []string{`{}`, `{"bbox":[0,0,1,1],"datetime":"2024-01-01T00:00:00Z/..","limit":3,"token":"next:3"}`,
		`{"collections":["x"]}`, `{"limit":0}`, `{"datetime":"../.."}`, `[`, `{"bbox":[1,2,3,4,5,6]}`} {
		f.Add(b)
	}
	api := New(Options{Seed: 1})
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest("POST", "/stac/search", strings.NewReader(body))
		w := httptest.NewRecorder()
		api.ServeHTTP(w, req)
		if w.Code != 200 && w.Code != 400 && w.Code != 404 {
			t.Fatalf("status %d for %q", w.Code, body)
		}
	})
}
