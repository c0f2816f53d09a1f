package filesystem_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/destination/filesystem"
	"github.com/sluicehq/sluice/runtime/destination/sqlite"
	"github.com/sluicehq/sluice/runtime/schema"
)

// BenchmarkWriter inserts 100,000 rows of the demo users' shape (14
// columns) in batches of 100 through one transaction and commits, into
// Parquet and, for comparison, into SQLite: the writers alone, without
// HTTP or normalizing.
func BenchmarkWriter(b *testing.B) {
	cols := []schema.Column{
		{Name: "id", DataType: schema.Bigint}, {Name: "external_id", DataType: schema.Text},
		{Name: "name", DataType: schema.Text}, {Name: "email", DataType: schema.Text},
		{Name: "phone", DataType: schema.Text, Nullable: true}, {Name: "is_active", DataType: schema.Bool},
		{Name: "created_at", DataType: schema.Timestamp}, {Name: "score", DataType: schema.Double},
		{Name: "address__street", DataType: schema.Text}, {Name: "address__city", DataType: schema.Text},
		{Name: "address__geo__lat", DataType: schema.Double}, {Name: "address__geo__lng", DataType: schema.Double},
		{Name: "_dlt_load_id", DataType: schema.Text}, {Name: "_dlt_id", DataType: schema.Text},
	}
	const n, per = 100_000, 100
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([][]any, n)
	for i := range rows {
		rows[i] = []any{int64(i), fmt.Sprintf("ext-%d", i), fmt.Sprintf("User %d", i), fmt.Sprintf("u%d@example.com", i),
			nil, i%2 == 0, t0.Add(time.Duration(i) * time.Minute), float64(i%100) / 10, "1 Main St", "Berlin",
			52.5, 13.4, "1764644418.449949", fmt.Sprintf("id%012d", i)}
	}
	tr := &schema.TableRows{Table: "users"}
	for _, c := range cols {
		tr.Columns = append(tr.Columns, c.Name)
		tr.Types = append(tr.Types, c.DataType)
	}
	for _, d := range []struct {
		name string
		open func(dir string) (destination.Destination, error)
	}{
		{"parquet", func(dir string) (destination.Destination, error) {
			return filesystem.Open(context.Background(), destination.Config{Path: "file://" + dir, Dataset: "ds"})
		}},
		{"sqlite", func(dir string) (destination.Destination, error) { return sqlite.Open(filepath.Join(dir, "b.db")) }},
	} {
		b.Run(d.name, func(b *testing.B) {
			ctx := context.Background()
			for i := 0; i < b.N; i++ {
				dest, err := d.open(b.TempDir())
				if err != nil {
					b.Fatal(err)
				}
				tx, err := dest.Begin(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if err := tx.Apply(ctx, []schema.Change{{Kind: schema.CreateTable, Table: "users", Columns: cols},
					schema.CreateChange(schema.LoadsTable())}); err != nil {
					b.Fatal(err)
				}
				for j := 0; j < n; j += per {
					tr.Rows = rows[j : j+per]
					if err := tx.Insert(ctx, tr); err != nil {
						b.Fatal(err)
					}
				}
				loads := &schema.TableRows{Table: schema.LoadsTableName, Columns: []string{"load_id", "schema_name", "status", "inserted_at", "schema_version_hash"},
					Types: []schema.DataType{schema.Text, schema.Text, schema.Bigint, schema.Timestamp, schema.Text},
					Rows:  [][]any{{"1764644418.449949", "s", int64(0), t0, "h"}}}
				if err := tx.Insert(ctx, loads); err != nil {
					b.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
				dest.Close()
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
