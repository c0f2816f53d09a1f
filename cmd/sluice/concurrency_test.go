package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// pagedServer serves pages of 2 records under any path, `pages` pages a
// path, with a short pause per request, and records the most requests it
// saw in flight at once.
func pagedServer(t *testing.T, pages int, pause time.Duration) (*httptest.Server, *atomic.Int64, *atomic.Int64) {
	var inFlight, most, total atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		total.Add(1)
		time.Sleep(pause)
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if page == 0 {
			page = 1
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"data": [{"id": %d}, {"id": %d}], "page": %d, "total_pages": %d}`, page*2-1, page*2, page, pages)
	}))
	t.Cleanup(srv.Close)
	return srv, &most, &total
}

func resourcesYAML(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    - {name: r%d, endpoint: {path: r%d, data_selector: data, paginator: {type: page_number, base_page: 1, total_path: total_pages}}}\n", i, i)
	}
	return b.String()
}

// TestConcurrencyCapsRequests: client.concurrency bounds the requests in
// flight across all resources of the client.
func TestConcurrencyCapsRequests(t *testing.T) {
	srv, most, total := pagedServer(t, 3, 20*time.Millisecond)
	path := writePipeline(t, fmt.Sprintf("pipeline: {name: conc}\nsource:\n  client: {base_url: \"%s/\", concurrency: 2}\n  resources:\n%s", srv.URL, resourcesYAML(6)))
	if code, _, stderr, _ := runHere(t, path); code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	if total.Load() != 18 || most.Load() > 2 || most.Load() < 1 {
		t.Fatalf("%d requests, at most %d in flight; want 18 and at most 2", total.Load(), most.Load())
	}
}

// TestRateLimitIsShared: client.rate_limit throttles all resources of the
// client together: 20 pages over two resources at 5 requests per second
// take at least ~3.8 s (the first request goes at once).
func TestRateLimitIsShared(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 4 s")
	}
	srv, _, total := pagedServer(t, 10, 0)
	path := writePipeline(t, fmt.Sprintf("pipeline: {name: rate}\nsource:\n  client: {base_url: \"%s/\", rate_limit: {requests_per_second: 5}}\n  resources:\n%s", srv.URL, resourcesYAML(2)))
	start := time.Now()
	if code, _, stderr, _ := runHere(t, path); code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	if took := time.Since(start); total.Load() != 20 || took < 3700*time.Millisecond {
		t.Fatalf("%d requests in %v; want 20 in at least 3.8 s", total.Load(), took)
	}
}
