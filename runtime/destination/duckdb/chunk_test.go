//go:build duckdb

package duckdb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/runtime/schema"
)

// chunkRows are n rows of allTypes with NULLs, short (inline) and long
// strings, values before 1970, negative and 38-digit decimals: enough to
// fill several chunks and cross a flush.
func chunkRows(n int) [][]any {
	rng := rand.New(rand.NewPCG(1, 2))
	rows := make([][]any, n)
	for i := range rows {
		r := []any{
			strings.Repeat("é", rng.IntN(20)) + fmt.Sprint(i),
			int64(i) - int64(n/2),
			rng.NormFloat64() * 1e6,
			rng.IntN(2) == 0,
			time.Date(1900+rng.IntN(200), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60), rng.IntN(1e6)*1000, time.UTC),
			time.Date(1800+rng.IntN(400), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC),
			fmt.Sprintf("%02d:%02d:%02d.%06d", rng.IntN(24), rng.IntN(60), rng.IntN(60), rng.IntN(1e6)),
			fmt.Sprintf(`{"k":%d,"s":"%s"}`, i, strings.Repeat("x", rng.IntN(30))),
			fmt.Sprintf("%d.%09d", rng.Int64N(1e15)-5e14, rng.IntN(1e9)),
			fmt.Sprintf("%d.%02d", rng.IntN(1e6)-5e5, rng.IntN(100)),
			fmt.Sprintf("-%d%d", rng.Int64N(1e18), rng.Int64N(1e18)),
			[]byte(strings.Repeat("\x00\xff", rng.IntN(10))),
		}
		// NULLs anywhere but in the NOT NULL column i, and short rows
		for j := range r {
			if j != 1 && rng.IntN(7) == 0 {
				r[j] = nil
			}
		}
		if rng.IntN(11) == 0 {
			r = r[:2+rng.IntN(len(r)-2)]
		}
		rows[i] = r
	}
	return rows
}

// dump reads all_types back as text, row by row in the order of i.
func dump(t *testing.T, db *DB) []string {
	t.Helper()
	var got []string
	err := db.Query(context.Background(), `SELECT CAST(COLUMNS(*) AS VARCHAR) FROM all_types ORDER BY i`, nil,
		func(scan func(...any) error) error {
			vals := make([]any, 12)
			ptrs := make([]any, 12)
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := scan(ptrs...); err != nil {
				return err
			}
			got = append(got, fmt.Sprint(vals...))
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestChunkAppenderMatchesDriver: rows written into chunks from Go read
// back exactly as the same rows appended through duckdb-go's Appender.
func TestChunkAppenderMatchesDriver(t *testing.T) {
	rows := chunkRows(3*flushRows + 77)
	var dumps [2][]string
	for k, chunks := range []bool{true, false} {
		useChunks = chunks
		db, _ := openTest(t)
		ctx := context.Background()
		tx, err := db.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tb := allTypes()
		if err := tx.Apply(ctx, []schema.Change{schema.CreateChange(tb)}); err != nil {
			t.Fatal(err)
		}
		// in batches of 1,000 and in a shuffled column order, as the
		// normalizer hands them over
		cols := []int{11, 0, 5, 1, 3, 2, 4, 6, 7, 8, 9, 10}
		for start := 0; start < len(rows); start += 1000 {
			tr := &schema.TableRows{Table: tb.Name}
			for _, c := range cols {
				tr.Columns = append(tr.Columns, tb.Columns[c].Name)
				tr.Types = append(tr.Types, tb.Columns[c].DataType)
			}
			for _, r := range rows[start:min(start+1000, len(rows))] {
				out := make([]any, len(cols))
				for i, c := range cols {
					if c < len(r) {
						out[i] = r[c]
					}
				}
				tr.Rows = append(tr.Rows, out)
			}
			if err := tx.Insert(ctx, tr); err != nil {
				t.Fatal(err)
			}
			for _, ap := range tx.(*Tx).appenders {
				if _, isChunk := ap.a.(*chunkAppender); isChunk != chunks {
					t.Fatalf("useChunks=%v but the appender is %T", chunks, ap.a)
				}
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		dumps[k] = dump(t, db)
	}
	useChunks = true
	if len(dumps[0]) != len(rows) {
		t.Fatalf("read back %d rows, want %d", len(dumps[0]), len(rows))
	}
	for i := range dumps[0] {
		if dumps[0][i] != dumps[1][i] {
			t.Fatalf("row %d:\n chunks %s\n driver %s", i, dumps[0][i], dumps[1][i])
		}
	}
}

// TestChunkAppenderInvalidUTF8: text that is not UTF-8 is stored with
// U+FFFD for each bad sequence (encoding/json's rule), not dropped.
func TestChunkAppenderInvalidUTF8(t *testing.T) {
	db, _ := openTest(t)
	load(t, db, []any{"ok\xffthen a long tail", int64(1)}, []any{"\xfe", int64(2)})
	got := strings1(t, db, `SELECT t FROM all_types ORDER BY i`)
	if want := []string{"ok\uFFFDthen a long tail", "\uFFFD"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestHugeint(t *testing.T) {
	db, _ := openTest(t)
	vals := []string{"0", "1", "-1", "18446744073709551615", "18446744073709551616", "-18446744073709551616",
		"-18446744073709551617", "99999999999999999999999999999999999999", "-99999999999999999999999999999999999999"}
	var rows [][]any
	for i, v := range vals {
		rows = append(rows, []any{nil, int64(i), nil, nil, nil, nil, nil, nil, nil, nil, v})
	}
	load(t, db, rows...)
	got := strings1(t, db, `SELECT CAST(w AS VARCHAR) FROM all_types ORDER BY i`)
	if strings.Join(got, " ") != strings.Join(vals, " ") {
		t.Errorf("got  %v\nwant %v", got, vals)
	}
}

// BenchmarkAppend appends 100,000 rows of every type (in batches of 1,000,
// then commits) through the chunk appender and through duckdb-go's
// Appender, and reports rows/s.
func BenchmarkAppend(b *testing.B) {
	rows := chunkRows(100_000)
	tb := allTypes()
	tr := &schema.TableRows{Table: tb.Name}
	for _, c := range tb.Columns {
		tr.Columns = append(tr.Columns, c.Name)
		tr.Types = append(tr.Types, c.DataType)
	}
	for _, mode := range []struct {
		name   string
		chunks bool
	}{{"chunks", true}, {"driver", false}} {
		b.Run(mode.name, func(b *testing.B) {
			useChunks = mode.chunks
			defer func() { useChunks = true }()
			ctx := context.Background()
			for i := 0; i < b.N; i++ {
				db, err := Open(b.TempDir()+"/b.duckdb", "bench")
				if err != nil {
					b.Fatal(err)
				}
				tx, err := db.Begin(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if err := tx.Apply(ctx, []schema.Change{schema.CreateChange(tb)}); err != nil {
					b.Fatal(err)
				}
				for start := 0; start < len(rows); start += 1000 {
					tr.Rows = rows[start : start+1000]
					if err := tx.Insert(ctx, tr); err != nil {
						b.Fatal(err)
					}
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
				db.Close()
			}
			b.ReportMetric(float64(len(rows)*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// TestWideTableFitsMemoryLimit: a 250-column table loads with the default
// memory settings (DuckDB pins memory for every column it appends to; at a
// fixed 32 MB such a table failed with "could not allocate block").
func TestWideTableFitsMemoryLimit(t *testing.T) {
	const ncol, nrows = 250, 12_000
	db, _ := openTest(t)
	ctx := context.Background()
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	tb := &schema.Table{Name: "wide"}
	tr := &schema.TableRows{Table: "wide"}
	for i := 0; i < ncol; i++ {
		name, dt := fmt.Sprintf("c%d", i), schema.Text
		if i%2 == 1 {
			dt = schema.Bigint
		}
		tb.Columns = append(tb.Columns, &schema.Column{Name: name, DataType: dt, Nullable: true})
		tr.Columns = append(tr.Columns, name)
		tr.Types = append(tr.Types, dt)
	}
	if err := tx.Apply(ctx, []schema.Change{schema.CreateChange(tb)}); err != nil {
		t.Fatal(err)
	}
	for start := 0; start < nrows; start += 1000 {
		tr.Rows = tr.Rows[:0]
		for r := start; r < start+1000; r++ {
			row := make([]any, ncol)
			for i := range row {
				if i%2 == 1 {
					row[i] = int64(r * i)
				} else {
					row[i] = fmt.Sprintf("value %d of row %d, long enough", i, r)
				}
			}
			tr.Rows = append(tr.Rows, row)
		}
		if err := tx.Insert(ctx, tr); err != nil {
			t.Fatalf("rows from %d: %v", start, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var n int64
	err = db.Query(ctx, `SELECT count(*) FROM wide WHERE c2 = 'value 2 of row ' || CAST(c1 AS BIGINT) || ', long enough'`, nil,
		func(scan func(...any) error) error { return scan(&n) })
	if err != nil || n != nrows {
		t.Fatalf("read back %d matching rows (%v), want %d", n, err, nrows)
	}
}

// strings1 runs a query of one text column and returns its values.
func strings1(t *testing.T, db *DB, q string) []string {
	t.Helper()
	var got []string
	err := db.Query(context.Background(), q, nil, func(scan func(...any) error) error {
		var s string
		if err := scan(&s); err != nil {
			return err
		}
		got = append(got, s)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}
