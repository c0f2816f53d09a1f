package demoapi

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func stacNext(v any) map[string]any {
	links, _ := v.(map[string]any)["links"].([]any)
	for _, l := range links {
		if m := l.(map[string]any); m["rel"] == "next" {
			return m
		}
	}
	return nil
}

func TestSTAC(t *testing.T) {
	srv := httptest.NewServer(New(Options{Seed: 1, Token: "ignored-by-stac"}))
	defer srv.Close()
	tests := []struct {
		name, method, path, body string
		status                   int
		ctype                    string
		features                 int // -1: not a FeatureCollection
		next                     string
		check                    func(t *testing.T, v any)
	}{
		{name: "root catalog", method: "GET", path: "/stac/", status: 200, ctype: "application/json", features: -1, check: func(t *testing.T, v any) {
			m := v.(map[string]any)
			if m["type"] != "Catalog" || len(m["conformsTo"].([]any)) == 0 {
				t.Errorf("root %v", m)
			}
			rels := map[string]int{}
			for _, l := range m["links"].([]any) {
				rels[l.(map[string]any)["rel"].(string)]++
			}
			if rels["data"] != 1 || rels["search"] != 2 || rels["child"] != 3 || rels["self"] != 1 {
				t.Errorf("root links by rel: %v", rels)
			}
		}},
		{name: "collections", method: "GET", path: "/stac/collections", status: 200, ctype: "application/json", features: -1, check: func(t *testing.T, v any) {
			cs := v.(map[string]any)["collections"].([]any)
			if len(cs) != 3 || cs[0].(map[string]any)["id"] != "sentinel-2-l2a" || cs[0].(map[string]any)["extent"] == nil {
				t.Errorf("collections %v", cs)
			}
		}},
		{name: "one collection", method: "GET", path: "/stac/collections/landsat-c2-l2", status: 200, features: -1},
		{name: "one item", method: "GET", path: "/stac/collections/cop-dem-glo-30/items/COPDEMGLO30_20240112_011", status: 200, ctype: "application/geo+json", features: -1, check: func(t *testing.T, v any) {
			if m := v.(map[string]any); m["type"] != "Feature" || m["id"] != "COPDEMGLO30_20240112_011" || m["assets"] == nil {
				t.Errorf("item %v", m)
			}
		}},
		{name: "unknown item", method: "GET", path: "/stac/collections/cop-dem-glo-30/items/nope", status: 404, features: -1},
		{name: "unknown collection", method: "GET", path: "/stac/collections/modis/items", status: 404, features: -1, check: func(t *testing.T, v any) {
			if v.(map[string]any)["code"] != "NotFoundError" {
				t.Errorf("body %v", v)
			}
		}},
		{name: "items first page", method: "GET", path: "/stac/collections/sentinel-2-l2a/items", status: 200, ctype: "application/geo+json", features: 10, next: "GET"},
		{name: "items last page", method: "GET", path: "/stac/collections/sentinel-2-l2a/items?token=next:20", status: 200, features: 3},
		{name: "items bad token", method: "GET", path: "/stac/collections/sentinel-2-l2a/items?token=abc", status: 400, features: -1},
		{name: "items datetime interval", method: "GET", path: "/stac/collections/sentinel-2-l2a/items?datetime=2024-01-05T00:00:00Z/..&limit=100", status: 200, features: 19},
		{name: "search GET", method: "GET", path: "/stac/search?collections=landsat-c2-l2,cop-dem-glo-30&limit=20", status: 200, features: 20, next: "GET"},
		{name: "search POST", method: "POST", path: "/stac/search", body: `{"collections": ["sentinel-2-l2a"], "bbox": [-180, -90, 180, 90], "datetime": "2024-01-01T00:00:00Z/2024-01-31T23:59:59Z", "limit": 5}`,
			status: 200, features: 5, next: "POST", check: func(t *testing.T, v any) {
				n := stacNext(v)
				body := n["body"].(map[string]any)
				if body["token"] != "next:5" || body["limit"] != float64(5) || body["datetime"] == nil {
					t.Errorf("next body %v, want the request's body with token next:5", body)
				}
				if !strings.HasSuffix(n["href"].(string), "/stac/search") || n["merge"] != false {
					t.Errorf("next link %v", n)
				}
			}},
		{name: "search POST last page", method: "POST", path: "/stac/search", body: `{"collections": ["sentinel-2-l2a"], "limit": 20, "token": "next:20"}`, status: 200, features: 3},
		{name: "search POST bad bbox", method: "POST", path: "/stac/search", body: `{"bbox": [1, 2, 3]}`, status: 400, features: -1},
		{name: "search POST bad datetime", method: "POST", path: "/stac/search", body: `{"datetime": "yesterday"}`, status: 400, features: -1},
		{name: "search POST not JSON", method: "POST", path: "/stac/search", body: `{`, status: 400, features: -1},
		{name: "search POST bbox filter", method: "POST", path: "/stac/search", body: `{"bbox": [200, 200, 201, 201]}`, status: 200, features: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, v := pgDo(t, srv, tc.method, tc.path, tc.body, nil)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %v", resp.StatusCode, tc.status, v)
			}
			if tc.ctype != "" && resp.Header.Get("Content-Type") != tc.ctype {
				t.Errorf("Content-Type %q, want %q", resp.Header.Get("Content-Type"), tc.ctype)
			}
			if tc.features >= 0 {
				m := v.(map[string]any)
				fs := m["features"].([]any)
				if m["type"] != "FeatureCollection" || len(fs) != tc.features || m["numberReturned"] != float64(tc.features) {
					t.Errorf("%d features (%v), want %d", len(fs), m["type"], tc.features)
				}
				for _, f := range fs {
					if f.(map[string]any)["type"] != "Feature" || f.(map[string]any)["geometry"] == nil {
						t.Fatalf("feature %v", f)
					}
				}
				n := stacNext(v)
				switch {
				case tc.next == "" && n != nil:
					t.Errorf("a next link on the last page: %v", n)
				case tc.next != "" && (n == nil || n["method"] != tc.next || !strings.HasPrefix(n["href"].(string), srv.URL+"/stac/")):
					t.Errorf("next link %v, want an absolute %s link", n, tc.next)
				}
			}
			if tc.check != nil {
				tc.check(t, v)
			}
		})
	}
}

// TestSTACItemsFollowNext walks every collection's next links to the end.
func TestSTACItemsFollowNext(t *testing.T) {
	srv := httptest.NewServer(New(Options{Seed: 3}))
	defer srv.Close()
	for _, c := range STACCollections {
		seen := map[string]bool{}
		path := "/stac/collections/" + c.ID + "/items?limit=4"
		for pages := 0; path != ""; pages++ {
			if pages > 20 {
				t.Fatal("more than 20 pages")
			}
			_, v := pgDo(t, srv, "GET", path, "", nil)
			for _, f := range v.(map[string]any)["features"].([]any) {
				id := f.(map[string]any)["id"].(string)
				if seen[id] {
					t.Errorf("item %s twice", id)
				}
				seen[id] = true
			}
			path = ""
			if n := stacNext(v); n != nil {
				path = strings.TrimPrefix(n["href"].(string), srv.URL)
			}
		}
		if len(seen) != c.Items {
			t.Errorf("%s: %d items, want %d", c.ID, len(seen), c.Items)
		}
	}
}
