package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/normalize"
	"github.com/sluicehq/sluice/runtime/normalize/normalizetest"
	"github.com/sluicehq/sluice/runtime/schema"
)

var ctx = context.Background()

func open(t testing.TB) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func begin(t testing.TB, db *DB) destination.Tx {
	t.Helper()
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

func col(name string, typ schema.DataType, nullable bool) schema.Column {
	return schema.Column{Name: name, DataType: typ, Nullable: nullable}
}

func queryStrings(t testing.TB, r destination.Reader, q string, args ...any) [][]string {
	t.Helper()
	var out [][]string
	err := r.Query(ctx, q, args, func(scan func(...any) error) error {
		var a, b, c sql.NullString
		if err := scan(&a, &b, &c); err != nil {
			return err
		}
		out = append(out, []string{a.String, b.String, c.String})
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

func TestOpenSettings(t *testing.T) {
	db := open(t)
	var mode string
	var sync int
	if err := db.SQL().QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode %q, %v", mode, err)
	}
	if err := db.SQL().QueryRow("PRAGMA synchronous").Scan(&sync); err != nil || sync != 1 {
		t.Errorf("synchronous %d, %v", sync, err)
	}
	if d := db.Describe(); !strings.HasPrefix(d, "sqlite at /") || !strings.HasSuffix(d, "test.db") {
		t.Errorf("Describe = %q", d)
	}
}

func TestApplyIsIdempotent(t *testing.T) {
	db := open(t)
	tx := begin(t, db)
	create := schema.Change{Kind: schema.CreateTable, Table: `we"ird`, Columns: []schema.Column{
		col("id", schema.Bigint, false), col(`a"b`, schema.Text, true), col("at", schema.Timestamp, true),
	}}
	add := schema.Change{Kind: schema.AddColumns, Table: `we"ird`, Columns: []schema.Column{
		col("flag", schema.Bool, false), col("id", schema.Bigint, false),
	}}
	grow := create
	grow.Columns = append(append([]schema.Column{}, create.Columns...), col("extra", schema.JSON, true))
	for _, chs := range [][]schema.Change{{create}, {create, add}, {add, grow}} {
		if err := tx.Apply(ctx, chs); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Apply(ctx, []schema.Change{{Kind: schema.AddColumns, Table: "missing", Columns: []schema.Column{col("x", schema.Text, true)}}}); err == nil {
		t.Error("adding columns to a missing table succeeded")
	}
	got := queryStrings(t, tx, `SELECT name, type, "notnull" FROM pragma_table_info(?)`, `we"ird`)
	want := [][]string{
		{"id", "INTEGER", "1"}, {`a"b`, "TEXT", "0"}, {"at", "TIMESTAMP", "0"},
		{"flag", "BOOLEAN", "0"}, {"extra", "JSON", "0"}, // added columns are nullable
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("columns %v", got)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Errorf("Rollback after Commit: %v", err)
	}
	if err := tx.Exec(ctx, "SELECT 1"); err == nil {
		t.Error("a finished transaction still runs statements")
	}
}

func TestInsertChunks(t *testing.T) {
	for _, tc := range []struct{ rows, cols int }{{1, 1}, {1000, 3}, {301, 300}, {129, 2}} {
		t.Run(fmt.Sprintf("%dx%d", tc.rows, tc.cols), func(t *testing.T) {
			db := open(t)
			tx := begin(t, db)
			ch := schema.Change{Kind: schema.CreateTable, Table: "t"}
			tr := &schema.TableRows{Table: "t"}
			for c := 0; c < tc.cols; c++ {
				name := fmt.Sprintf("c%d", c)
				ch.Columns = append(ch.Columns, col(name, schema.Bigint, true))
				tr.Columns = append(tr.Columns, name)
				tr.Types = append(tr.Types, schema.Bigint)
			}
			for r := 0; r < tc.rows; r++ {
				row := make([]any, tc.cols)
				if r%2 == 1 {
					row = row[:1] // shorter rows: the rest is NULL
				}
				for c := range row {
					row[c] = int64(r)
				}
				tr.Rows = append(tr.Rows, row)
			}
			if err := tx.Apply(ctx, []schema.Change{ch}); err != nil {
				t.Fatal(err)
			}
			if err := tx.Insert(ctx, tr); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			var n, sum int64
			var nulls int64
			last := fmt.Sprintf("c%d", tc.cols-1)
			err := db.SQL().QueryRow(`SELECT count(*), sum(c0), count(*) - count(`+last+`) FROM t`).Scan(&n, &sum, &nulls)
			if err != nil {
				t.Fatal(err)
			}
			wantNulls := int64(tc.rows / 2)
			if tc.cols == 1 {
				wantNulls = 0
			}
			if n != int64(tc.rows) || sum != int64(tc.rows*(tc.rows-1)/2) || nulls != wantNulls {
				t.Errorf("count %d sum %d nulls %d", n, sum, nulls)
			}
		})
	}
}

func TestValueMapping(t *testing.T) {
	db := open(t)
	tx := begin(t, db)
	ch := schema.Change{Kind: schema.CreateTable, Table: "v", Columns: []schema.Column{
		col("b", schema.Bool, true), col("ts", schema.Timestamp, true), col("d", schema.Date, true),
		col("j", schema.JSON, true), col("f", schema.Double, true), col("bin", schema.Binary, true),
	}}
	at := time.Date(2024, 3, 1, 13, 4, 5, 123456789, time.FixedZone("", 3600))
	tr := &schema.TableRows{
		Table:   "v",
		Columns: []string{"b", "ts", "d", "j", "f", "bin"},
		Types:   []schema.DataType{schema.Bool, schema.Timestamp, schema.Date, schema.JSON, schema.Double, schema.Binary},
		Rows:    [][]any{{true, at, at, `{"a":1}`, 1.5, []byte{1, 2}}, {false}},
	}
	if err := tx.Apply(ctx, []schema.Change{ch}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Insert(ctx, tr); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var b int64
	var ts, d, j, typ string
	var f float64
	var bin []byte
	err := db.SQL().QueryRow(`SELECT b, CAST(ts AS TEXT), CAST(d AS TEXT), j, f, bin, typeof(b) FROM v WHERE rowid = 1`).Scan(&b, &ts, &d, &j, &f, &bin, &typ)
	if err != nil {
		t.Fatal(err)
	}
	if b != 1 || typ != "integer" || ts != "2024-03-01 12:04:05.123456" || d != "2024-03-01" || j != `{"a":1}` || f != 1.5 || string(bin) != "\x01\x02" {
		t.Errorf("got %d %s %q %q %q %v %v", b, typ, ts, d, j, f, bin)
	}
	if err := db.SQL().QueryRow(`SELECT b FROM v WHERE rowid = 2`).Scan(&b); err != nil || b != 0 {
		t.Errorf("false = %d, %v", b, err)
	}
}

func TestRollbackAndTruncate(t *testing.T) {
	db := open(t)
	tx := begin(t, db)
	ch := schema.Change{Kind: schema.CreateTable, Table: "t", Columns: []schema.Column{col("a", schema.Text, true)}}
	rows := &schema.TableRows{Table: "t", Columns: []string{"a"}, Types: []schema.DataType{schema.Text}, Rows: [][]any{{"x"}}}
	if err := tx.Apply(ctx, []schema.Change{ch}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Insert(ctx, rows); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	tx = begin(t, db)
	if err := tx.Truncate(ctx, []string{"t", "does_not_exist"}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.TableExists(ctx, "t"); !ok {
		t.Fatal("t is gone")
	}
	var n int
	if err := db.SQL().QueryRow("SELECT count(*) FROM t").Scan(&n); err != nil || n != 1 {
		t.Errorf("after rollback: %d rows, %v", n, err)
	}
}

func TestStageAndMerge(t *testing.T) {
	db := open(t)
	tx := begin(t, db)
	root := schema.Change{Kind: schema.CreateTable, Table: "r", Columns: []schema.Column{
		col("id", schema.Bigint, false), col("v", schema.Text, true), col("_dlt_id", schema.Text, false),
	}}
	kid := schema.Change{Kind: schema.CreateTable, Table: "r__k", Columns: []schema.Column{
		col("x", schema.Text, true), col("_dlt_root_id", schema.Text, false), col("_dlt_id", schema.Text, false),
	}}
	if err := tx.Apply(ctx, []schema.Change{root, kid}); err != nil {
		t.Fatal(err)
	}
	rr := func(vals ...[]any) *schema.TableRows {
		return &schema.TableRows{Table: "r", Columns: []string{"id", "v", "_dlt_id"}, Types: []schema.DataType{schema.Bigint, schema.Text, schema.Text}, Rows: vals}
	}
	kr := func(vals ...[]any) *schema.TableRows {
		return &schema.TableRows{Table: "r__k", Columns: []string{"x", "_dlt_root_id", "_dlt_id"}, Types: []schema.DataType{schema.Text, schema.Text, schema.Text}, Rows: vals}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(tx.Insert(ctx, rr([]any{int64(1), "old", "r1"}, []any{int64(2), "keep", "r2"})))
	must(tx.Insert(ctx, kr([]any{"old-kid", "r1", "k1"}, []any{"kept-kid", "r2", "k2"})))
	must(tx.Stage(ctx, rr([]any{int64(1), "new", "r3"}, []any{int64(1), "newer", "r4"}, []any{int64(5), "five", "r5"})))
	// a column added while rows are staged reaches the staging copy too
	must(tx.Apply(ctx, []schema.Change{{Kind: schema.AddColumns, Table: "r", Columns: []schema.Column{col("w", schema.Text, true)}}}))
	must(tx.Stage(ctx, &schema.TableRows{Table: "r", Columns: []string{"id", "v", "_dlt_id", "w"}, Types: []schema.DataType{schema.Bigint, schema.Text, schema.Text, schema.Text},
		Rows: [][]any{{int64(6), "six", "r6", "w6"}}}))
	must(tx.Stage(ctx, kr([]any{"dropped", "r3", "k3"}, []any{"new-kid", "r4", "k4"})))
	must(tx.Merge(ctx, destination.MergeJob{Root: "r", PrimaryKey: []string{"id"}, Nested: []string{"r__k"}}))
	got := queryStrings(t, tx, `SELECT r.id, r.v || coalesce(r.w, ''), group_concat(k.x) FROM r LEFT JOIN r__k k ON k._dlt_root_id = r._dlt_id GROUP BY r.id ORDER BY r.id`)
	want := [][]string{{"1", "newer", "new-kid"}, {"2", "keep", "kept-kid"}, {"5", "five", ""}, {"6", "sixw6", ""}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("merged:\n got %v\nwant %v", got, want)
	}
	if ok, _ := tx.TableExists(ctx, stagingPrefix+"r"); ok {
		t.Error("staging table left in main")
	}
	must(tx.Commit())
}

// BenchmarkSQLiteInsert measures the insert path alone: pages of 100
// normalized ~620-byte records (5.5 rows each, 4 tables) written into one
// transaction.
func BenchmarkSQLiteInsert(b *testing.B) {
	const perPage = 100
	s := schema.New("bench")
	n := normalize.New(s, normalize.Options{LoadID: "1714500000.1234567"})
	batch, err := n.Normalize(&normalize.TableHints{Name: "users"}, normalizetest.BenchRecords(perPage))
	if err != nil {
		b.Fatal(err)
	}
	db := open(b)
	tx := begin(b, db)
	if err := tx.Apply(ctx, batch.Changes); err != nil {
		b.Fatal(err)
	}
	rows := batch.Rows()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		for _, tr := range batch.Tables {
			if err := tx.Insert(ctx, tr); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	sec := time.Since(start).Seconds()
	b.ReportMetric(float64(b.N*perPage)/sec, "records/s")
	b.ReportMetric(float64(b.N*rows)/sec, "rows/s")
	b.ReportMetric(0, "ns/op")
}

// TestRollbackAfterSQLiteRolledBack: when SQLite ends the transaction
// itself (an INSERT interrupted by a cancelled context rolls it back),
// Rollback has nothing left to do and must not report an error.
func TestRollbackAfterSQLiteRolledBack(t *testing.T) {
	db := open(t)
	tx := begin(t, db)
	if _, err := tx.(*Tx).conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Errorf("Rollback after SQLite's own rollback: %v", err)
	}
	tx = begin(t, db) // the connection is free again
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
}
