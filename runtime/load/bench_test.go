package load_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/sluicehq/sluice/runtime/load"
	"github.com/sluicehq/sluice/runtime/normalize"
	"github.com/sluicehq/sluice/runtime/normalize/normalizetest"
	"github.com/sluicehq/sluice/runtime/schema"
)

// BenchmarkNormalizeAndLoad runs normalize and load one after the other on
// one goroutine (the engine runs them concurrently): pages of 100
// ~620-byte records into each destination of the build, one transaction,
// committed at the end.
func BenchmarkNormalizeAndLoad(b *testing.B) {
	for _, d := range testDests {
		b.Run(d.name, func(b *testing.B) { benchmarkNormalizeAndLoad(b, d) })
	}
}

func benchmarkNormalizeAndLoad(b *testing.B, d testDest) {
	ctx := context.Background()
	const perPage = 100
	recs := normalizetest.BenchRecords(perPage)
	db, err := d.open(filepath.Join(b.TempDir(), "bench"+d.ext))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	s := schema.New("bench")
	loadID := load.NewLoadID()
	n := normalize.New(s, normalize.Options{LoadID: loadID})
	l := load.New(db)
	if err := l.Begin(ctx); err != nil {
		b.Fatal(err)
	}
	h := &normalize.TableHints{Name: "users"}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		batch, err := n.Normalize(h, recs)
		if err != nil {
			b.Fatal(err)
		}
		if err := l.Write(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	if err := l.Commit(ctx, load.Finish{LoadID: loadID, SchemaName: "bench", PipelineName: "bench", Schema: s}); err != nil {
		b.Fatal(err)
	}
	sec := time.Since(start).Seconds()
	b.ReportMetric(float64(b.N*perPage)/sec, "records/s")
	b.ReportMetric(0, "ns/op")
}
