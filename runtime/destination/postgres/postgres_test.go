package postgres

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/pgtest"
	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/schema"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var ctx = context.Background()

const dataset = "test_dataset"

func pgtestDSN(t *testing.T) string { return pgtest.DSN(t) }

func open(t *testing.T) *DB {
	t.Helper()
	db, err := Open(ctx, pgtest.DSN(t), dataset)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func begin(t *testing.T, db *DB) destination.Tx {
	t.Helper()
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

func col(name string, dt schema.DataType, nullable bool) schema.Column {
	return schema.Column{Name: name, DataType: dt, Nullable: nullable}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// queryStrings runs q through r (a *DB or its Tx) and returns every row
// as text (NULL as "").
func queryStrings(t *testing.T, r destination.Reader, query string, args ...any) [][]string {
	t.Helper()
	var qr querier
	switch x := r.(type) {
	case *DB:
		qr = x.conn
	case *Tx:
		qr = x.tx
	}
	rows, err := qr.Query(ctx, numbered(query), args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			if v != nil {
				row[i] = fmt.Sprint(v)
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return out
}

// TestTypes creates a table with a column of every dlt type and checks
// what information_schema (what psql's \d shows) says of each, then that
// the values COPY wrote read back as given.
func TestTypes(t *testing.T) {
	p, s := 10, 2
	tp := 3
	cols := []schema.Column{
		col("t", schema.Text, true), {Name: "t8", DataType: schema.Text, Nullable: true, Precision: &[]int{8}[0]},
		col("b", schema.Bigint, false), col("d", schema.Double, true), col("ok", schema.Bool, true),
		col("ts", schema.Timestamp, true), {Name: "ts3", DataType: schema.Timestamp, Nullable: true, Precision: &tp},
		col("day", schema.Date, true), col("tm", schema.Time, true), col("j", schema.JSON, true),
		col("dec", schema.Decimal, true), {Name: "dec2", DataType: schema.Decimal, Nullable: true, Precision: &p, Scale: &s},
		col("w", schema.Wei, true), col("bin", schema.Binary, true),
	}
	want := map[string]string{
		"t": "character varying", "t8": "character varying(8)", "b": "bigint NOT NULL", "d": "double precision", "ok": "boolean",
		"ts": "timestamp with time zone", "ts3": "timestamp(3) with time zone", "day": "date", "tm": "time without time zone",
		"j": "jsonb", "dec": "numeric(38,9)", "dec2": "numeric(10,2)", "w": "numeric(156,78)", "bin": "bytea",
	}
	db := open(t)
	tx := begin(t, db)
	must(t, tx.Apply(ctx, []schema.Change{{Kind: schema.CreateTable, Table: "every", Columns: cols}}))
	when := mustTime(t, "2024-05-06T07:08:09.123456Z")
	day := mustTime(t, "2024-05-06T00:00:00Z")
	var names []string
	for _, c := range cols {
		names = append(names, c.Name)
	}
	rows := [][]any{
		{"héllo", "short", int64(-42), 1.5, true, when, when, day, "13:14:15.250000", `{"a":[1,2],"b":"x"}`,
			"12345.678901234", "3.14159", "123456789012345678901234567890", []byte{0, 1, 255}},
		{nil, nil, int64(7)}, // a short row: the rest is NULL
		// values of another type than the column's are converted
		{int64(5), nil, int64(8), int64(3), false, nil, nil, nil, nil, `[1]`, int64(12), 2.5, int64(9), "raw"},
	}
	must(t, tx.Insert(ctx, &schema.TableRows{Table: "every", Columns: names, Rows: rows}))
	must(t, tx.Commit())

	got := map[string]string{}
	err := db.Query(ctx, `SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull FROM pg_attribute a
WHERE a.attrelid = 'test_dataset.every'::regclass AND a.attnum > 0 ORDER BY a.attnum`, nil, func(scan func(...any) error) error {
		var n, ty string
		var nn bool
		if err := scan(&n, &ty, &nn); err != nil {
			return err
		}
		if nn {
			ty += " NOT NULL"
		}
		got[n] = ty
		return nil
	})
	must(t, err)
	for name, w := range want {
		if got[name] != w {
			t.Errorf("column %s is %q, want %q", name, got[name], w)
		}
	}
	// information_schema agrees (what \d and tools read)
	is := queryStrings(t, db, `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = 'every' AND column_name IN ('j', 'ts', 'w') ORDER BY column_name`, dataset)
	if fmt.Sprint(is) != "[[j jsonb] [ts timestamp with time zone] [w numeric]]" {
		t.Errorf("information_schema.columns: %v", is)
	}

	vals := queryStrings(t, db, `SELECT t || '|' || t8 || '|' || b || '|' || d || '|' || ok, ts AT TIME ZONE 'UTC' || '|' || ts3 AT TIME ZONE 'UTC' || '|' || day || '|' || tm, j::text, dec || '|' || dec2 || '|' || w::numeric(60,0), encode(bin, 'hex') FROM every WHERE b = -42`)
	wantVals := []string{"héllo|short|-42|1.5|true", "2024-05-06 07:08:09.123456|2024-05-06 07:08:09.123|2024-05-06|13:14:15.25",
		`{"a": [1, 2], "b": "x"}`, "12345.678901234|3.14|123456789012345678901234567890", "0001ff"}
	if len(vals) != 1 || fmt.Sprint(vals[0]) != fmt.Sprint(wantVals) {
		t.Errorf("values read back:\n got %q\nwant %q", vals, wantVals)
	}
	conv := queryStrings(t, db, `SELECT t, d::text, dec::text, dec2::text, w::numeric(60,0)::text, encode(bin, 'escape') FROM every WHERE b = 8`)
	if fmt.Sprint(conv) != "[[5 3 12.000000000 2.50 9 raw]]" {
		t.Errorf("converted values: %q", conv)
	}
	nulls := queryStrings(t, db, `SELECT count(*)::text FROM every WHERE b = 7 AND t IS NULL AND j IS NULL AND bin IS NULL`)
	if nulls[0][0] != "1" {
		t.Errorf("the short row's missing values are not NULL")
	}
}

// TestSchemaEvolution adds columns to a table as data brings them, in the
// same run and in the next, and checks Rollback leaves nothing.
func TestSchemaEvolution(t *testing.T) {
	db := open(t)
	tx := begin(t, db)
	must(t, tx.Apply(ctx, []schema.Change{{Kind: schema.CreateTable, Table: "u", Columns: []schema.Column{col("id", schema.Bigint, false)}}}))
	must(t, tx.Insert(ctx, &schema.TableRows{Table: "u", Columns: []string{"id"}, Rows: [][]any{{int64(1)}}}))
	must(t, tx.Apply(ctx, []schema.Change{{Kind: schema.AddColumns, Table: "u", Columns: []schema.Column{col("name", schema.Text, false)}}}))
	// repeating a change is harmless
	must(t, tx.Apply(ctx, []schema.Change{{Kind: schema.CreateTable, Table: "u", Columns: []schema.Column{col("id", schema.Bigint, false), col("name", schema.Text, false)}}}))
	must(t, tx.Insert(ctx, &schema.TableRows{Table: "u", Columns: []string{"name", "id"}, Rows: [][]any{{"b", int64(2)}}}))
	must(t, tx.Commit())
	got := queryStrings(t, db, `SELECT id, name, (SELECT is_nullable FROM information_schema.columns WHERE table_schema = ? AND table_name = 'u' AND column_name = 'name') FROM u ORDER BY id`, dataset)
	if fmt.Sprint(got) != "[[1  YES] [2 b YES]]" {
		t.Errorf("rows: %q", got)
	}

	tx = begin(t, db)
	must(t, tx.Apply(ctx, []schema.Change{
		{Kind: schema.AddColumns, Table: "u", Columns: []schema.Column{col("extra", schema.JSON, true)}},
		{Kind: schema.CreateTable, Table: "gone", Columns: []schema.Column{col("x", schema.Bigint, true)}},
	}))
	must(t, tx.Insert(ctx, &schema.TableRows{Table: "u", Columns: []string{"id"}, Rows: [][]any{{int64(3)}}}))
	must(t, tx.Rollback())
	if ok, err := db.TableExists(ctx, "gone"); err != nil || ok {
		t.Errorf("a table created in a rolled back run exists: %v %v", ok, err)
	}
	if got := queryStrings(t, db, `SELECT count(*)::text FROM information_schema.columns WHERE table_schema = ? AND table_name = 'u'`, dataset); got[0][0] != "2" {
		t.Errorf("u has %s columns after a rolled back ADD COLUMN, want 2", got[0][0])
	}
	if got := queryStrings(t, db, `SELECT count(*)::text FROM u`); got[0][0] != "2" {
		t.Errorf("u has %s rows after a rolled back insert", got[0][0])
	}
}

// TestTruncate empties existing tables and skips missing ones.
func TestTruncate(t *testing.T) {
	db := open(t)
	tx := begin(t, db)
	must(t, tx.Apply(ctx, []schema.Change{{Kind: schema.CreateTable, Table: "a", Columns: []schema.Column{col("x", schema.Bigint, true)}}}))
	must(t, tx.Insert(ctx, &schema.TableRows{Table: "a", Columns: []string{"x"}, Rows: [][]any{{int64(1)}, {int64(2)}}}))
	must(t, tx.Commit())
	tx = begin(t, db)
	must(t, tx.Truncate(ctx, []string{"a", "missing"}))
	must(t, tx.Insert(ctx, &schema.TableRows{Table: "a", Columns: []string{"x"}, Rows: [][]any{{int64(3)}}}))
	must(t, tx.Commit())
	if got := queryStrings(t, db, `SELECT x FROM a`); fmt.Sprint(got) != "[[3]]" {
		t.Errorf("after truncate: %v", got)
	}
}

// TestMergeJobs runs one MergeJob per case on the same destination rows
// (ids 1, 2, 3 with one nested row each) and staged rows.
func TestMergeJobs(t *testing.T) {
	type stagedRow struct {
		id   int64
		v    any
		del  any
		sort any
		rid  string
		kid  string
	}
	staged := []stagedRow{
		{2, "two-a", nil, int64(2), "s1", "k-a"},
		{4, "four", nil, int64(1), "s2", "k-b"},
		{2, "two-b", nil, int64(1), "s3", "k-c"},
		{3, nil, true, int64(1), "s4", ""},
	}
	tests := []struct {
		name string
		job  destination.MergeJob
		want [][]string // id, v, nested x of the row, sorted
		err  string
	}{
		{"delete-insert, last staged wins", destination.MergeJob{PrimaryKey: []string{"id"}},
			[][]string{{"1", "one", "old1"}, {"2", "two-b", "k-c"}, {"3", "", ""}, {"4", "four", "k-b"}}, ""},
		{"delete-insert with hard_delete and dedup_sort desc", destination.MergeJob{PrimaryKey: []string{"id"}, HardDelete: []destination.HardDeleteColumn{{Column: "del", Bool: true}},
			DedupSort: []destination.SortColumn{{Column: "srt", Desc: true}}},
			[][]string{{"1", "one", "old1"}, {"2", "two-a", "k-a"}, {"4", "four", "k-b"}}, ""},
		{"delete-insert deduplicated inserts every staged row", destination.MergeJob{Strategy: destination.DeleteInsert, PrimaryKey: []string{"id"}, Deduplicated: true},
			[][]string{{"1", "one", "old1"}, {"2", "two-a", "k-a"}, {"2", "two-b", "k-c"}, {"3", "", ""}, {"4", "four", "k-b"}}, ""},
		{"delete-insert by merge key", destination.MergeJob{MergeKey: []string{"id"}, Deduplicated: true},
			[][]string{{"1", "one", "old1"}, {"2", "two-a", "k-a"}, {"2", "two-b", "k-c"}, {"3", "", ""}, {"4", "four", "k-b"}}, ""},
		{"upsert", destination.MergeJob{Strategy: destination.Upsert, PrimaryKey: []string{"id"}},
			[][]string{{"1", "one", "old1"}, {"2", "two-b", "k-c"}, {"3", "", ""}, {"4", "four", "k-b"}}, ""},
		{"upsert de-duplicates even when told the rows are", destination.MergeJob{Strategy: destination.Upsert, PrimaryKey: []string{"id"}, Deduplicated: true},
			[][]string{{"1", "one", "old1"}, {"2", "two-b", "k-c"}, {"3", "", ""}, {"4", "four", "k-b"}}, ""},
		{"upsert with hard_delete read as not null", destination.MergeJob{Strategy: destination.Upsert, PrimaryKey: []string{"id"}, HardDelete: []destination.HardDeleteColumn{{Column: "del"}}},
			[][]string{{"1", "one", "old1"}, {"2", "two-b", "k-c"}, {"4", "four", "k-b"}}, ""},
		{"upsert with a key of two columns", destination.MergeJob{Strategy: destination.Upsert, PrimaryKey: []string{"id", "srt"}},
			[][]string{{"1", "one", "old1"}, {"2", "two", "old2"}, {"2", "two-a", "k-a"}, {"2", "two-b", "k-c"}, {"3", "", ""}, {"3", "three", "old3"}, {"4", "four", "k-b"}}, ""},
		{"upsert needs a primary key", destination.MergeJob{Strategy: destination.Upsert, MergeKey: []string{"id"}}, nil, "needs a primary_key"},
		{"an unknown strategy", destination.MergeJob{Strategy: "scd2", PrimaryKey: []string{"id"}}, nil, `unknown merge strategy "scd2"`},
	}
	cols := []schema.Column{col("id", schema.Bigint, false), col("v", schema.Text, true), col("del", schema.Bool, true),
		col("srt", schema.Bigint, true), col("_dlt_id", schema.Text, false)}
	kidCols := []schema.Column{col("x", schema.Text, true), col("_dlt_root_id", schema.Text, false), col("_dlt_id", schema.Text, false)}
	names := func(cs []schema.Column) (n []string) {
		for _, c := range cs {
			n = append(n, c.Name)
		}
		return n
	}
	db := open(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tx := begin(t, db)
			defer tx.Rollback()
			r, k := fmt.Sprintf("r%d", i), fmt.Sprintf("r%d__k", i)
			must(t, tx.Apply(ctx, []schema.Change{{Kind: schema.CreateTable, Table: r, Columns: cols}, {Kind: schema.CreateTable, Table: k, Columns: kidCols}}))
			must(t, tx.Insert(ctx, &schema.TableRows{Table: r, Columns: names(cols), Rows: [][]any{
				{int64(1), "one", nil, nil, "d1"}, {int64(2), "two", nil, nil, "d2"}, {int64(3), "three", nil, nil, "d3"}}}))
			must(t, tx.Insert(ctx, &schema.TableRows{Table: k, Columns: names(kidCols), Rows: [][]any{
				{"old1", "d1", "o1"}, {"old2", "d2", "o2"}, {"old3", "d3", "o3"}}}))
			var sr, sk [][]any
			for _, s := range staged {
				sr = append(sr, []any{s.id, s.v, s.del, s.sort, s.rid})
				if s.kid != "" {
					sk = append(sk, []any{s.kid, s.rid, "n" + s.rid})
				}
			}
			must(t, tx.Stage(ctx, &schema.TableRows{Table: r, Columns: names(cols), Rows: sr[:2]}))
			must(t, tx.Stage(ctx, &schema.TableRows{Table: k, Columns: names(kidCols), Rows: sk}))
			must(t, tx.Stage(ctx, &schema.TableRows{Table: r, Columns: names(cols), Rows: sr[2:]}))
			job := tt.job
			job.Root, job.Nested = r, []string{k}
			err := tx.Merge(ctx, job)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Merge = %v, want an error containing %q", err, tt.err)
				}
				return
			}
			must(t, err)
			got := queryStrings(t, tx, `SELECT r.id, r.v, k.x FROM `+r+` r LEFT JOIN `+k+` k ON k._dlt_root_id = r._dlt_id ORDER BY r.id, r.v`)
			sort.Slice(got, func(a, b int) bool { return fmt.Sprint(got[a]) < fmt.Sprint(got[b]) })
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("\n got %v\nwant %v", got, tt.want)
			}
			orphans := queryStrings(t, tx, `SELECT x, _dlt_root_id FROM `+k+` WHERE _dlt_root_id NOT IN (SELECT _dlt_id FROM `+r+`)`)
			if len(orphans) > 0 {
				t.Errorf("orphaned nested rows %v", orphans)
			}
			if ok, err := tx.TableExists(ctx, stagingPrefix+r); err != nil || ok {
				t.Errorf("staging table left in the dataset: %v %v", ok, err)
			}
		})
	}
}

// TestMergeBackfillsRootIDs merges into nested rows loaded before the
// root was a merge table (no _dlt_root_id): their records are replaced too.
func TestMergeBackfillsRootIDs(t *testing.T) {
	db := open(t)
	tx := begin(t, db)
	must(t, tx.Apply(ctx, []schema.Change{
		{Kind: schema.CreateTable, Table: "p", Columns: []schema.Column{col("id", schema.Bigint, false), col("_dlt_id", schema.Text, false)}},
		{Kind: schema.CreateTable, Table: "p__c", Columns: []schema.Column{col("x", schema.Text, true), col("_dlt_parent_id", schema.Text, false), col("_dlt_id", schema.Text, false)}},
		{Kind: schema.CreateTable, Table: "p__c__g", Columns: []schema.Column{col("y", schema.Text, true), col("_dlt_parent_id", schema.Text, false), col("_dlt_id", schema.Text, false)}},
	}))
	must(t, tx.Insert(ctx, &schema.TableRows{Table: "p", Columns: []string{"id", "_dlt_id"}, Rows: [][]any{{int64(1), "a"}, {int64(2), "b"}}}))
	must(t, tx.Insert(ctx, &schema.TableRows{Table: "p__c", Columns: []string{"x", "_dlt_parent_id", "_dlt_id"}, Rows: [][]any{{"a1", "a", "ca"}, {"b1", "b", "cb"}}}))
	must(t, tx.Insert(ctx, &schema.TableRows{Table: "p__c__g", Columns: []string{"y", "_dlt_parent_id", "_dlt_id"}, Rows: [][]any{{"ga", "ca", "g1"}, {"gb", "cb", "g2"}}}))
	must(t, tx.Commit())

	tx = begin(t, db)
	must(t, tx.Apply(ctx, []schema.Change{
		{Kind: schema.AddColumns, Table: "p__c", Columns: []schema.Column{col("_dlt_root_id", schema.Text, true)}},
	}))
	must(t, tx.Stage(ctx, &schema.TableRows{Table: "p", Columns: []string{"id", "_dlt_id"}, Rows: [][]any{{int64(1), "n"}}}))
	must(t, tx.Stage(ctx, &schema.TableRows{Table: "p__c", Columns: []string{"x", "_dlt_parent_id", "_dlt_id", "_dlt_root_id"}, Rows: [][]any{{"new", "n", "cn", "n"}}}))
	must(t, tx.Merge(ctx, destination.MergeJob{Root: "p", PrimaryKey: []string{"id"}, Nested: []string{"p__c", "p__c__g"},
		Parents: map[string]string{"p__c": "p", "p__c__g": "p__c"}}))
	must(t, tx.Commit())
	if got := queryStrings(t, db, `SELECT x, _dlt_root_id FROM p__c ORDER BY x`); fmt.Sprint(got) != "[[b1 b] [new n]]" {
		t.Errorf("p__c: %v", got)
	}
	if got := queryStrings(t, db, `SELECT y, _dlt_root_id FROM p__c__g ORDER BY y`); fmt.Sprint(got) != "[[gb b]]" {
		t.Errorf("p__c__g: %v", got)
	}
}

// TestPlaceholders: the loader's `?` reach the server as parameters.
func TestPlaceholders(t *testing.T) {
	db := open(t)
	tx := begin(t, db)
	defer tx.Rollback()
	must(t, tx.Apply(ctx, []schema.Change{{Kind: schema.CreateTable, Table: "q?", Columns: []schema.Column{col("a?", schema.Text, true), col("b", schema.Bigint, true)}}}))
	must(t, tx.Exec(ctx, `INSERT INTO "q?" ("a?", "b") VALUES (?, ?)`, "x?", int64(2)))
	got := queryStrings(t, tx, `SELECT "a?" || '?', b FROM "q?" WHERE b = ? AND "a?" = ?`, int64(2), "x?")
	if fmt.Sprint(got) != "[[x?? 2]]" {
		t.Errorf("got %v", got)
	}
}

func mustTime(t *testing.T, s string) any {
	t.Helper()
	tm, err := parseTime(s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}
