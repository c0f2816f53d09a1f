//go:build duckdb

package main

import (
	"database/sql"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/demoapi"
)

// TestRunIntoDuckDB: as a new user would, `destination: duckdb` in the
// file and `--destination duckdb` on the command line both load into
// <pipeline name>.duckdb in the current folder, tables in the dataset's
// schema, readable with DuckDB's own driver.
func TestRunIntoDuckDB(t *testing.T) {
	srv := httptest.NewServer(demoapi.New(demoapi.Options{Users: 250, Seed: 4}))
	defer srv.Close()
	tests := []struct {
		name, pipeline string
		flags          []string
	}{
		{"in the file", "pipeline: {name: shop, destination: duckdb}", nil},
		{"object form", "pipeline: {name: shop, destination: {type: duckdb}}", nil},
		{"on the command line", "pipeline: {name: shop}", []string{"--destination", "duckdb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writePipeline(t, tt.pipeline+"\nsource:\n  client: {base_url: \""+srv.URL+"\"}\n  resources:\n    - name: users\n      endpoint: {path: users, data_selector: data, paginator: {type: json_link, next_url_path: pagination.next}}\n")
			dir := filepath.Dir(path)
			t.Chdir(dir)
			args := append([]string{"run", path, "--pipelines-dir", dir, "--progress", "none", "--format", "json"}, tt.flags...)
			code, stdout, stderr := sluice(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var sum struct {
				Destination string           `json:"destination"`
				DB          string           `json:"db"`
				Tables      map[string]int64 `json:"tables"`
			}
			if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
				t.Fatal(err)
			}
			if sum.Destination != "duckdb" || filepath.Base(sum.DB) != "shop.duckdb" || sum.Tables["users"] != 250 {
				t.Fatalf("summary %+v", sum)
			}
			if _, err := os.Stat(filepath.Join(dir, "shop.duckdb")); err != nil {
				t.Fatal(err)
			}
			db, err := sql.Open("duckdb", filepath.Join(dir, "shop.duckdb"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var n int64
			if err := db.QueryRow(`SELECT count(*) FROM shop_dataset.users`).Scan(&n); err != nil || n != 250 {
				t.Errorf("shop_dataset.users: %d rows, %v", n, err)
			}
			var status int64
			if err := db.QueryRow(`SELECT status FROM shop_dataset._dlt_loads`).Scan(&status); err != nil || status != 0 {
				t.Errorf("_dlt_loads: %d, %v", status, err)
			}
		})
	}
}

// TestInterruptedOrKilledRunIntoDuckDB: a DuckDB load interrupted (Ctrl-C)
// or killed (SIGKILL) midway leaves the file with exactly what the
// previous run committed: data and state are one transaction.
func TestInterruptedOrKilledRunIntoDuckDB(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	api := demoapi.New(demoapi.Options{Users: 1_000_000, PageSize: 100, Seed: 3, NoGzip: true, Latency: time.Millisecond})
	srv := httptest.NewServer(api)
	defer srv.Close()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			p := usersPipeline(t, "stopped, destination: duckdb", srv.URL, "")
			db := filepath.Join(t.TempDir(), "s.duckdb")
			cmd, sc := startLongRun(t, p, db, t.TempDir())
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			for sc.Scan() {
			}
			_ = cmd.Wait()
			conn, err := sql.Open("duckdb", db)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			for q, want := range map[string]int64{
				`SELECT count(*) FROM stopped_dataset.users`:               200,
				`SELECT count(*) FROM stopped_dataset._dlt_loads`:          1,
				`SELECT count(*) FROM stopped_dataset._dlt_pipeline_state`: 1,
			} {
				var n int64
				if err := conn.QueryRow(q).Scan(&n); err != nil || n != want {
					t.Errorf("%s = %d, %v; want %d (the first run's)", q, n, err, want)
				}
			}
		})
	}
}
