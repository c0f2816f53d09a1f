//go:build duckdb

package duckdb

import (
	"context"
	"database/sql/driver"
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/runtime/schema"
)

func intp(i int) *int { return &i }

// allTypes is a table with one column of every dlt type.
func allTypes() *schema.Table {
	return &schema.Table{Name: "all_types", Columns: []*schema.Column{
		{Name: "t", DataType: schema.Text, Nullable: true},
		{Name: "i", DataType: schema.Bigint, Nullable: false},
		{Name: "d", DataType: schema.Double, Nullable: true},
		{Name: "b", DataType: schema.Bool, Nullable: true},
		{Name: "ts", DataType: schema.Timestamp, Nullable: true},
		{Name: "day", DataType: schema.Date, Nullable: true},
		{Name: "tm", DataType: schema.Time, Nullable: true},
		{Name: "j", DataType: schema.JSON, Nullable: true},
		{Name: "dec", DataType: schema.Decimal, Nullable: true},
		{Name: "money", DataType: schema.Decimal, Precision: intp(10), Scale: intp(2), Nullable: true},
		{Name: "w", DataType: schema.Wei, Nullable: true},
		{Name: "bin", DataType: schema.Binary, Nullable: true},
	}}
}

func openTest(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.duckdb")
	db, err := Open(path, "my_dataset")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

// load writes rows of allTypes in one transaction and commits.
func load(t *testing.T, db *DB, rows ...[]any) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	tb := allTypes()
	if err := tx.Apply(ctx, []schema.Change{schema.CreateChange(tb)}); err != nil {
		t.Fatal(err)
	}
	tr := &schema.TableRows{Table: tb.Name, Rows: rows}
	for _, c := range tb.Columns {
		tr.Columns = append(tr.Columns, c.Name)
		tr.Types = append(tr.Types, c.DataType)
	}
	if err := tx.Insert(ctx, tr); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestTypesAsDlt: DESCRIBE shows the types dlt's duckdb destination
// declares, NOT NULL where the column is not nullable, in the dataset's
// schema.
func TestTypesAsDlt(t *testing.T) {
	db, _ := openTest(t)
	load(t, db)
	want := []string{
		"t VARCHAR YES", "i BIGINT NO", "d DOUBLE YES", "b BOOLEAN YES", "ts TIMESTAMP WITH TIME ZONE YES",
		"day DATE YES", "tm TIME YES", "j JSON YES", "dec DECIMAL(38,9) YES", "money DECIMAL(10,2) YES",
		"w DECIMAL(38,0) YES", "bin BLOB YES",
	}
	var got []string
	err := db.Query(context.Background(), `DESCRIBE my_dataset.all_types`, nil, func(scan func(...any) error) error {
		var name, typ, null string
		var key, def, extra any
		if err := scan(&name, &typ, &null, &key, &def, &extra); err != nil {
			return err
		}
		got = append(got, name+" "+typ+" "+null)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("DESCRIBE:\n got %v\nwant %v", got, want)
	}
	if ok, err := db.TableExists(context.Background(), "all_types"); !ok || err != nil {
		t.Errorf("TableExists = %v, %v", ok, err)
	}
	if !strings.Contains(db.Describe(), "schema my_dataset") {
		t.Errorf("Describe() = %s", db.Describe())
	}
}

// TestValuesRoundTrip: every kind of normalized value reads back as the
// value it was.
func TestValuesRoundTrip(t *testing.T) {
	db, _ := openTest(t)
	ts := time.Date(2022, 6, 1, 0, 48, 35, 40_000_000, time.UTC)
	day := time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC)
	load(t, db,
		[]any{"héllo", int64(-9223372036854775808), 1.5, true, ts, day, "15:04:05.250000", `{"b":[1,2],"a":"x<y"}`,
			"12345.123456789", "-0.125", "1180591620717411303424", []byte{0, 1, 2}},
		[]any{nil, int64(2)}, // a short row: the rest is NULL
	)
	q := `SELECT t, i, d, b, ts, day, CAST(tm AS VARCHAR), j->>'$.a', CAST(dec AS VARCHAR), CAST(money AS VARCHAR), CAST(w AS VARCHAR), bin
		FROM all_types ORDER BY i`
	var got []string
	err := db.Query(context.Background(), q, nil, func(scan func(...any) error) error {
		vals := make([]any, 12)
		ptrs := make([]any, 12)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			if x, ok := v.(time.Time); ok {
				vals[i] = x.UTC().Format(time.RFC3339Nano)
			}
		}
		got = append(got, fmt.Sprint(vals...))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		fmt.Sprint("héllo", int64(-9223372036854775808), 1.5, true, "2022-06-01T00:48:35.04Z", "2022-06-01T00:00:00Z",
			"15:04:05.25", "x<y", "12345.123456789", "-0.13", "1180591620717411303424", []byte{0, 1, 2}),
		fmt.Sprint(nil, int64(2), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil),
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("\n got %q\nwant %q", got, want)
	}
}

// TestRollbackLeavesFileUnchanged: nothing of a rolled-back run remains,
// appended rows included; a second transaction while one is open fails.
func TestRollbackLeavesFileUnchanged(t *testing.T) {
	db, _ := openTest(t)
	load(t, db, []any{"a", int64(1)})
	ctx := context.Background()
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Begin(ctx); err == nil {
		t.Error("a second Begin succeeded")
	}
	if _, err := db.TableExists(ctx, "all_types"); err == nil {
		t.Error("reading through the DB during a transaction succeeded")
	}
	rows := &schema.TableRows{Table: "all_types", Columns: []string{"t", "i"}, Types: []schema.DataType{schema.Text, schema.Bigint},
		Rows: [][]any{{"b", int64(2)}, {"c", int64(3)}}}
	if err := tx.Insert(ctx, rows); err != nil {
		t.Fatal(err)
	}
	extra := &schema.Table{Name: "extra", Columns: []*schema.Column{{Name: "x", DataType: schema.Text, Nullable: true}}}
	if err := tx.Apply(ctx, []schema.Change{schema.CreateChange(extra)}); err != nil {
		t.Fatal(err)
	}
	var inTx int
	if err := tx.Query(ctx, `SELECT count(*) FROM all_types`, nil, func(scan func(...any) error) error { return scan(&inTx) }); err != nil || inTx != 3 {
		t.Errorf("inside the transaction: %d rows, %v; want 3", inTx, err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.Query(ctx, `SELECT count(*) FROM all_types`, nil, func(scan func(...any) error) error { return scan(&n) }); err != nil || n != 1 {
		t.Errorf("after rollback: %d rows, %v; want 1", n, err)
	}
	if ok, _ := db.TableExists(ctx, "extra"); ok {
		t.Error("a table created in the rolled-back run exists")
	}
}

// TestErrorsNameTheColumn: a value the column cannot take fails the
// insert with the column's name and what to change.
func TestErrorsNameTheColumn(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := tx.Apply(ctx, []schema.Change{schema.CreateChange(allTypes())}); err != nil {
		t.Fatal(err)
	}
	rows := &schema.TableRows{Table: "all_types", Columns: []string{"i", "money"}, Types: []schema.DataType{schema.Bigint, schema.Decimal},
		Rows: [][]any{{int64(1), "123456789012"}}}
	err = tx.Insert(ctx, rows)
	if err == nil || !strings.Contains(err.Error(), "column money") || !strings.Contains(err.Error(), "precision") {
		t.Errorf("Insert = %v, want an error naming column money and its precision", err)
	}
}

func TestDecimalValue(t *testing.T) {
	c38 := &column{name: "c", kind: kindDecimal, precision: 38, scale: 9}
	c10 := &column{name: "c", kind: kindDecimal, precision: 10, scale: 2}
	c0 := &column{name: "c", kind: kindDecimal, precision: 38, scale: 0}
	big38, _ := new(big.Int).SetString("12345123456789", 10)
	wei, _ := new(big.Int).SetString("1180591620717411303424", 10)
	tests := []struct {
		in   string
		col  *column
		want driver.Value
		err  string
	}{
		{"12345.123456789", c38, big38, ""},
		{"1.005", c10, int64(101), ""}, // half away from zero
		{"-1.005", c10, int64(-101), ""},
		{"1e3", c10, int64(100000), ""},
		{"  7 ", c10, int64(700), ""},
		{"99999999.99", c10, int64(9999999999), ""},
		{"100000000", c10, nil, "does not fit DECIMAL(10,2)"},
		{"1180591620717411303424", c0, wei, ""},
		{"abc", c10, nil, "not a decimal number"},
		{"", c10, nil, "not a decimal number"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := decimalValue(tt.in, tt.col)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("decimalValue(%q) = %v, %v; want error %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g, ok := got.(*big.Int); ok {
				if g.Cmp(tt.want.(*big.Int)) != 0 {
					t.Errorf("decimalValue(%q) = %s, want %s", tt.in, g, tt.want)
				}
				return
			}
			if got != tt.want {
				t.Errorf("decimalValue(%q) = %v (%T), want %v", tt.in, got, got, tt.want)
			}
		})
	}
}

// FuzzDecimalValue: decimal text from an API never panics, and what it
// accepts fits the column.
func FuzzDecimalValue(f *testing.F) {
	for _, s := range []string{"1.5", "-0.000000001", "1e40", "1/3", "0x10", "9999999999999999999999999999.999999999", "NaN"} {
		f.Add(s)
	}
	c := &column{name: "c", kind: kindDecimal, precision: 38, scale: 9}
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(38), nil)
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 200 {
			return // big.Rat's exponent handling is the cost, not the subject
		}
		v, err := decimalValue(s, c)
		if err != nil {
			return
		}
		if b, ok := v.(*big.Int); !ok || new(big.Int).Abs(b).Cmp(limit) >= 0 {
			t.Fatalf("decimalValue(%q) = %v, beyond DECIMAL(38,9)", s, v)
		}
	})
}
