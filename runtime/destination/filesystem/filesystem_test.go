package filesystem_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/destination/filesystem"
	"github.com/sluicehq/sluice/runtime/destination/filesystem/lakeread"
	"github.com/sluicehq/sluice/runtime/load"
	"github.com/sluicehq/sluice/runtime/normalize"
	"github.com/sluicehq/sluice/runtime/schema"
)

func openLake(t *testing.T, bucket string) *filesystem.Lake {
	t.Helper()
	l, err := filesystem.Open(context.Background(), destination.Config{Path: "file://" + bucket, Dataset: "ds", Format: "parquet"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func intp(i int) *int { return &i }

// run loads one batch per table through the real loader and commits.
func run(t *testing.T, l *filesystem.Lake, sch *schema.Schema, batches ...*normalize.Batch) string {
	t.Helper()
	ctx := context.Background()
	ld := load.New(l)
	if err := ld.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	for _, b := range batches {
		for _, ch := range b.Changes {
			tb := sch.Table(ch.Table)
			if tb == nil {
				tb = sch.AddTable(schema.NewTable(ch.Table, ch.Parent))
				tb.WriteDisposition = b.WriteDisposition
			}
			for i := range ch.Columns {
				c := ch.Columns[i]
				tb.AddColumn(&c)
			}
		}
		if err := ld.Write(ctx, b); err != nil {
			ld.Rollback()
			t.Fatal(err)
		}
	}
	id := load.NewLoadID()
	if err := ld.Commit(ctx, load.Finish{LoadID: id, Schema: sch, PipelineName: "p", State: []byte(`{"v":"` + id + `"}`), StateHash: id}); err != nil {
		t.Fatal(err)
	}
	return id
}

func batch(table, wd string, cols []schema.Column, rows ...[]any) *normalize.Batch {
	tr := &schema.TableRows{Table: table, Rows: rows}
	for _, c := range cols {
		tr.Columns = append(tr.Columns, c.Name)
		tr.Types = append(tr.Types, c.DataType)
	}
	return &normalize.Batch{Root: table, WriteDisposition: wd,
		Changes: []schema.Change{{Kind: schema.CreateTable, Table: table, Columns: cols}},
		Tables:  []*schema.TableRows{tr}}
}

func TestTypesAsDltsParquetMapping(t *testing.T) {
	bucket := t.TempDir()
	l := openLake(t, bucket)
	cols := []schema.Column{
		{Name: "id", DataType: schema.Bigint},
		{Name: "name", DataType: schema.Text, Nullable: true},
		{Name: "score", DataType: schema.Double, Nullable: true},
		{Name: "active", DataType: schema.Bool, Nullable: true},
		{Name: "created_at", DataType: schema.Timestamp, Nullable: true},
		{Name: "day", DataType: schema.Date, Nullable: true},
		{Name: "at", DataType: schema.Time, Nullable: true},
		{Name: "price", DataType: schema.Decimal, Nullable: true},
		{Name: "small", DataType: schema.Decimal, Precision: intp(5), Scale: intp(2), Nullable: true},
		{Name: "meta", DataType: schema.JSON, Nullable: true},
		{Name: "big", DataType: schema.Wei, Nullable: true},
		{Name: "blob", DataType: schema.Binary, Nullable: true},
		{Name: "_dlt_load_id", DataType: schema.Text},
		{Name: "_dlt_id", DataType: schema.Text},
	}
	ts := time.Date(2024, 5, 1, 10, 30, 15, 123456000, time.UTC)
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	run(t, l, schema.New("s"), batch("things", schema.Append, cols,
		[]any{int64(1), "Ada", 1.5, true, ts, day, "10:30:15.250000", "12.5", "-1.25", `{"a":1}`, "1180591620717411303424", []byte{1, 2}, "L", "id1"},
		[]any{int64(-2), nil, nil, false, nil, nil, nil, "-0.000000001", nil, nil, nil, nil, "L", "id2"},
		[]any{int64(3)}, // a short row: the rest is NULL
	))
	files, err := lakeread.Table(filepath.Join(bucket, "ds", "things"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 {
		t.Fatalf("want one file, got %d", len(files))
	}
	f := files[0]
	wantTypes := map[string]string{
		"id": "INT64", "name": "String", "score": "DOUBLE", "active": "BOOLEAN",
		"created_at": "Timestamp(isAdjustedToUTC=true, timeUnit=microseconds", "day": "Date",
		"at": "Time(isAdjustedToUTC=true, timeUnit=microseconds)", "price": "Decimal(precision=38, scale=9)",
		"small": "Decimal(precision=5, scale=2)", "meta": "String", "big": "String", "blob": "BYTE_ARRAY",
	}
	var names []string
	for _, c := range f.Columns {
		names = append(names, c.Name)
		want, ok := wantTypes[c.Name]
		if !ok {
			continue
		}
		// plain INT64 and INT64 annotated Int(64, signed) read the same
		if !strings.HasPrefix(c.Logical, want) && !strings.HasPrefix(c.Physical, want) {
			t.Errorf("column %s: type %s (physical %s), want %s", c.Name, c.Logical, c.Physical, want)
		}
	}
	var wantNames []string
	for _, c := range cols {
		wantNames = append(wantNames, c.Name)
	}
	if !reflect.DeepEqual(names, wantNames) {
		t.Errorf("columns %v, want the table's order %v", names, wantNames)
	}
	want := [][]any{
		{int64(1), "Ada", 1.5, true, ts, day, int64((10*3600+30*60+15)*1e6 + 250000), "12.500000000", "-1.25", `{"a":1}`, "1180591620717411303424", "\x01\x02", "L", "id1"},
		{int64(-2), nil, nil, false, nil, nil, nil, "-0.000000001", nil, nil, nil, nil, "L", "id2"},
		{int64(3), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil},
	}
	if !reflect.DeepEqual(f.Rows, want) {
		t.Errorf("rows\n got %v\nwant %v", f.Rows, want)
	}
}

// layout lists the files under the dataset, relative to it, with the
// load ids replaced by L and file ids by F.
func layout(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if !d.IsDir() {
			r, _ := filepath.Rel(dir, p)
			out = append(out, r)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func TestLayoutAndSystemFilesAsDlt(t *testing.T) {
	bucket := t.TempDir()
	l := openLake(t, bucket)
	cols := []schema.Column{{Name: "id", DataType: schema.Bigint}}
	id := run(t, l, schema.New("rest_api"), batch("users", schema.Append, cols, []any{int64(1)}))
	files := layout(t, filepath.Join(bucket, "ds"))
	if len(files) != 5 {
		t.Fatalf("files %v", files)
	}
	checks := []struct{ prefix, suffix string }{
		{"_dlt_loads/rest_api__" + id, ".jsonl"},
		{"_dlt_pipeline_state/p__" + id + "__", ".jsonl"},
		{"_dlt_version/rest_api__", ".jsonl"},
		{"init", ""},
		{"users/" + id + ".", ".parquet"},
	}
	for i, c := range checks {
		if !strings.HasPrefix(files[i], c.prefix) || !strings.HasSuffix(files[i], c.suffix) {
			t.Errorf("file %d is %s, want %s…%s", i, files[i], c.prefix, c.suffix)
		}
	}
	init, _ := os.ReadFile(filepath.Join(bucket, "ds", "init"))
	if string(init) != `{"initial_version": 2, "current_version": 2}` {
		t.Errorf("init is %q", init)
	}
	if ents, _ := os.ReadDir(filepath.Join(bucket, ".sluice-staging")); len(ents) != 0 {
		t.Errorf("staging folders left: %v", ents)
	}
	// the next run restores state and schema from the lake
	st, err := load.StoredState(context.Background(), l, "p")
	if err != nil || string(st) != `{"v":"`+id+`"}` {
		t.Errorf("stored state %q, %v", st, err)
	}
	sch, err := load.StoredSchema(context.Background(), l, "rest_api")
	if err != nil || sch == nil || sch.Table("users") == nil {
		t.Errorf("stored schema %v, %v", sch, err)
	}
}

func TestAppendReplaceAndNewColumns(t *testing.T) {
	bucket := t.TempDir()
	l := openLake(t, bucket)
	sch := schema.New("s")
	a := []schema.Column{{Name: "id", DataType: schema.Bigint}}
	ab := append(a, schema.Column{Name: "extra", DataType: schema.Text, Nullable: true})
	dir := filepath.Join(bucket, "ds", "users")

	run(t, l, sch, batch("users", schema.Append, a, []any{int64(1)}))
	run(t, l, sch, batch("users", schema.Append, ab, []any{int64(2), "x"}))
	files, err := lakeread.Table(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || len(files[0].Columns) != 1 || len(files[1].Columns) != 2 {
		t.Fatalf("append with a new column: want a 1-column then a 2-column file, got %d files", len(files))
	}
	if got := lakeread.Rows(files); len(got) != 2 || got[1]["extra"] != "x" {
		t.Errorf("rows %v", got)
	}

	rb := batch("users", schema.Replace, ab, []any{int64(9), "r"})
	rb.Truncate = []string{"users"}
	run(t, l, sch, rb)
	files, err = lakeread.Table(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := lakeread.Rows(files); len(files) != 1 || len(got) != 1 || got[0]["id"] != int64(9) {
		t.Errorf("after replace: %d files, rows %v", len(files), got)
	}
	// a column the stored schema knows is in every later file, even when
	// this run's rows lack it
	l2 := openLake(t, bucket)
	run(t, l2, sch, batch("users", schema.Append, a, []any{int64(10)}))
	files, _ = lakeread.Table(dir)
	for _, f := range files {
		if len(f.Columns) != 2 {
			t.Errorf("%s has columns %v, want id and extra", f.Path, f.Columns)
		}
	}
}

func TestRollbackLeavesNothing(t *testing.T) {
	bucket := t.TempDir()
	l := openLake(t, bucket)
	ctx := context.Background()
	ld := load.New(l)
	if err := ld.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ld.Write(ctx, batch("users", schema.Append, []schema.Column{{Name: "id", DataType: schema.Bigint}}, []any{int64(1)})); err != nil {
		t.Fatal(err)
	}
	if err := ld.Rollback(); err != nil {
		t.Fatal(err)
	}
	if got := layout(t, bucket); len(got) != 0 {
		t.Errorf("after rollback: %v", got)
	}
}

func TestMergeRefusedNamingWriteDisposition(t *testing.T) {
	l := openLake(t, t.TempDir())
	ctx := context.Background()
	ld := load.New(l)
	if err := ld.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	defer ld.Rollback()
	b := batch("users", schema.Merge, []schema.Column{{Name: "id", DataType: schema.Bigint, PrimaryKey: true}}, []any{int64(1)})
	b.PrimaryKey = []string{"id"}
	err := ld.Write(ctx, b)
	if !errors.Is(err, filesystem.ErrMerge) || !strings.Contains(err.Error(), "write_disposition") {
		t.Errorf("merge: %v", err)
	}
	r := destination.NewRegistry()
	filesystem.Register(r)
	if !r.Refuses("filesystem", "merge") || r.Refuses("filesystem", "append") || r.Refuses("filesystem", "replace") {
		t.Error("the registered type must refuse merge only")
	}
}

func TestBucketURL(t *testing.T) {
	for _, c := range []struct{ url, want, err string }{
		{"file:///data/lake", "/data/lake", ""},
		{"file://localhost/data/lake/", "/data/lake", ""},
		{"s3://bucket/path", "", "s3://"},
		{"/data/lake", "", "not a URL"},
		{"file://data/lake", "", "host"},
		{"file:///data/lake?x=1", "", "query"},
		{"file:", "", "absolute"},
	} {
		got, err := filesystem.BucketPath(c.url)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), "bucket_url") {
				t.Errorf("%s: error %v, want one with %q naming bucket_url", c.url, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: %q, %v", c.url, got, err)
		}
	}
	_, err := filesystem.Open(context.Background(), destination.Config{Path: "file://" + t.TempDir(), Dataset: "d", Format: "csv"})
	if err == nil || !strings.Contains(err.Error(), "format") {
		t.Errorf("format csv: %v", err)
	}
}

func TestQueryRefusesOtherStatements(t *testing.T) {
	l := openLake(t, t.TempDir())
	err := l.Query(context.Background(), `SELECT * FROM users`, nil, func(func(...any) error) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "no SQL engine") {
		t.Errorf("query: %v", err)
	}
}

// TestStateLoadAndStaleBase: the loader's state statement is answered
// with the load that stored the state, and a run whose base is no longer
// the newest state publishes nothing.
func TestStateLoadAndStaleBase(t *testing.T) {
	ctx := context.Background()
	bucket := t.TempDir()
	l := openLake(t, bucket)
	if st, id, err := load.StoredStateLoad(ctx, l, "p"); err != nil || id != "" || st != nil {
		t.Fatalf("StoredStateLoad of an empty lake: %q, %q, %v", st, id, err)
	}
	sch := schema.New("s")
	a := []schema.Column{{Name: "id", DataType: schema.Bigint}}
	first := run(t, l, sch, batch("users", schema.Append, a, []any{int64(1)}))
	if st, id, err := load.StoredStateLoad(ctx, l, "p"); err != nil || id != first || string(st) != `{"v":"`+first+`"}` {
		t.Fatalf("StoredStateLoad = %q, %q, %v; want the state of load %s", st, id, err, first)
	}
	second := run(t, l, sch, batch("users", schema.Append, a, []any{int64(2)}))

	ld := load.New(l)
	if err := ld.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ld.Write(ctx, batch("users", schema.Append, a, []any{int64(3)})); err != nil {
		t.Fatal(err)
	}
	err := ld.Commit(ctx, load.Finish{LoadID: load.NewLoadID(), Schema: sch, PipelineName: "p", State: []byte(`{}`), BaseLoad: &first})
	var ce *load.ConcurrentLoadError
	if !errors.As(err, &ce) || ce.Newer != second {
		t.Fatalf("commit on a stale base: %v; want a ConcurrentLoadError naming %s", err, second)
	}
	files, err := lakeread.Table(filepath.Join(bucket, "ds", "users"))
	if err != nil {
		t.Fatal(err)
	}
	if got := lakeread.Rows(files); len(got) != 2 {
		t.Errorf("%d rows after the refused commit, want 2", len(got))
	}
}
