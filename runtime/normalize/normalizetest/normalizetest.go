// Package normalizetest helps tests feed records to the normalizer: it
// decodes JSON the way the engine does (objects as map[string]any, integers
// as int64, integers beyond int64 as json.Number, other numbers as float64).
package normalizetest

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/sluicehq/sluice/runtime/jsondec"
)

// bodies keeps the JSON each page of records was decoded from, keyed by
// the page's first record, so that tests can normalize as the pipeline does
// (normalize.NormalizePage with the body, which gives the key order).
var bodies sync.Map

func remember(recs []any, body []byte) {
	if len(recs) > 0 {
		bodies.Store(&recs[0], body)
	}
}

// Body returns the JSON that recs (from Records or Page) was decoded from,
// or nil.
func Body(recs []any) []byte {
	if len(recs) == 0 {
		return nil
	}
	if b, ok := bodies.Load(&recs[0]); ok {
		return b.([]byte)
	}
	return nil
}

// Page decodes each string as one record; Body of the result is their
// JSON array.
func Page(js ...string) []any {
	out := make([]any, len(js))
	for i, s := range js {
		out[i] = MustDecode(s)
	}
	remember(out, []byte("["+strings.Join(js, ",")+"]"))
	return out
}

// Decode decodes one JSON value as the engine does (jsondec's
// encoding/json decoder, which gives the same values as sonic).
func Decode(data []byte) (any, error) { return jsondec.NewStd().Decode(data) }

// MustDecode decodes one JSON value and panics on error.
func MustDecode(s string) any {
	v, err := Decode([]byte(s))
	if err != nil {
		panic(err)
	}
	return v
}

// Records decodes a JSON array of records (or a single record) from a file.
func Records(path string) ([]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	l, ok := v.([]any)
	if !ok {
		l = []any{v}
	}
	remember(l, data)
	return l, nil
}

// BenchRecords returns n records of about 620 bytes of JSON each, decoded
// as the engine decodes them, that normalize to 5.5 rows on average: the
// root, 2 tags, 1 order and 1 or 2 items.
func BenchRecords(n int) []any {
	out := make([]any, n)
	for i := range out {
		items := []any{map[string]any{"sku": fmt.Sprintf("SKU-%05d", i), "qty": int64(2), "price": 9.99}}
		if i%2 == 0 {
			items = append(items, map[string]any{"sku": "SKU-00001", "qty": int64(1), "price": 19.5})
		}
		out[i] = map[string]any{
			"id":         int64(1000000 + i),
			"login":      fmt.Sprintf("user%d", i),
			"name":       "Ada Lovelace",
			"email":      fmt.Sprintf("user%d@example.com", i),
			"active":     i%3 != 0,
			"score":      float64(i) * 1.25,
			"created_at": "2024-03-01T12:34:56Z",
			"bio":        "Mathematician and writer, chiefly known for her work on the Analytical Engine.",
			"company":    "Analytical Engines Ltd",
			"phone":      "+44 20 7946 0000",
			"url":        fmt.Sprintf("https://api.example.com/users/%d", i),
			"address": map[string]any{
				"street": "12 St James's Square", "city": "London", "zip": "SW1Y 4JH",
				"geo": map[string]any{"lat": 51.5074, "lng": -0.1362},
			},
			"tags": []any{"admin", "early-adopter"},
			"orders": []any{map[string]any{
				"id": int64(5000 + i), "status": "shipped", "total": 29.49,
				"placed_at": "2024-03-02T08:00:00Z",
				"items":     items,
			}},
		}
	}
	return out
}
