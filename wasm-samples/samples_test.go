package samples_test

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// customersAPI serves pages of customers behind SigV4 (every request is
// verified; a bad signature is a 403), the next page number in
// X-Next-Page. It counts the requests for each page.
type customersAPI struct {
	*httptest.Server
	mu       sync.Mutex
	requests map[int]int
	refused  []string
}

const (
	pages    = 6
	pageSize = 50
)

func customer(id int) map[string]any {
	return map[string]any{
		"id":      id,
		"email":   fmt.Sprintf("user%d@example.com", id),
		"name":    fmt.Sprintf("Customer %d", id),
		"score":   float64(id%100) + 0.5,
		"address": map[string]any{"city": "Berlin"},
	}
}

func newCustomersAPI(t *testing.T, creds credentials) *customersAPI {
	api := &customersAPI{requests: map[int]int{}}
	api.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if msg := verifySigV4(r, creds, time.Now()); msg != "" {
			api.mu.Lock()
			api.refused = append(api.refused, msg)
			api.mu.Unlock()
			http.Error(w, msg, http.StatusForbidden)
			return
		}
		if r.URL.Path != "/customers" || r.URL.Query().Get("per_page") != strconv.Itoa(pageSize) {
			http.Error(w, "want /customers?per_page=50", http.StatusBadRequest)
			return
		}
		page := 1
		if p := r.URL.Query().Get("page"); p != "" {
			page, _ = strconv.Atoi(p)
		}
		api.mu.Lock()
		api.requests[page]++
		api.mu.Unlock()
		var rows []any
		for i := 0; i < pageSize; i++ {
			rows = append(rows, customer((page-1)*pageSize+i+1))
		}
		if page < pages {
			w.Header().Set("X-Next-Page", strconv.Itoa(page+1))
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(rows)
	}))
	t.Cleanup(api.Close)
	return api
}

var creds = credentials{
	accessKey: "AKIDEXAMPLE",
	secretKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	region:    "eu-central-1",
	service:   "execute-api",
}

func customersPipeline(baseURL string) string {
	return `pipeline:
  name: samples
source:
  client:
    base_url: ` + baseURL + `/
    auth:
      type: wasm
      module: bin/wasm/sigv4.wasm
      config:
        access_key_id: ` + creds.accessKey + `
        secret_access_key: "${SAMPLES_AWS_SECRET:-` + creds.secretKey + `}"
        region: ` + creds.region + `
        service: ` + creds.service + `
    paginator:
      type: wasm
      module: bin/wasm/next-page-header.wasm
      config: {header: X-Next-Page, param: page}
  resources:
    - name: customers
      primary_key: id
      write_disposition: append
      endpoint: {path: customers, params: {per_page: ` + strconv.Itoa(pageSize) + `}}
      processing_steps:
        - map: {wasm: bin/wasm/pii-hash.wasm, config: {fields: [email]}}
        - filter: {wasm: bin/wasm/range-filter.wasm, config: {field: score, min: 20, max: 60}}
`
}

// TestPipeline is the sample set as a user meets it: sigv4 signs (the
// server verifies every request), next-page-header walks the pages,
// pii-hash hashes the e-mail and range-filter keeps scores in [20, 60].
// Every kept record lands exactly once.
func TestPipeline(t *testing.T) {
	api := newCustomersAPI(t, creds)
	dir := pipelineDir(t)
	code, stdout, stderr := sluice(t, dir, customersPipeline(api.URL), "run")
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s\nrefused: %v", code, stdout, stderr, api.refused)
	}
	if len(api.refused) > 0 {
		t.Fatalf("the server refused: %v", api.refused)
	}
	// The modules were compiled into the pipeline's own cache folder.
	if cached, _ := os.ReadDir(filepath.Join(dir, "samples", "cache", "wasm")); len(cached) == 0 {
		t.Errorf("no compiled module in %s", filepath.Join(dir, "samples", "cache", "wasm"))
	}
	for p := 1; p <= pages; p++ {
		if api.requests[p] != 1 {
			t.Errorf("page %d requested %d times", p, api.requests[p])
		}
	}
	if len(api.requests) != pages {
		t.Errorf("pages requested: %v", api.requests)
	}

	want := map[int64]string{} // id → hashed e-mail
	for id := 1; id <= pages*pageSize; id++ {
		if s := customer(id)["score"].(float64); s >= 20 && s <= 60 {
			want[int64(id)] = sum(fmt.Sprintf("user%d@example.com", id))
		}
	}
	db := openDB(t, filepath.Join(dir, "out.db"))
	rows, err := db.Query(`SELECT id, email, score, name, address__city FROM customers`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := map[int64]bool{}
	for rows.Next() {
		var id int64
		var email, name, city string
		var score float64
		if err := rows.Scan(&id, &email, &score, &name, &city); err != nil {
			t.Fatal(err)
		}
		if seen[id] {
			t.Errorf("id %d loaded twice", id)
		}
		seen[id] = true
		if w, ok := want[id]; !ok {
			t.Errorf("id %d (score %v) should have been filtered out", id, score)
		} else if email != w {
			t.Errorf("id %d: email %q, want its SHA-256 %s", id, email, w)
		}
		if name != fmt.Sprintf("Customer %d", id) || city != "Berlin" {
			t.Errorf("id %d: other fields changed: %q %q", id, name, city)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(want) || len(want) == 0 {
		t.Fatalf("loaded %d records, want %d", len(seen), len(want))
	}
}

// TestWrongSecret: the server refuses what a wrong secret signs, so the
// run fails and loads nothing (the test above can fail).
func TestWrongSecret(t *testing.T) {
	api := newCustomersAPI(t, creds)
	dir := pipelineDir(t)
	yaml := strings.Replace(customersPipeline(api.URL), creds.secretKey, "not-the-secret", 1)
	code, stdout, stderr := sluice(t, dir, yaml, "run")
	if code != 1 || len(api.refused) == 0 || !strings.Contains(stderr, "403") {
		t.Fatalf("exit %d, refused %v\nstdout: %s\nstderr: %s", code, api.refused, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, "not-the-secret") {
		t.Fatalf("the secret was printed:\n%s%s", stdout, stderr)
	}
}

// TestErrorBody: a 200 with {"error": …} fails the resource with action
// fail, and is asked again with action retry.
func TestErrorBody(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/always":
			fmt.Fprint(w, `{"error": {"code": 429, "message": "quota exceeded"}, "data": [{"id": 1}]}`)
		case n == 1: // /once: the first answer is an error, the next one data
			fmt.Fprint(w, `{"error": "busy", "data": []}`)
		default:
			fmt.Fprint(w, `{"error": null, "data": [{"id": 1}, {"id": 2}]}`)
		}
	}))
	defer srv.Close()
	pipeline := func(path, action string) string {
		return `pipeline: {name: errbody}
source:
  client:
    base_url: ` + srv.URL + `/
    retry: {max_attempts: 3, backoff_factor: 0.01, max_delay: 0.05}
  resources:
    - name: items
      endpoint:
        path: ` + path + `
        data_selector: data
        paginator: single_page
        response_actions:
          - status_code: 200
            action: {wasm: bin/wasm/error-body.wasm, config: {path: error, action: ` + action + `}}
`
	}
	t.Run("fail", func(t *testing.T) {
		dir := pipelineDir(t)
		code, stdout, stderr := sluice(t, dir, pipeline("always", "fail"), "run")
		if code != 1 || !strings.Contains(stderr, "items") {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
		}
		if n := tableRows(t, filepath.Join(dir, "out.db"), "items"); n != 0 {
			t.Fatalf("%d rows loaded from an error response", n)
		}
	})
	t.Run("retry", func(t *testing.T) {
		mu.Lock()
		calls = 0
		mu.Unlock()
		dir := pipelineDir(t)
		code, stdout, stderr := sluice(t, dir, pipeline("once", "retry"), "run")
		if code != 0 {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
		}
		if n := tableRows(t, filepath.Join(dir, "out.db"), "items"); n != 2 || calls != 2 {
			t.Fatalf("%d rows after %d calls, want 2 after 2", n, calls)
		}
	})
}

// TestMisbehaving: loop, hog and escape each fail their resource with an
// error naming the resource and the step; the database keeps what the
// previous run committed, and escape never sees /etc/passwd.
func TestMisbehaving(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `[{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]`)
	}))
	defer srv.Close()
	good := `pipeline: {name: misbehave}
source:
  client: {base_url: ` + srv.URL + `/, paginator: single_page}
  resources:
    - name: good
      endpoint: {path: good}
      write_disposition: append
`
	tests := []struct {
		name   string
		module string
		limits string
		want   []string // in the error, besides the resource and the step
	}{
		{"loop", "loop", "{timeout_ms: 300}", []string{"loop.wasm", "timed out after 300ms", "limits.timeout_ms"}},
		{"loop, default deadline", "loop", "", []string{"loop.wasm", "timed out after 2s"}},
		{"hog", "hog", "{memory_mb: 32}", []string{"hog.wasm", "out of memory", "limits.memory_mb"}},
		{"hog, default memory", "hog", "", []string{"hog.wasm", "out of memory"}},
		{"escape", "escape", "", []string{"escape.wasm", "could not read /etc/passwd"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := pipelineDir(t)
			if code, stdout, stderr := sluice(t, dir, good, "run"); code != 0 {
				t.Fatalf("first run: exit %d\n%s%s", code, stdout, stderr)
			}
			db := filepath.Join(dir, "out.db")
			before := snapshot(t, db)
			bad := good + `    - name: bad
      endpoint: {path: bad}
`
			if tc.limits != "" {
				bad += "      limits: " + tc.limits + "\n"
			}
			bad += "      processing_steps:\n        - map: {wasm: bin/wasm/" + tc.module + ".wasm}\n"
			start := time.Now()
			code, stdout, stderr := sluice(t, dir, bad, "run")
			took := time.Since(start)
			if code != 1 {
				t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", code, stdout, stderr)
			}
			for _, w := range append([]string{"resource bad", "processing_steps[0]"}, tc.want...) {
				if !strings.Contains(stderr, w) {
					t.Errorf("the error does not name %q:\n%s", w, stderr)
				}
			}
			if strings.Contains(stdout+stderr, "root:") {
				t.Errorf("/etc/passwd leaked:\n%s%s", stdout, stderr)
			}
			if took > 20*time.Second {
				t.Errorf("the run took %v", took)
			}
			if after := snapshot(t, db); after != before {
				t.Errorf("the database changed:\nbefore %s\nafter  %s", before, after)
			}
			t.Logf("%s: %v: %s", tc.module, took.Round(time.Millisecond), strings.TrimSpace(stderr))
		})
	}
}

// snapshot describes what a user would look at: the tables, their row
// counts, and the loads.
func snapshot(t *testing.T, path string) string {
	t.Helper()
	db := openDB(t, path)
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		var count int64
		if err := db.QueryRow(`SELECT count(*) FROM "` + n + `"`).Scan(&count); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s=%d ", n, count)
	}
	return b.String()
}

func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// tableRows counts a table's rows, 0 when it does not exist.
func tableRows(t *testing.T, path, table string) int64 {
	t.Helper()
	db := openDB(t, path)
	var n int64
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&n); err != nil || n == 0 {
		return 0
	}
	if err := db.QueryRow(`SELECT count(*) FROM "` + table + `"`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
