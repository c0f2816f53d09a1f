package pipeline

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// itemsServer serves n items {id, name, group, active} at /items, 25 a
// page with a next link in the body, and their tags at /items/{id}/tags.
func itemsServer(t *testing.T, n int) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items", func(w http.ResponseWriter, r *http.Request) {
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		var data []any
		for id := off + 1; id <= min(off+25, n); id++ {
			data = append(data, map[string]any{"id": id, "name": fmt.Sprintf("item %d", id), "group": id % 4, "active": id%3 != 0})
		}
		body := map[string]any{"data": data, "next": nil}
		if off+25 < n {
			body["next"] = fmt.Sprintf("http://%s/items?offset=%d", r.Host, off+25)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	})
	mux.HandleFunc("GET /items/{id}/tags", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `[{"tag": "t-%s"}]`, r.PathValue("id"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

const itemsYAML = `
pipeline: {name: items}
source:
  client: {base_url: "%s", paginator: {type: json_link, next_url_path: next}}
  resources:
    - name: items
      endpoint: {path: items, data_selector: data}
%s`

// TestStepsRunInFileOrder is dlt §1.8: the steps apply in the order they
// are written, so a map then a filter differ from the filter then the map.
func TestStepsRunInFileOrder(t *testing.T) {
	srv := itemsServer(t, 100)
	tests := []struct {
		name  string
		steps string
		want  []string
	}{
		{"map then filter", `
      processing_steps:
        - map: "({...item, id: item.id * 10})"
        - filter: "item.id == 10"
`, []string{"10:item 1"}},
		{"filter then map", `
      processing_steps:
        - filter: "item.id == 10"
        - map: "({...item, id: item.id * 10})"
`, []string{"100:item 10"}},
		{"cel filter and js map", `
      processing_steps:
        - filter: {cel: "item.active && item.group == 1"}
        - map: {js: "({id: item.id, label: host.config.prefix + item.name})", config: {prefix: "#"}}
`, nil},
		{"flat_map", `
      processing_steps:
        - filter: "item.id <= 2"
        - flat_map: "[item, {...item, id: -item.id}]"
`, []string{"1:item 1", "-1:item 1", "2:item 2", "-2:item 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := runYAML(t, fmt.Sprintf(itemsYAML, srv.URL, tt.steps), dir, Options{}); err != nil {
				t.Fatal(err)
			}
			db := openSQLite(t, filepath.Join(dir, "blog.db"))
			if tt.want == nil {
				// the CEL filter and JS map agree with the same SQL over the
				// unfiltered data: items with active and group 1
				got := column(t, db, `SELECT id || ':' || label FROM items ORDER BY rowid`)
				var want []string
				for id := 1; id <= 100; id++ {
					if id%3 != 0 && id%4 == 1 {
						want = append(want, fmt.Sprintf("%d:#item %d", id, id))
					}
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("rows = %v\nwant %v", got, want)
				}
				return
			}
			if got := column(t, db, `SELECT id || ':' || name FROM items ORDER BY rowid`); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rows = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestParentStepsPruneChildren: a parent's filter means no child request
// for the records it drops.
func TestParentStepsPruneChildren(t *testing.T) {
	srv := itemsServer(t, 40)
	dir := t.TempDir()
	sum, err := runYAML(t, fmt.Sprintf(itemsYAML, srv.URL, `
      processing_steps:
        - filter: {cel: "item.id % 10 == 0"}
    - name: tags
      endpoint: {path: "items/{resources.items.id}/tags", paginator: single_page}
      include_from_parent: [id]
`), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Tables["items"] != 4 || sum.Tables["tags"] != 4 {
		t.Errorf("tables = %v, want 4 items and their 4 tags", sum.Tables)
	}
}

// TestRunawayStepFails: a map that never returns fails the run soon after
// its limit, naming the resource and the step, and loads nothing.
func TestRunawayStepFails(t *testing.T) {
	srv := itemsServer(t, 30)
	dir := t.TempDir()
	start := time.Now()
	_, err := runYAML(t, fmt.Sprintf(itemsYAML, srv.URL, `
      limits: {timeout_ms: 300}
      processing_steps:
        - map: "(() => { while (true) {} })()"
`), dir, Options{})
	if err == nil {
		t.Fatal("the run succeeded")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the run took %s to fail", took)
	}
	for _, want := range []string{"resource items", "processing_steps[0].map", "record 1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	db := openSQLite(t, filepath.Join(dir, "blog.db"))
	if n := column(t, db, `SELECT count(*) FROM sqlite_master WHERE name = 'items'`); n[0] != "0" {
		t.Error("the failed run left a table")
	}
}

// TestJSAuthSigns: a JS auth hook signs each request with
// host.hmacSha256 over method, path and a timestamp header, and the
// server checks the signature.
func TestJSAuthSigns(t *testing.T) {
	const key = "k3y-for-signing"
	var bad int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts := r.Header.Get("X-Timestamp")
		m := hmac.New(sha256.New, []byte(key))
		m.Write([]byte(r.Method + "\n" + r.URL.Path + "\n" + ts))
		if ts == "" || r.Header.Get("X-Signature") != hex.EncodeToString(m.Sum(nil)) {
			bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[{"id": 1}, {"id": 2}]`))
	}))
	defer srv.Close()
	t.Setenv("SIGN_KEY", key)
	yml := fmt.Sprintf(`
pipeline: {name: signed}
source:
  client:
    base_url: "%s"
    auth:
      type: js
      config: {key: "${SIGN_KEY}"}
      script: |
        function auth(request) {
          const ts = host.now();
          request.headers["X-Timestamp"] = ts;
          request.headers["X-Signature"] = host.hmacSha256(host.config.key, request.method + "\n" + request.path + "\n" + ts);
          return request;
        }
  resources:
    - name: things
      endpoint: {path: v1/things, paginator: single_page}
`, srv.URL)
	dir := t.TempDir()
	sum, err := runYAML(t, yml, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Tables["things"] != 2 || bad != 0 {
		t.Errorf("tables %v, %d rejected requests", sum.Tables, bad)
	}
}

// TestJSPaginatorHeaderPageNumber: a JS paginator for a scheme no
// built-in handles (the next page's number in a response header) loads
// every record once.
func TestJSPaginatorHeaderPageNumber(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := strconv.Atoi(r.URL.Query().Get("p"))
		if p == 0 {
			p = 1
		}
		if p < 7 {
			w.Header().Set("X-Next-Page", strconv.Itoa(p+1))
		}
		w.Header().Set("Content-Type", "application/json")
		var out []any
		for i := range 10 {
			out = append(out, map[string]any{"id": (p-1)*10 + i + 1})
		}
		_ = json.NewEncoder(w).Encode(out)
	}))
	defer srv.Close()
	yml := fmt.Sprintf(`
pipeline: {name: pages}
source:
  client: {base_url: "%s"}
  resources:
    - name: rows
      endpoint:
        path: rows
        paginator:
          type: js
          script: |
            function next(response, request) {
              const n = response.headers["x-next-page"];
              return n ? {params: {p: n}} : null;
            }
`, srv.URL)
	dir := t.TempDir()
	sum, err := runYAML(t, yml, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db := openSQLite(t, filepath.Join(dir, "blog.db"))
	if got := column(t, db, `SELECT count(*) || '/' || count(DISTINCT id) || '/' || max(id) FROM rows`); got[0] != "70/70/70" || sum.Resources["rows"].Pages != 7 {
		t.Errorf("rows/distinct/max = %s over %d pages, want 70/70/70 over 7", got[0], sum.Resources["rows"].Pages)
	}
}
