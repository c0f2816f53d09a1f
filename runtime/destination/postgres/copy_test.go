package postgres

import (
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/schema"
)

func TestAppendText(t *testing.T) {
	when := time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)
	tests := []struct {
		v    any
		k    kind
		want string
	}{
		{nil, kindText, `\N`},
		{"a\tb\nc\rd\\e", kindText, `a\tb\nc\rd\\e`},
		{"plain", kindJSON, "plain"},
		{"\x00\x01\xff", kindBytes, `\\x0001ff`},
		{[]byte("ab"), kindBytes, `\\x6162`},
		{[]byte("a\tb"), kindText, `a\tb`},
		{int64(-42), kindInt, "-42"},
		{1.5, kindDouble, "1.5"},
		{1e21, kindDouble, "1e+21"},
		{math.NaN(), kindDouble, "NaN"},
		{math.Inf(-1), kindDouble, "-Infinity"},
		{2.0, kindInt, "2"},
		{0.5, kindText, "0.5"},
		{true, kindOther, "t"},
		{false, kindText, "false"},
		{true, kindInt, "1"},
		{when, kindOther, "2024-05-06 07:08:09.123456+00"},
		{when, kindText, "2024-05-06T07:08:09.123456Z"},
		{when, kindDate, "2024-05-06"},
	}
	for _, tt := range tests {
		got, err := appendText(nil, tt.v, tt.k)
		if err != nil || string(got) != tt.want {
			t.Errorf("appendText(%#v, %d) = %q, %v; want %q", tt.v, tt.k, got, err, tt.want)
		}
	}
	if _, err := appendText(nil, 2.5, kindInt); err == nil || !strings.Contains(err.Error(), "not an integer") {
		t.Errorf("2.5 into bigint: %v", err)
	}
}

// unescape reads COPY text's escapes back, as the server does.
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// FuzzAppendEscaped: any text reads back as itself, and its escaped form
// has no tab or line break that would split a COPY row.
func FuzzAppendEscaped(f *testing.F) {
	for _, s := range []string{"", "a\tb", "\\N", "x\\", "\r\n", "é\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := string(appendEscaped(nil, s))
		if strings.ContainsAny(out, "\t\n\r") {
			t.Fatalf("appendEscaped(%q) = %q has a raw separator", s, out)
		}
		if back := unescape(out); back != s {
			t.Fatalf("appendEscaped(%q) = %q reads back as %q", s, out, back)
		}
	})
}

// TestCopyErrorNamesTheColumn: a value the server refuses fails the load
// with the table, the column and the value.
func TestCopyErrorNamesTheColumn(t *testing.T) {
	db := open(t)
	tx := begin(t, db)
	defer tx.Rollback()
	must(t, tx.Apply(ctx, []schema.Change{{Kind: schema.CreateTable, Table: "n", Columns: []schema.Column{col("d", schema.Decimal, true)}}}))
	must(t, tx.Insert(ctx, &schema.TableRows{Table: "n", Columns: []string{"d"}, Rows: [][]any{{"1.5"}, {"not a number"}}}))
	err := tx.Commit()
	if err == nil || !strings.Contains(err.Error(), "writing rows into n") || !strings.Contains(err.Error(), "column d") || !strings.Contains(err.Error(), "not a number") {
		t.Fatalf("Commit = %v", err)
	}
	if ok, _ := db.TableExists(ctx, "n"); ok {
		t.Error("the failed run's table exists")
	}
}

// TestConcurrentRunsCreateTheSameTable: two runs that create the same
// table at once both commit; the second uses the first's table (the
// savepoint absorbs the duplicate) and both runs' rows are there.
func TestConcurrentRunsCreateTheSameTable(t *testing.T) {
	dsn := pgtestDSN(t)
	var dbs []*DB
	for range 2 {
		db, err := Open(ctx, dsn, dataset)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs = append(dbs, db)
	}
	cols := []schema.Column{col("id", schema.Bigint, false), col("who", schema.Text, true)}
	txs := make([]destination.Tx, 2)
	for i, db := range dbs {
		txs[i] = begin(t, db)
	}
	must(t, txs[0].Apply(ctx, []schema.Change{{Kind: schema.CreateTable, Table: "same", Columns: cols}}))
	must(t, txs[0].Insert(ctx, &schema.TableRows{Table: "same", Columns: []string{"id", "who"}, Rows: [][]any{{int64(1), "first"}}}))
	var wg sync.WaitGroup
	var err2 error
	wg.Add(1)
	go func() {
		defer wg.Done()
		// blocks on the first run's uncommitted table until it commits
		if err2 = txs[1].Apply(ctx, []schema.Change{{Kind: schema.CreateTable, Table: "same", Columns: append(cols, col("extra", schema.Bool, true))}}); err2 != nil {
			return
		}
		if err2 = txs[1].Insert(ctx, &schema.TableRows{Table: "same", Columns: []string{"id", "who", "extra"}, Rows: [][]any{{int64(2), "second", true}}}); err2 != nil {
			return
		}
		err2 = txs[1].Commit()
	}()
	time.Sleep(200 * time.Millisecond) // let the second run reach its CREATE TABLE
	must(t, txs[0].Commit())
	wg.Wait()
	must(t, err2)
	got := queryStrings(t, dbs[0], `SELECT id, who, extra FROM same ORDER BY id`)
	if len(got) != 2 || got[0][1] != "first" || got[1][1] != "second" || got[1][2] != "true" {
		t.Errorf("rows: %v", got)
	}
}
