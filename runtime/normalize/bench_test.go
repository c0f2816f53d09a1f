package normalize

import (
	"testing"
	"time"

	"github.com/sluicehq/sluice/runtime/normalize/normalizetest"
	"github.com/sluicehq/sluice/runtime/schema"
)

func BenchmarkNormalize(b *testing.B) {
	const page = 100
	recs := normalizetest.BenchRecords(page)
	n := New(schema.New("bench"), Options{LoadID: "1714500000.1234567"})
	h := &TableHints{Name: "users"}
	if _, err := n.Normalize(h, recs); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	rows := 0
	for i := 0; i < b.N; i++ {
		batch, err := n.Normalize(h, recs)
		if err != nil {
			b.Fatal(err)
		}
		rows += batch.Rows()
	}
	sec := time.Since(start).Seconds()
	b.ReportMetric(float64(b.N*page)/sec, "records/s")
	b.ReportMetric(float64(rows)/sec, "rows/s")
	b.ReportMetric(0, "ns/op")
}
