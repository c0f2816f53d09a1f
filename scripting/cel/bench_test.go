package cel

import (
	"context"
	"testing"

	"github.com/sluicehq/sluice/internal/demoapi"
	"github.com/sluicehq/sluice/runtime/extension"
)

// benchRecords is 100,000 demo API users, made once.
var benchRecords = func() func() []any {
	var recs []any
	return func() []any {
		if recs == nil {
			srv := demoapi.New(demoapi.Options{Users: 100_000})
			recs = make([]any, srv.Users())
			for i := range recs {
				recs[i] = srv.User(i + 1)
			}
		}
		return recs
	}
}()

// benchStep runs a step over 100,000 users a page of 100 at a time and
// reports records per second.
func benchStep(b *testing.B, kind, src string) {
	recs := benchRecords()
	reg := extension.NewRegistries()
	Register(reg)
	st, err := reg.Steps.New(context.Background(), Type, map[string]any{"kind": kind, "source": src}, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for lo := 0; lo < len(recs); lo += 100 {
			if _, err := st.Apply(ctx, recs[lo:lo+100]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N)*float64(len(recs))/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkFilter is a CEL filter over 100,000 realistic records (aim:
// over 1,000,000 records/s on one core).
func BenchmarkFilter(b *testing.B) {
	benchStep(b, extension.StepFilter, `item.isActive && item.score > 50.0 && item.address.country == "DE"`)
}

// BenchmarkFilterString is a filter that calls a string function.
func BenchmarkFilterString(b *testing.B) {
	benchStep(b, extension.StepFilter, `item.email.endsWith(".org") || item.name.startsWith("Ada")`)
}

// BenchmarkMap is a CEL map that builds a new record of five fields.
func BenchmarkMap(b *testing.B) {
	benchStep(b, extension.StepMap, `{"id": item.id * 10, "name": item.name, "email": item.email, "city": item.address.city, "orders": size(item.orders)}`)
}
