package demoapi

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"testing"
)

// FuzzMimicGET: any path and query under the GitHub, PokéAPI and STAC
// prefixes is answered with a status and, but for PokéAPI's text 404, a
// JSON body.
func FuzzMimicGET(f *testing.F) {
	for _, s := range [][2]string{
		{"/github/repos/dlt-hub/dlt/issues", "state=all&since=2025-01-01T00:00:00Z&per_page=7&page=3&sort=updated&direction=asc"},
		{"/github/repos/dlt-hub/dlt/issues/3/comments", "since=x&page=-1"},
		{"/pokemon/api/v2/pokemon/", "offset=150&limit=99999999999"},
		{"/pokemon/api/v2/berry/7", ""},
		{"/stac/collections/landsat-c2-l2/items", "bbox=1,2,3,4&datetime=../2024-01-05T00:00:00Z&token=next:3&limit=2"},
		{"/stac/search", "collections=a,b&ids=&bbox=1,2,3"},
	} {
		f.Add(s[0], s[1])
	}
	api := New(Options{Seed: 1})
	f.Fuzz(func(t *testing.T, path, query string) {
		u, err := url.Parse("http://demo" + path)
		if err != nil || u.Path == "" || u.Path[0] != '/' {
			return
		}
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path, req.URL.RawQuery = u.Path, query
		w := httptest.NewRecorder()
		api.ServeHTTP(w, req)
		if w.Code < 200 || w.Code > 599 {
			t.Fatalf("status %d", w.Code)
		}
		if w.Header().Get("Content-Type") != "text/plain; charset=utf-8" && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s?%s: %d, body is not JSON: %q", u.Path, query, w.Code, w.Body.String())
		}
	})
}
