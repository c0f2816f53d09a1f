package main

import (
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/internal/demoapi"
)

// TestSTACExample runs examples/stac against the demo API's STAC: the
// collections, every collection's items through its next links, and a
// POST search whose next pages carry a token in the body.
func TestSTACExample(t *testing.T) {
	api := demoapi.New(demoapi.Options{Seed: 1})
	srv := httptest.NewServer(api)
	defer srv.Close()
	t.Setenv("DEMO_API_URL", srv.URL)
	dir := t.TempDir()
	db := filepath.Join(dir, "stac.db")
	r := runExampleDir(t, "stac", "stac.yaml", db, dir)

	wantCounts(t, db, map[string]int64{"collections": int64(len(demoapi.STACCollections)), "items": 52, "search_items": 8})
	d := openDB(t, db)
	for _, c := range demoapi.STACCollections {
		if n := count(t, d, "select count(distinct id) from items where _collections_id = ? and collection = ?", c.ID, c.ID); n != int64(c.Items) {
			t.Errorf("collection %s: %d items, want %d", c.ID, n, c.Items)
		}
	}
	if n := count(t, d, "select count(*) from items where json_extract(geometry, '$.type') = 'Polygon'"); n != 52 {
		t.Errorf("%d items with a GeoJSON Polygon geometry column, want 52", n)
	}
	// sentinel-2-l2a and landsat-c2-l2 in the bbox, 1–20 January 2024
	if n := count(t, d, "select count(*) from search_items where collection in ('sentinel-2-l2a', 'landsat-c2-l2') and properties__datetime < '2024-01-20'"); n != 8 {
		t.Errorf("%d search results match the search body, want 8", n)
	}
	if p := r.Resources["search"].Pages; p != 2 {
		t.Errorf("search read %d pages, want 2 (limit 5, 8 matches)", p)
	}
	st := api.Stats().Routes
	if got := st[demoapi.RouteSTACItems].Requests; got != 3+2+2 {
		t.Errorf("%d item requests, want 7 (23, 17 and 12 items, 10 a page)", got)
	}
	if got := st[demoapi.RouteSTACSearch].Statuses["200"]; got != 2 {
		t.Errorf("%d successful searches, want 2", got)
	}
}
