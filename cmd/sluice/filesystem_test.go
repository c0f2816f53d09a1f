package main

import (
	"database/sql"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/demoapi"
	"github.com/sluicehq/sluice/runtime/destination/filesystem/lakeread"
)

// lakePipeline writes a pipeline named name loading the demo API's users
// at baseURL with write disposition wd into the filesystem destination
// (its bucket comes from --db).
func lakePipeline(t *testing.T, name, baseURL, wd string) string {
	t.Helper()
	return writePipeline(t, fmt.Sprintf(`
pipeline: {name: %s, destination: filesystem, dataset: lake}
source:
  client: {base_url: "%s"}
  resources:
    - name: users
      write_disposition: %s
      primary_key: id
      endpoint:
        path: users
        data_selector: data
        paginator: {type: json_link, next_url_path: pagination.next}
`, name, baseURL, wd))
}

// text renders a value the same way whichever destination it came from:
// SQLite's 0/1 booleans and timestamp text, Parquet's bools and times.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case bool:
		if x {
			return "1"
		}
		return "0"
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05.000000")
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

// canonical turns rows into sorted lines of their non-dlt columns, so that
// two loads compare equal whatever their row ids.
func canonical(rows []map[string]any) []string {
	var out []string
	for _, r := range rows {
		var keys []string
		for k := range r {
			if !strings.HasPrefix(k, "_dlt_") {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		var b strings.Builder
		for _, k := range keys {
			b.WriteString(k + "=" + text(r[k]) + ";")
		}
		out = append(out, b.String())
	}
	sort.Strings(out)
	return out
}

func sqliteRows(t *testing.T, db *sql.DB, table string) (cols []string, out []map[string]any) {
	t.Helper()
	rows, err := db.Query(`SELECT * FROM "` + table + `"`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ = rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		m := map[string]any{}
		for i, c := range cols {
			m[c] = vals[i]
		}
		out = append(out, m)
	}
	return cols, out
}

func lakeFiles(t *testing.T, dir string) []*lakeread.File {
	t.Helper()
	files, err := lakeread.Table(dir)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func visible(t *testing.T, dir, table string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dir, table))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

var demoTables = []string{"users", "users__tags", "users__orders", "users__orders__items"}

func TestParquetLakeMatchesSQLite(t *testing.T) {
	api := demoapi.New(demoapi.Options{Users: 250, PageSize: 100, Seed: 7, NoGzip: true})
	srv := httptest.NewServer(api)
	defer srv.Close()
	p := lakePipeline(t, "same", srv.URL, "append")
	tmp := t.TempDir()
	db := filepath.Join(tmp, "same.db")
	bucket := filepath.Join(tmp, "bucket")
	if code, out, errs := sluice(t, "run", p, "--destination", "sqlite", "--db", db, "--pipelines-dir", filepath.Join(tmp, "s1")); code != 0 {
		t.Fatalf("sqlite run: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := sluice(t, "run", p, "--db", "file://"+bucket, "--pipelines-dir", filepath.Join(tmp, "s2")); code != 0 {
		t.Fatalf("filesystem run: exit %d\n%s\n%s", code, out, errs)
	}
	d := openDB(t, db)
	lake := filepath.Join(bucket, "lake")
	for _, table := range demoTables {
		cols, want := sqliteRows(t, d, table)
		files := lakeFiles(t, filepath.Join(lake, table))
		if len(files) != 1 {
			t.Fatalf("%s: %d files, want 1", table, len(files))
		}
		var got []string
		for _, c := range files[0].Columns {
			got = append(got, c.Name)
		}
		if strings.Join(got, ",") != strings.Join(cols, ",") {
			t.Errorf("%s: columns\n parquet %v\n  sqlite %v", table, got, cols)
		}
		rows := lakeread.Rows(files)
		if len(rows) != len(want) || len(rows) == 0 {
			t.Errorf("%s: %d rows in parquet, %d in sqlite", table, len(rows), len(want))
		}
		g, w := canonical(rows), canonical(want)
		for i := range w {
			if i < len(g) && g[i] != w[i] {
				t.Errorf("%s: row differs\n parquet %s\n  sqlite %s", table, g[i], w[i])
				break
			}
		}
	}
	// the timestamps are UTC microsecond timestamps
	for _, c := range lakeFiles(t, filepath.Join(lake, "users"))[0].Columns {
		if c.Name == "created_at" && !strings.HasPrefix(c.Logical, "Timestamp(isAdjustedToUTC=true, timeUnit=microseconds") {
			t.Errorf("created_at is %s", c.Logical)
		}
	}
}

func TestParquetAppendTwiceAndReplace(t *testing.T) {
	api := demoapi.New(demoapi.Options{Users: 150, PageSize: 100, Seed: 1, NoGzip: true})
	srv := httptest.NewServer(api)
	defer srv.Close()
	for _, c := range []struct {
		wd         string
		files, mul int
	}{{"append", 2, 2}, {"replace", 1, 1}} {
		t.Run(c.wd, func(t *testing.T) {
			p := lakePipeline(t, "twice_"+c.wd, srv.URL, c.wd)
			bucket := t.TempDir()
			state := t.TempDir()
			for i := 0; i < 2; i++ {
				if code, out, errs := sluice(t, "run", p, "--db", "file://"+bucket, "--pipelines-dir", state); code != 0 {
					t.Fatalf("run %d: exit %d\n%s\n%s", i, code, out, errs)
				}
			}
			lake := filepath.Join(bucket, "lake")
			for _, table := range demoTables {
				files := lakeFiles(t, filepath.Join(lake, table))
				n := len(lakeread.Rows(files))
				if table == "users" && n != 150*c.mul {
					t.Errorf("users: %d rows, want %d", n, 150*c.mul)
				}
				if len(files) != c.files {
					t.Errorf("%s: %d files, want %d", table, len(files), c.files)
				}
			}
			if n := len(visible(t, lake, "_dlt_loads")); n != 2 {
				t.Errorf("_dlt_loads: %d files, want 2", n)
			}
		})
	}
}

func TestParquetRefusesMerge(t *testing.T) {
	p := lakePipeline(t, "merged", "http://127.0.0.1:1", "merge")
	bucket := t.TempDir()
	code, _, errs := sluice(t, "run", p, "--db", "file://"+bucket, "--pipelines-dir", t.TempDir())
	if code != 2 || !strings.Contains(errs, "write_disposition: merge") || !strings.Contains(errs, "filesystem") {
		t.Errorf("merge into filesystem: exit %d\n%s", code, errs)
	}
	if ents, _ := os.ReadDir(bucket); len(ents) != 0 {
		t.Errorf("a refused run wrote %v", ents)
	}
	code, _, errs = sluice(t, "validate", p)
	if code != 0 || !strings.Contains(errs, "write_disposition") || !strings.Contains(errs, "filesystem destination cannot load") {
		t.Errorf("validate: exit %d\n%s", code, errs)
	}
}

func TestParquetRefusesOtherBuckets(t *testing.T) {
	p := lakePipeline(t, "s3", "http://127.0.0.1:1", "append")
	code, _, errs := sluice(t, "run", p, "--db", "s3://bucket/lake", "--pipelines-dir", t.TempDir())
	if code == 0 || !strings.Contains(errs, "bucket_url") {
		t.Errorf("s3 bucket: exit %d\n%s", code, errs)
	}
}

// TestKilledParquetLoadLeavesNoVisiblePart kills sluice with SIGKILL in the
// middle of a large load into a lake: the dataset holds exactly what the
// first run committed, and the next run cleans up and loads.
func TestKilledParquetLoadLeavesNoVisiblePart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	api := demoapi.New(demoapi.Options{Users: 1_000_000, PageSize: 100, Seed: 3, NoGzip: true, Latency: time.Millisecond})
	srv := httptest.NewServer(api)
	defer srv.Close()
	p := lakePipeline(t, "killed_lake", srv.URL, "append")
	bucket := t.TempDir()
	state := t.TempDir()
	cmd, _ := startLongRun(t, p, "file://"+bucket, state)
	// the run is under way: its staging folder holds the files being written
	if ents, _ := os.ReadDir(filepath.Join(bucket, ".sluice-staging")); len(ents) != 1 {
		t.Errorf("want the running load's staging folder, got %v", ents)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	lake := filepath.Join(bucket, "lake")
	for _, table := range demoTables {
		if n := len(visible(t, lake, table)); n != 1 {
			t.Errorf("%s: %d files after the kill, want the first run's 1", table, n)
		}
	}
	if n := len(lakeread.Rows(lakeFiles(t, filepath.Join(lake, "users")))); n != 200 {
		t.Errorf("users: %d rows after the kill, want the first run's 200", n)
	}
	if n := len(visible(t, lake, "_dlt_loads")); n != 1 {
		t.Errorf("_dlt_loads: %d files, want 1", n)
	}
	if ents, _ := os.ReadDir(filepath.Join(bucket, ".sluice-staging")); len(ents) != 1 {
		t.Errorf("want the dead run's staging folder, got %v", ents)
	}

	if code, out, errs := sluice(t, "run", p, "--db", "file://"+bucket, "--pipelines-dir", state, "--limit", "1"); code != 0 {
		t.Fatalf("run after the kill: exit %d\n%s\n%s", code, out, errs)
	}
	if n := len(lakeread.Rows(lakeFiles(t, filepath.Join(lake, "users")))); n != 300 {
		t.Errorf("users: %d rows after the next run, want 300", n)
	}
	if ents, _ := os.ReadDir(filepath.Join(bucket, ".sluice-staging")); len(ents) != 0 {
		t.Errorf("staging folders left after the next run: %v", ents)
	}
}

// TestParquetStateRestoredFromLake deletes the local state between two
// incremental runs: the second run reads _dlt_pipeline_state from the lake
// and loads only what is new.
func TestParquetStateRestoredFromLake(t *testing.T) {
	api := demoapi.New(demoapi.Options{Users: 120, PageSize: 50, Seed: 2, NoGzip: true})
	srv := httptest.NewServer(api)
	defer srv.Close()
	p := writePipeline(t, fmt.Sprintf(`
pipeline: {name: restored, destination: filesystem, dataset: lake}
source:
  client: {base_url: "%s"}
  resources:
    - name: users
      endpoint:
        path: users
        data_selector: data
        paginator: {type: json_link, next_url_path: pagination.next}
        incremental: {cursor_path: id, initial_value: 0}
`, srv.URL))
	bucket := t.TempDir()
	for i := 0; i < 2; i++ {
		state := t.TempDir() // a new, empty pipelines folder each run
		if code, out, errs := sluice(t, "run", p, "--db", "file://"+bucket, "--pipelines-dir", state); code != 0 {
			t.Fatalf("run %d: exit %d\n%s\n%s", i, code, out, errs)
		}
	}
	if n := len(lakeread.Rows(lakeFiles(t, filepath.Join(bucket, "lake", "users")))); n != 120 {
		t.Errorf("users: %d rows after two incremental runs, want 120 (the second run restores the state from the lake)", n)
	}
}

// TestLakeNotQueried: sluice ui and sluice pipeline info look into a
// database with queries; a lake runs none, and both say so, pointing at
// read_parquet, instead of failing on their first page.
func TestLakeNotQueried(t *testing.T) {
	srv := httptest.NewServer(demoapi.New(demoapi.Options{Users: 20, PageSize: 10, Seed: 1, NoGzip: true}))
	defer srv.Close()
	p := lakePipeline(t, "looked_at", srv.URL, "append")
	bucket, state := t.TempDir(), t.TempDir()
	if code, out, errs := sluice(t, "run", p, "--db", "file://"+bucket, "--pipelines-dir", state); code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errs)
	}
	for _, args := range [][]string{
		{"ui", "--db", "file://" + bucket, "--destination", "filesystem", "--dataset", "lake", "--addr", "127.0.0.1:0"},
		{"pipeline", "looked_at", "info", "--pipelines-dir", state},
	} {
		code, _, stderr := sluice(t, args...)
		if code != 2 || !strings.Contains(stderr, "destination filesystem runs no queries") || !strings.Contains(stderr, "read_parquet(") {
			t.Errorf("%v: exit %d, stderr:\n%s", args[0], code, stderr)
		}
	}
}
