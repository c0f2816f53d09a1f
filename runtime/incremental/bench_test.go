package incremental

import (
	"fmt"
	"testing"
)

// BenchmarkFilter: ascending pages of 620-byte-ish records, the common
// case, where every record advances the cursor.
func BenchmarkFilter(b *testing.B) {
	page := make([]any, 1000)
	for i := range page {
		page[i] = map[string]any{"id": int64(i), "updated_at": fmt.Sprintf("2024-01-01T00:%02d:%02dZ", i/60%60, i%60),
			"title": "a title of some length", "body": "lorem ipsum dolor sit amet, consectetur adipiscing elit",
			"user": map[string]any{"login": "someone", "id": int64(42), "site_admin": false}, "labels": []any{"bug", "ui"}, "score": 3.5}
	}
	for _, pk := range [][]string{{"id"}, nil} {
		b.Run(fmt.Sprintf("pk=%v", pk), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c, _ := New(inc(initial("2024-01-01T00:00:00Z")), pk, nil)
				if _, _, err := c.Filter(page); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(page))/b.Elapsed().Seconds(), "records/s")
		})
	}
}
