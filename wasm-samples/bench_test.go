package samples_test

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/scripting/wasm"
)

// people are n realistic records: ids, names, contact data to hash, a
// nested address and a list of orders.
func people(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{
			"id":       int64(i + 1),
			"name":     fmt.Sprintf("Person %d", i+1),
			"email":    fmt.Sprintf("person%d@example.com", i+1),
			"phone":    fmt.Sprintf("+49 30 %07d", i*7919%10000000),
			"isActive": i%3 != 0,
			"score":    float64(i%100) + 0.25,
			"address":  map[string]any{"street": fmt.Sprintf("%d Main St", i%500), "city": "Berlin", "zip": "10115"},
			"orders":   []any{map[string]any{"id": int64(i * 2), "total": 19.99}, map[string]any{"id": int64(i*2 + 1), "total": 5.0}},
		}
	}
	return out
}

// piiHashStep builds the pii-hash sample as a run would, with the
// resource's deadline (2 s per call, the default) enforced.
func piiHashStep(b *testing.B) extension.Step {
	reg := extension.NewRegistries()
	wasm.Register(reg)
	env := &extension.Env{Pipeline: "bench", Resource: "people", Dir: built,
		Limits: extension.Limits{Timeout: 2 * time.Second}, Now: time.Now}
	s, err := reg.Steps.New(context.Background(), "wasm", map[string]any{
		"kind":   "map",
		"module": filepath.Join(built, "bin", "wasm", "pii-hash.wasm"),
		"config": map[string]any{"fields": benchFields},
	}, env)
	if err != nil {
		b.Fatal(err)
	}
	if c, ok := s.(interface{ Close() error }); ok {
		b.Cleanup(func() { c.Close() })
	}
	return s
}

// BenchmarkPiiHash: 100,000 records through pii-hash (two fields hashed),
// 100 a page (the demo API's page size), the deadline enforced.
func BenchmarkPiiHash(b *testing.B) {
	benchPiiHash(b, 100_000, 100)
}

// BenchmarkNoField: pii-hash with a field no record has: the cost of the
// call, the codecs and the copies alone.
func BenchmarkNoField(b *testing.B) {
	benchFields = []any{"no_such_field"}
	defer func() { benchFields = []any{"email", "phone"} }()
	benchPiiHash(b, 100_000, 100)
}

// BenchmarkPiiHashOneRecordPerCall: the same with a page of one record,
// so each call carries one record: the per-call overhead (ns/call).
func BenchmarkPiiHashOneRecordPerCall(b *testing.B) {
	benchPiiHash(b, 10_000, 1)
}

var benchFields = []any{"email", "phone"}

func benchPiiHash(b *testing.B, n, page int) {
	recs := people(n)
	s := piiHashStep(b)
	ctx := context.Background()
	out, err := s.Apply(ctx, recs[:1])
	if err != nil || len(benchFields) == 2 && out[0].(map[string]any)["email"] == recs[0].(map[string]any)["email"] {
		b.Fatalf("pii-hash did not hash: %v %v", out, err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		for i := 0; i < len(recs); i += page {
			if _, err := s.Apply(ctx, recs[i:i+page]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
	// CPU time too: on a shared machine it varies less than the wall clock.
	b.ReportMetric(float64(n*b.N)/(cpuTime()-cpu0).Seconds(), "records/cpu-s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*((n+page-1)/page)), "ns/call")
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
