//go:build duckdb

package main

import (
	"database/sql"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // DuckDB's database/sql driver, to read the lake

	"github.com/sluicehq/sluice/internal/demoapi"
)

// TestDuckDBReadsTheLake: what DuckDB's read_parquet sees of a lake is
// what the SQLite destination holds for the same pipeline: every table,
// the same column names in the same order, the same row counts, and
// created_at as a TIMESTAMP WITH TIME ZONE.
func TestDuckDBReadsTheLake(t *testing.T) {
	srv := httptest.NewServer(demoapi.New(demoapi.Options{Users: 250, PageSize: 100, Seed: 5, NoGzip: true}))
	defer srv.Close()
	p := lakePipeline(t, "read_back", srv.URL, "append")
	tmp := t.TempDir()
	db := filepath.Join(tmp, "r.db")
	bucket := filepath.Join(tmp, "bucket")
	if code, out, errs := sluice(t, "run", p, "--destination", "sqlite", "--db", db, "--pipelines-dir", filepath.Join(tmp, "s1")); code != 0 {
		t.Fatalf("sqlite run: exit %d\n%s\n%s", code, out, errs)
	}
	for i := 0; i < 2; i++ {
		if code, out, errs := sluice(t, "run", p, "--db", "file://"+bucket, "--pipelines-dir", filepath.Join(tmp, "s2")); code != 0 {
			t.Fatalf("filesystem run %d: exit %d\n%s\n%s", i, code, out, errs)
		}
	}
	duck, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer duck.Close()
	lite := openDB(t, db)
	for _, table := range demoTables {
		glob := filepath.Join(bucket, "lake", table, "*.parquet")
		var n int64
		if err := duck.QueryRow("SELECT count(*) FROM read_parquet('" + glob + "', union_by_name = true)").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if want := 2 * count(t, lite, `SELECT count(*) FROM "`+table+`"`); n != want {
			t.Errorf("%s: read_parquet counts %d rows, want %d (two loads)", table, n, want)
		}
		rows, err := duck.Query("DESCRIBE SELECT * FROM read_parquet('" + glob + "')")
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		types := map[string]string{}
		for rows.Next() {
			var name, typ string
			var null, key, def, extra sql.NullString
			if err := rows.Scan(&name, &typ, &null, &key, &def, &extra); err != nil {
				t.Fatal(err)
			}
			names = append(names, name)
			types[name] = typ
		}
		rows.Close()
		cols, _ := sqliteRows(t, lite, table)
		if strings.Join(names, ",") != strings.Join(cols, ",") {
			t.Errorf("%s: DuckDB sees columns %v, SQLite has %v", table, names, cols)
		}
		if table == "users" && types["created_at"] != "TIMESTAMP WITH TIME ZONE" {
			t.Errorf("users.created_at is %s in DuckDB", types["created_at"])
		}
	}
	var loads int64
	if err := duck.QueryRow("SELECT count(*) FROM read_json('" + filepath.Join(bucket, "lake", "_dlt_loads", "*.jsonl") + "') WHERE status = 0").Scan(&loads); err != nil {
		t.Fatal(err)
	}
	if loads != 2 {
		t.Errorf("_dlt_loads: %d loads, want 2", loads)
	}
}
