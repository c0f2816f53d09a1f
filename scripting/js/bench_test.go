package js

import (
	"context"
	"syscall"
	"testing"
	"time"

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

// benchSteps applies a step to 100,000 user records, a page at a time,
// and reports records/s.
func benchSteps(b *testing.B, kind, src string) {
	recs := users(100_000)
	s := newStep(b, kind, src, nil)
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
	// The process's CPU time, GC included: steadier than the wall clock
	// on a machine shared with other work.
	b.ReportMetric(float64(len(recs)*b.N)/(cpuTime()-cpu0).Seconds(), "records/cpu-s")
}

// BenchmarkFilter: a JS filter over 100,000 realistic records.
func BenchmarkFilter(b *testing.B) {
	benchSteps(b, "filter", `item.isActive && item.score > 50`)
}

// BenchmarkMap: a JS map that reshapes a record into a new one, reading
// nested fields.
func BenchmarkMap(b *testing.B) {
	benchSteps(b, "map", `({id: item.id * 10, name: item.name, email: item.email.toLowerCase(), city: item.address.city, orders: item.orders.length})`)
}

// BenchmarkMapSpread: a map that copies the whole record with spread and
// changes two fields; goja's spread costs about one allocation per field.
func BenchmarkMapSpread(b *testing.B) {
	benchSteps(b, "map", `({...item, id: item.id * 10, email: item.email.toLowerCase()})`)
}

// BenchmarkMapInPlace: a function body that changes item and returns it.
func BenchmarkMapInPlace(b *testing.B) {
	benchSteps(b, "map", `item.id = item.id * 10; return item`)
}

// BenchmarkNewRuntime: what a runtime costs to set up (host API, frozen
// globals, the hook's program): paid once per concurrent caller, not per
// call.
func BenchmarkNewRuntime(b *testing.B) {
	prog, off, err := compileSnippet("bench", "item", "item.id")
	if err != nil {
		b.Fatal(err)
	}
	p, err := newPool(prog, off, nil, "bench", nil)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		<-p.free // take the idle one, so get makes a new runtime
		v, err := p.get()
		if err != nil {
			b.Fatal(err)
		}
		p.put(v)
	}
}

// BenchmarkPaginatorNext: one next() on a page of 100 user records that
// reads a cursor from the body.
func BenchmarkPaginatorNext(b *testing.B) {
	f := newPaginator(b, `function next(response) { return response.body.next ? {params: {cursor: response.body.next}} : null }`, nil)
	resp := extension.NewResponse(200, nil, nil, "http://api/users", nil)
	resp.SetJSON(map[string]any{"data": users(100), "next": "c2"})
	p, err := f.NewPaginator(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	req := &extension.Request{Method: "GET", URL: "http://api/users"}
	for b.Loop() {
		if more, err := p.Next(context.Background(), resp, 100, req); err != nil || !more {
			b.Fatal(more, err)
		}
	}
}
