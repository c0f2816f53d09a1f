package load_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/demoapi"
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

// BenchmarkLoadOnly measures the destination alone: the 200,000 records
// `make bench-duckdb` loads (the demo API's generator, about 7 rows each:
// the user, its tags, orders and order items) are decoded and normalized
// before the clock starts; the clock then runs over Write of every page,
// the Commit and closing the database (where DuckDB checkpoints), into a
// fresh database each iteration. Fewer records would not fill DuckDB's
// row groups of 122,880 rows, whose compression is most of its work. Its
// rows/s is the ceiling the whole loader can reach on this machine, and
// rows/s divided by rows per record bounds its records/s.
func BenchmarkLoadOnly(b *testing.B) {
	for _, d := range testDests {
		b.Run(d.name, func(b *testing.B) { benchmarkLoadOnly(b, d) })
	}
}

func benchmarkLoadOnly(b *testing.B, d testDest) {
	ctx := context.Background()
	const records, perPage = 200_000, 100
	api := demoapi.New(demoapi.Options{Users: records})
	s := schema.New("bench")
	loadID := load.NewLoadID()
	n := normalize.New(s, normalize.Options{LoadID: loadID})
	h := &normalize.TableHints{Name: "users"}
	var batches []*normalize.Batch
	rows := 0
	for lo := 1; lo <= records; lo += perPage {
		page := make([]any, 0, perPage)
		for i := lo; i < lo+perPage; i++ {
			js, err := json.Marshal(api.User(i))
			if err != nil {
				b.Fatal(err)
			}
			page = append(page, normalizetest.MustDecode(string(js)))
		}
		batch, err := n.Normalize(h, page)
		if err != nil {
			b.Fatal(err)
		}
		rows += batch.Rows()
		batches = append(batches, batch)
	}
	var spent, cpu time.Duration
	var path string
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		path = filepath.Join(b.TempDir(), "bench"+d.ext)
		db, err := d.open(path)
		if err != nil {
			b.Fatal(err)
		}
		l := load.New(db)
		if err := l.Begin(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start, cpu0 := time.Now(), processCPU(b)
		for _, batch := range batches {
			if err := l.Write(ctx, batch); err != nil {
				b.Fatal(err)
			}
		}
		if err := l.Commit(ctx, load.Finish{LoadID: loadID, SchemaName: "bench", PipelineName: "bench", Schema: s}); err != nil {
			b.Fatal(err)
		}
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		spent += time.Since(start)
		cpu += processCPU(b) - cpu0
		b.StopTimer()
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(fi.Size())/1e6, "file-MB")
	b.ReportMetric(float64(rows)/float64(records), "rows/record")
	b.ReportMetric(float64(b.N*rows)/spent.Seconds(), "rows/s")
	b.ReportMetric(float64(b.N*records)/spent.Seconds(), "records/s")
	// CPU seconds (user+system, every thread: DuckDB's workers too) per
	// 200,000 records, the size `make bench-duckdb` loads: on a machine
	// with two cores a loader at 80,000 records/s has 5 of them in all.
	b.ReportMetric(cpu.Seconds()*200_000/float64(b.N*records), "cpu-s/200k")
	b.ReportMetric(0, "ns/op")
}

// processCPU is the user plus system CPU time the process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
