package browse

import (
	"context"
	"testing"
	"time"

	"github.com/sluicehq/sluice/runtime/destination/sqlite"
)

// bigShop is the shop database with 1,000,000 more users, made with one
// INSERT … WITH RECURSIVE.
func bigShop(b *testing.B) string {
	b.Helper()
	s := loadShop(b)
	d, err := sqlite.Open(s.path)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	_, err = d.SQL().Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
INSERT INTO users (id, name, email, _dlt_load_id, _dlt_id)
SELECT 1000 + i, 'user ' || i, 'u' || i || '@example.com', '1.0', 'big' || i FROM n`)
	if err != nil {
		b.Fatal(err)
	}
	return s.path
}

// BenchmarkRowsMillion pages through a table of 1,000,000 rows: the first
// page, a page deep in the table (keyset: it costs what the first does),
// a filtered page and a page sorted by a column without an index (a full
// scan). Each reports ms/page.
func BenchmarkRowsMillion(b *testing.B) {
	path := bigShop(b)
	br := openShop(b, path)
	ctx := context.Background()
	// the cursor of a page that ended on rowid 900000
	deep := cursor{Key: int64(900000)}.encode()
	for _, bc := range []struct {
		name string
		q    Query
	}{
		{"first page", Query{Table: "users"}},
		{"page at row 900000", Query{Table: "users", After: deep}},
		{"filter on _dlt_parent_id of a child table", Query{Table: "users__orders", Filters: []Filter{{Column: "_dlt_parent_id", Op: "=", Value: "x"}}}},
		{"filter name contains, first page", Query{Table: "users", Filters: []Filter{{Column: "name", Op: "contains", Value: "user 99"}}}},
		// no index on the sort column: a scan of the table with a top-N sort
		{"sorted by name, first page", Query{Table: "users", Sort: "name"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			start := time.Now()
			for b.Loop() {
				p, err := br.Rows(ctx, bc.q)
				if err != nil {
					b.Fatal(err)
				}
				if bc.name != "filter on _dlt_parent_id of a child table" && len(p.Rows) != 50 {
					b.Fatalf("%d rows", len(p.Rows))
				}
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/page")
		})
	}
}
