package wasm

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/demoapi"
	"github.com/sluicehq/sluice/runtime/extension"
)

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchPage is the page size the benchmarks use: the demo API's default.
const benchPage = 100

// users are n realistic records: the demo API's users (nested address,
// orders, tags).
func users(n int) []any {
	srv := demoapi.New(demoapi.Options{Users: n})
	out := make([]any, n)
	for i := range out {
		out[i] = srv.User(i + 1)
	}
	return out
}

// BenchmarkWASMMap is a pii-hash map (SHA-256 of two fields through the
// host import) over 100,000 realistic records, a page per call, with the
// per-call deadline on (the default 2 s, WithCloseOnContextDone).
func BenchmarkWASMMap(b *testing.B) {
	recs := users(100_000)
	s := newStep(b, "map", guest(b, "all"), map[string]any{"mode": "hash", "fields": []any{"email", "name"}}, nil)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		for i := 0; i < len(recs); i += benchPage {
			if _, err := s.Apply(ctx, recs[i:i+benchPage]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(recs)*b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(len(recs)*b.N)/(cpuTime()-cpu0).Seconds(), "records/cpu-s")
}

// BenchmarkWASMCall is the overhead of one call: a page of one empty
// record through the map, envelope, alloc/free, deadline and gc included.
func BenchmarkWASMCall(b *testing.B) {
	s := newStep(b, "map", guest(b, "onlymap"), nil, nil)
	ctx := context.Background()
	page := []any{map[string]any{}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Apply(ctx, page); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWASMInstance is what a new instance costs (instantiate,
// _initialize, sluice_init): paid once per concurrent caller.
func BenchmarkWASMInstance(b *testing.B) {
	s := newStep(b, "map", guest(b, "onlymap"), nil, nil).(*Step)
	ctx := context.Background()
	for b.Loop() {
		in, err := s.pool.get(ctx)
		if err != nil {
			b.Fatal(err)
		}
		in.close()
	}
}

var _ extension.Step = (*Step)(nil)
