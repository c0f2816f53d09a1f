package normalize

import (
	"encoding/json"
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

// BenchmarkFirstPage normalizes a page of 100 records into an empty schema
// (every column is new, so every record takes the slow path), with and
// without the body that gives the key order: the difference is the cost of
// scanning the body (jsondec.KeyOrder), paid only by pages that add columns.
//
//	go test -run '^$' -bench FirstPage -benchmem ./runtime/normalize
func BenchmarkFirstPage(b *testing.B) {
	body, err := json.Marshal(map[string]any{"data": normalizetest.BenchRecords(100)})
	if err != nil {
		b.Fatal(err)
	}
	v, err := normalizetest.Decode(body)
	if err != nil {
		b.Fatal(err)
	}
	recs := v.(map[string]any)["data"].([]any)
	for _, bc := range []struct {
		name string
		body []byte
	}{{"sorted", nil}, {"document-order", body}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				n := New(schema.New("bench"), Options{LoadID: "1714500000.1234567"})
				if _, err := n.NormalizePage(&TableHints{Name: "users"}, recs, bc.body); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(body)), "body-bytes")
		})
	}
}
