package demoapi

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPokemon(t *testing.T) {
	srv := httptest.NewServer(New(Options{Seed: 1, Token: "ignored-by-pokeapi"}))
	defer srv.Close()
	tests := []struct {
		name, path   string
		count, rows  int
		next, prev   string // the next and previous links' queries; "" for null
		detailFields []string
	}{
		{name: "first page", path: "/pokemon/api/v2/pokemon", count: 151, rows: 20, next: "limit=20&offset=20"},
		{name: "limit offset", path: "/pokemon/api/v2/pokemon/?offset=140&limit=50", count: 151, rows: 11, prev: "limit=50&offset=90"},
		{name: "berries", path: "/pokemon/api/v2/berry?limit=100", count: 64, rows: 64},
		{name: "locations", path: "/pokemon/api/v2/location?limit=30", count: 40, rows: 30, next: "limit=30&offset=30"},
		{name: "one pokemon by id", path: "/pokemon/api/v2/pokemon/25/", detailFields: []string{"id", "name", "types", "stats", "abilities"}},
		{name: "one berry", path: "/pokemon/api/v2/berry/1", detailFields: []string{"firmness", "flavors"}},
		{name: "one location", path: "/pokemon/api/v2/location/2/", detailFields: []string{"region", "names"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, v := pgDo(t, srv, "GET", tc.path, "", nil)
			m := v.(map[string]any)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			for _, f := range tc.detailFields {
				if m[f] == nil {
					t.Errorf("no %s in %v", f, m)
				}
			}
			if tc.detailFields != nil {
				return
			}
			if int(m["count"].(float64)) != tc.count || len(m["results"].([]any)) != tc.rows {
				t.Errorf("count %v, %d results", m["count"], len(m["results"].([]any)))
			}
			for key, want := range map[string]string{"next": tc.next, "previous": tc.prev} {
				got, _ := m[key].(string)
				if want == "" && got != "" || want != "" && !strings.HasSuffix(got, "?"+want) || got != "" && !strings.HasPrefix(got, srv.URL) {
					t.Errorf("%s %q, want an absolute URL ending ?%s", key, got, want)
				}
			}
			first := m["results"].([]any)[0].(map[string]any)
			name := first["name"].(string)
			_, d := pgDo(t, srv, "GET", strings.TrimPrefix(first["url"].(string), srv.URL), "", nil)
			if d.(map[string]any)["name"] != name {
				t.Errorf("the url of %s answers %v", name, d)
			}
		})
	}
	resp, err := srv.Client().Get(srv.URL + "/pokemon/api/v2/pokemon/missingno/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || string(b) != "Not Found" {
		t.Errorf("an unknown pokemon answers %d %q, want 404 Not Found", resp.StatusCode, b)
	}
}
