package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// TestResponseActions runs each built-in action, a 204 and a non-JSON
// body through the CLI against a server that pages with a next link:
// page 1 and 2 are good, page 3 answers as the case says.
func TestResponseActions(t *testing.T) {
	tests := []struct {
		name     string
		page3    func(w http.ResponseWriter, tries int)
		actions  string
		wantCode int
		wantRows int64
		wantErr  []string
	}{
		{name: "404 ignored keeps the pages before",
			page3:   func(w http.ResponseWriter, _ int) { http.Error(w, `{"message":"gone"}`, 404) },
			actions: `[{status_code: 404, action: ignore}]`, wantRows: 4},
		{name: "404 without an action fails with status and body",
			page3:    func(w http.ResponseWriter, _ int) { http.Error(w, `{"message":"gone away"}`, 404) },
			wantCode: 1, wantErr: []string{"resource items, page 3", "404 Not Found", "gone away"}},
		{name: "a 200 that says try again is retried",
			page3: func(w http.ResponseWriter, tries int) {
				if tries < 3 {
					fmt.Fprint(w, `{"error": "busy, try again"}`)
					return
				}
				fmt.Fprint(w, `{"data": [{"id": 5}, {"id": 6}]}`)
			},
			actions: `[{content: "try again", action: retry}]`, wantRows: 6},
		{name: "fail on a 200 with an error body",
			page3:    func(w http.ResponseWriter, _ int) { fmt.Fprint(w, `{"error": "quota exceeded"}`) },
			actions:  `[{status_code: 2xx, content: quota, action: fail}]`,
			wantCode: 1, wantErr: []string{"response_actions[0]", "200 OK", "quota exceeded"}},
		{name: "a 204 is an empty page",
			page3: func(w http.ResponseWriter, _ int) { w.WriteHeader(http.StatusNoContent) }, wantRows: 4},
		{name: "an HTML body is an empty page, said aloud",
			page3: func(w http.ResponseWriter, _ int) {
				w.Header().Set("Content-Type", "text/html")
				fmt.Fprint(w, "<html><body>maintenance</body></html>")
			},
			wantRows: 4, wantErr: []string{"not JSON", "maintenance"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tries atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				page, _ := strconv.Atoi(r.URL.Query().Get("page"))
				if page == 0 {
					page = 1
				}
				if page == 3 {
					tt.page3(w, int(tries.Add(1)))
					return
				}
				fmt.Fprintf(w, `{"data": [{"id": %d}, {"id": %d}], "next": "/items?page=%d"}`, page*2-1, page*2, page+1)
			}))
			defer srv.Close()
			actions := ""
			if tt.actions != "" {
				actions = ", response_actions: " + tt.actions
			}
			path := writePipeline(t, fmt.Sprintf(`
pipeline: {name: actions}
source:
  client: {base_url: "%s/", retry: {max_attempts: 4, backoff_factor: 0.01}}
  resources:
    - name: items
      endpoint: {path: items, data_selector: data, paginator: {type: json_link, next_url_path: next}%s}
`, srv.URL, actions))
			code, _, stderr, db := runHere(t, path)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d:\n%s", code, tt.wantCode, stderr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if tt.wantCode == 0 {
				if n := count(t, openDB(t, db), "select count(distinct id) from items"); n != tt.wantRows {
					t.Fatalf("%d rows, want %d", n, tt.wantRows)
				}
			}
		})
	}
}

// TestFlakyAPILoadsEveryRowOnce: with 10% of requests answered 503 and
// every 20th 429 with Retry-After: 1, a run still loads the 1,000 rows
// exactly once.
func TestFlakyAPILoadsEveryRowOnce(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		switch {
		case i%20 == 0:
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		case i%10 == 3:
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		var rows []string
		for id := off + 1; id <= off+50 && id <= 1000; id++ {
			rows = append(rows, fmt.Sprintf(`{"id": %d}`, id))
		}
		fmt.Fprintf(w, `{"data": [%s], "total": 1000}`, strings.Join(rows, ","))
	}))
	defer srv.Close()
	path := writePipeline(t, fmt.Sprintf(`
pipeline: {name: flaky}
source:
  client: {base_url: "%s/", retry: {max_attempts: 6, backoff_factor: 0.01}}
  resources:
    - name: rows
      endpoint: {path: rows, data_selector: data, paginator: {type: offset, limit: 50, total_path: total}}
`, srv.URL))
	code, _, stderr, db := runHere(t, path)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	conn := openDB(t, db)
	if all, distinct := count(t, conn, "select count(*) from rows"), count(t, conn, "select count(distinct id) from rows"); all != 1000 || distinct != 1000 {
		t.Fatalf("%d rows, %d distinct; want 1000 and 1000", all, distinct)
	}
	if n.Load() < 24 {
		t.Fatalf("only %d requests: the faults were not exercised", n.Load())
	}
}
