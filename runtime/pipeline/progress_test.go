package pipeline

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestProgressReportsTotals runs resources whose API tells a total in
// three ways — offset's total field, X-Total-Count, Content-Range — and
// checks that the snapshots carry it, with the redacted URL, and that the
// last snapshot counts what was loaded.
func TestProgressReportsTotals(t *testing.T) {
	const n, size = 60, 10
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		var items []any
		for i := off; i < min(off+size, n); i++ {
			items = append(items, map[string]any{"id": i})
		}
		w.Header().Set("Content-Type", "application/json")
		body := map[string]any{"items": items}
		switch r.URL.Path {
		case "/field":
			body["total"] = n
		case "/header":
			w.Header().Set("X-Total-Count", strconv.Itoa(n))
		case "/range":
			w.Header().Set("Content-Range", fmt.Sprintf("%d-%d/%d", off, off+len(items)-1, n))
		}
		time.Sleep(2 * time.Millisecond)
		_ = json.NewEncoder(w).Encode(body)
	}))
	defer srv.Close()
	yml := fmt.Sprintf(`
pipeline: {name: prog}
source:
  client: {base_url: "%s", auth: {type: api_key, name: api_key, location: query, api_key: "k3y-s3cr3t-value"}}
  resource_defaults:
    endpoint: {data_selector: items}
  resources:
    - {name: field, endpoint: {path: field, paginator: {type: offset, limit: %d}}}
    - {name: header, endpoint: {path: header, paginator: {type: offset, limit: %d, total_path: null}}}
    - {name: range, endpoint: {path: range, paginator: {type: offset, limit: %d, total_path: null}}}
`, srv.URL, size, size, size)
	var mu sync.Mutex
	var snaps []Progress
	sum, err := runYAML(t, yml, t.TempDir(), Options{ProgressInterval: time.Millisecond, Progress: func(p Progress) {
		mu.Lock()
		snaps = append(snaps, p)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	last := snaps[len(snaps)-1]
	if !last.Done {
		t.Fatal("the last snapshot is not Done")
	}
	for i, r := range last.Resources {
		if !r.Done || r.Records != n || r.Records != sum.Tables[r.Name] || r.Pages != sum.Resources[r.Name].Pages {
			t.Errorf("resource %d at the end: %+v; loaded %d rows", i, r, sum.Tables[r.Name])
		}
		if r.TotalRecords != n {
			t.Errorf("%s: total %d, want %d", r.Name, r.TotalRecords, n)
		}
		if !strings.HasPrefix(r.URL, srv.URL+"/"+r.Name) || strings.Contains(r.URL, "k3y-s3cr3t-value") {
			t.Errorf("%s: URL %q: want the redacted URL of its last page", r.Name, r.URL)
		}
		if r.Elapsed <= 0 || r.Elapsed > last.Elapsed {
			t.Errorf("%s: elapsed %v of %v", r.Name, r.Elapsed, last.Elapsed)
		}
	}
}
