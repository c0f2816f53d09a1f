package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/sluicehq/sluice/internal/demoapi"
)

// sluice runs the command line in-process and returns the exit code and
// what it printed.
func sluice(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// writePipeline writes a pipeline file for the API at url into a temporary
// folder and returns its path.
func writePipeline(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "pipeline.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
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

func count(t *testing.T, db *sql.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func columns(t *testing.T, db *sql.DB, table string) map[string]bool {
	t.Helper()
	rows, err := db.Query(fmt.Sprintf("select name from pragma_table_info('%s')", table))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		cols[n] = true
	}
	if len(cols) == 0 {
		t.Fatalf("table %s does not exist", table)
	}
	return cols
}

// expected counts the rows dlt would make from the demo API's users.
func expected(api *demoapi.Server, users int) (tags, orders, items int64) {
	for i := 1; i <= users; i++ {
		u := api.User(i)
		if l, ok := u["tags"].([]any); ok {
			tags += int64(len(l))
		}
		if l, ok := u["orders"].([]any); ok {
			orders += int64(len(l))
			for _, o := range l {
				if it, ok := o.(map[string]any)["items"].([]any); ok {
					items += int64(len(it))
				}
			}
		}
	}
	return
}

// usersPipeline writes a pipeline named name that reads the demo API's
// /users at baseURL with json_link pagination; client holds extra client
// fields in YAML flow form (e.g. `auth: {type: bearer, token: "${TOKEN}"}`).
func usersPipeline(t *testing.T, name, baseURL, client string) string {
	t.Helper()
	return writePipeline(t, fmt.Sprintf(`
pipeline: {name: %s}
source:
  client: {base_url: "%s", %s}
  resources:
    - name: users
      endpoint:
        path: users
        data_selector: data
        paginator: {type: json_link, next_url_path: pagination.next}
`, name, baseURL, client))
}

func TestRunLoadsNestedUsers(t *testing.T) {
	const token = "s3cr3t-t0ken-value"
	api := demoapi.New(demoapi.Options{Users: 1000, PageSize: 100, Token: token, Seed: 7})
	srv := httptest.NewServer(api)
	defer srv.Close()
	t.Setenv("TOKEN", token)

	p := usersPipeline(t, "users_e2e", srv.URL, `auth: {type: bearer, token: "${TOKEN}"}`)
	db := filepath.Join(t.TempDir(), "out.db")
	code, stdout, stderr := sluice(t, "run", p, "--db", db, "--pipelines-dir", t.TempDir(), "--log-level", "debug", "--progress", "log")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, token) {
		t.Fatalf("the bearer token appears in the output:\n%s\n%s", stdout, stderr)
	}
	if !strings.Contains(stdout, "is LOADED") {
		t.Errorf("summary does not say the package is loaded:\n%s", stdout)
	}

	d := openDB(t, db)
	if n := count(t, d, "select count(*) from users"); n != 1000 {
		t.Errorf("users has %d rows, want 1000", n)
	}
	for _, c := range []string{"id", "name", "address__geo__lat", "address__geo__lng", "_dlt_id", "_dlt_load_id"} {
		if !columns(t, d, "users")[c] {
			t.Errorf("users has no column %s", c)
		}
	}
	tags, orders, items := expected(api, 1000)
	for table, want := range map[string]int64{"users__tags": tags, "users__orders": orders, "users__orders__items": items} {
		if n := count(t, d, "select count(*) from "+table); n != want {
			t.Errorf("%s has %d rows, want %d", table, n, want)
		}
		for _, c := range []string{"_dlt_parent_id", "_dlt_list_idx", "_dlt_id"} {
			if !columns(t, d, table)[c] {
				t.Errorf("%s has no column %s", table, c)
			}
		}
	}
	if !columns(t, d, "users__tags")["value"] {
		t.Error("users__tags has no value column")
	}
	// Every child row links to an existing parent.
	if n := count(t, d, `select count(*) from users__orders__items i
		left join users__orders o on i._dlt_parent_id = o._dlt_id where o._dlt_id is null`); n != 0 {
		t.Errorf("%d items have no parent order", n)
	}
	if n := count(t, d, `select count(*) from users__tags t
		left join users u on t._dlt_parent_id = u._dlt_id where u._dlt_id is null`); n != 0 {
		t.Errorf("%d tags have no parent user", n)
	}
	// int64 ids above 2^53 arrive exactly.
	want := api.User(1)["externalId"]
	var got int64
	if err := d.QueryRow("select external_id from users where id = 1").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("external_id = %d, want %v", got, want)
	}
	if n := count(t, d, "select count(*) from _dlt_loads where status = 0"); n != 1 {
		t.Errorf("_dlt_loads has %d rows after one run, want 1", n)
	}
	if n := count(t, d, "select count(*) from _dlt_pipeline_state where pipeline_name = 'users_e2e'"); n != 1 {
		t.Errorf("_dlt_pipeline_state has %d rows, want 1", n)
	}
	var stateB64 string
	if err := d.QueryRow("select state from _dlt_pipeline_state").Scan(&stateB64); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stateB64, token) {
		t.Error("the token is stored in the pipeline state")
	}

	// A second run appends and adds one more load.
	code, stdout, stderr = sluice(t, "run", p, "--db", db, "--pipelines-dir", t.TempDir(), "--format", "json", "--progress", "none")
	if code != 0 {
		t.Fatalf("second run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	var sum struct {
		LoadID string           `json:"load_id"`
		DB     string           `json:"db"`
		Tables map[string]int64 `json:"tables"`
	}
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("--format json printed %q: %v", stdout, err)
	}
	if sum.LoadID == "" || sum.DB != db || sum.Tables["users"] != 1000 || sum.Tables["users__orders__items"] != items {
		t.Errorf("json summary = %+v", sum)
	}
	if n := count(t, d, "select count(*) from _dlt_loads"); n != 2 {
		t.Errorf("_dlt_loads has %d rows after two runs, want 2", n)
	}
	if n := count(t, d, "select count(*) from users"); n != 2000 {
		t.Errorf("users has %d rows after two appends, want 2000", n)
	}
	if n := count(t, d, "select count(distinct _dlt_load_id) from users"); n != 2 {
		t.Errorf("users rows carry %d load ids, want 2", n)
	}
}

func TestRunHeaderLinkAndLimit(t *testing.T) {
	api := demoapi.New(demoapi.Options{Users: 450, PageSize: 50, Seed: 1})
	srv := httptest.NewServer(api)
	defer srv.Close()
	p := writePipeline(t, fmt.Sprintf(`
pipeline: {name: link}
source:
  client: {base_url: "%s/"}
  resources:
    - name: people
      endpoint: {path: /users/link, paginator: header_link}
`, srv.URL))
	db := filepath.Join(t.TempDir(), "link.db")
	code, stdout, stderr := sluice(t, "run", p, "--db", db, "--pipelines-dir", t.TempDir(), "--limit", "3")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if n := count(t, openDB(t, db), "select count(*) from people"); n != 150 {
		t.Errorf("--limit 3 with 50 per page loaded %d rows, want 150", n)
	}
	code, _, stderr = sluice(t, "run", p, "--db", db, "--pipelines-dir", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if n := count(t, openDB(t, db), "select count(*) from people"); n != 600 {
		t.Errorf("after a full second run people has %d rows, want 150+450", n)
	}
}

func TestRunFailureLeavesDatabaseUnchanged(t *testing.T) {
	api := demoapi.New(demoapi.Options{Users: 300, PageSize: 100, Seed: 1})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The third page fails for good.
		if r.URL.Query().Get("page") == "3" {
			http.Error(w, `{"error":"gone"}`, http.StatusNotFound)
			return
		}
		api.ServeHTTP(w, r)
	}))
	defer srv.Close()
	t.Setenv("TOKEN", "")
	p := writePipeline(t, fmt.Sprintf(`
pipeline: {name: failing}
source:
  client: {base_url: "%s", retry: {max_attempts: 1}}
  resources:
    - name: users
      endpoint:
        path: users
        params: {api_key: "hunter2-secret"}
        data_selector: data
        paginator: {type: json_link, next_url_path: pagination.next}
`, srv.URL))
	db := filepath.Join(t.TempDir(), "f.db")
	code, stdout, stderr := sluice(t, "run", p, "--db", db, "--pipelines-dir", t.TempDir())
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"users", "404", "/users"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("error output does not mention %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "hunter2-secret") {
		t.Errorf("the api_key appears in the error:\n%s", stderr)
	}
	d := openDB(t, db)
	if n := count(t, d, "select count(*) from sqlite_master where type = 'table' and name = 'users'"); n != 0 {
		t.Errorf("the failed run left a users table")
	}
}

func TestValidate(t *testing.T) {
	good := writePipeline(t, `
pipeline: {name: ok}
source:
  client: {base_url: "http://127.0.0.1:1/"}
  resources: [users]
`)
	if code, stdout, stderr := sluice(t, "validate", good); code != 0 || !strings.Contains(stdout, "valid") {
		t.Fatalf("valid file: exit %d\n%s\n%s", code, stdout, stderr)
	}
	bad := writePipeline(t, `pipeline:
  name: bad
source:
  client:
    base_url: http://127.0.0.1:1/
  resources:
    - name: users
      params:
        per_page: 100
      endpoint:
        path: users
`)
	code, stdout, stderr := sluice(t, "validate", bad)
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"resources[0]", "params", "line 8"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("validate output does not mention %q:\n%s", want, stderr)
		}
	}
	// run refuses the same file with the same exit code.
	if code, _, _ := sluice(t, "run", bad, "--pipelines-dir", t.TempDir(), "--db", filepath.Join(t.TempDir(), "x.db")); code != 2 {
		t.Errorf("run on an invalid file: exit %d, want 2", code)
	}
}

func TestUsageErrors(t *testing.T) {
	good := writePipeline(t, `
pipeline: {name: ok}
source:
  client: {base_url: "http://127.0.0.1:1/"}
  resources: [users]
`)
	scd2 := writePipeline(t, `
pipeline: {name: ok}
source:
  client: {base_url: "http://127.0.0.1:1/"}
  resource_defaults: {write_disposition: {disposition: merge, strategy: scd2}, primary_key: id}
  resources: [users]
`)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"a feature this version cannot run yet", []string{"run", scd2, "--pipelines-dir", t.TempDir()}, "write_disposition"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"missing file argument", []string{"run"}, "arg"},
		{"bad format", []string{"run", good, "--format", "xml"}, "--format"},
		{"unknown resource", []string{"run", good, "--resources", "nope", "--pipelines-dir", os.TempDir()}, "nope"},
		{"missing file", []string{"validate", "/does/not/exist.yaml"}, "exist.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := sluice(t, tt.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2 (stderr: %s)", code, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr does not mention %q:\n%s", tt.want, stderr)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	code, stdout, _ := sluice(t, "version")
	if code != 0 || !strings.Contains(stdout, "destinations: sqlite") {
		t.Fatalf("exit %d: %s", code, stdout)
	}
}

// runHere runs `sluice run path` with the database (out.db) and the
// pipeline state in path's folder, and no progress output.
func runHere(t *testing.T, path string, extra ...string) (code int, stdout, stderr, db string) {
	t.Helper()
	dir := filepath.Dir(path)
	db = filepath.Join(dir, "out.db")
	args := append([]string{"run", path, "--db", db, "--pipelines-dir", dir, "--progress", "none"}, extra...)
	code, stdout, stderr = sluice(t, args...)
	return code, stdout, stderr, db
}
