package normalize

import (
	"testing"

	"github.com/sluicehq/sluice/runtime/jsondec"
	"github.com/sluicehq/sluice/runtime/schema"
)

// FuzzNormalizePage feeds API bodies to the normalizer with the body as the
// key-order oracle: it must never panic, every row must fit its columns,
// and a second page with the same records (the fast path) must give the
// same number of rows per table as the first. Run:
//
//	go test -run '^$' -fuzz FuzzNormalizePage -fuzztime 90s ./runtime/normalize
func FuzzNormalizePage(f *testing.F) {
	for _, s := range []string{
		`[{"id": 1, "name": "a", "address": {"city": "x"}, "tags": ["t"], "orders": [{"items": [[1, {"a": 2}]]}]}]`,
		`[{"userId": 1, "user_id": "x", "a__b": 1, "a": {"b": 2}}, {"user_id": null, "userId": 2.5}]`,
		`[{"big": 1180591620717411303424}, {"big": 1}, {"big": "x"}]`,
		`[{"": 1, " ": {"": [1]}, "__": 3, "_dlt_id": "own"}]`,
		`[1, "x", [1, [2]], null, true]`, `{"a": []}`, `[{"a": {}}, {"a": []}, {"a": [{}]}]`,
		`[{"t": "2024-01-01T00:00:00Z"}, {"t": 5}, {"t": true}]`,
	} {
		f.Add([]byte(s))
	}
	dec := jsondec.NewStd()
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := dec.Decode(body)
		if err != nil {
			return
		}
		records, ok := v.([]any)
		if !ok {
			records = []any{v}
		}
		n := New(schema.New("fuzz"), Options{LoadID: "1"})
		h := &TableHints{Name: "t", Nested: map[string]*NestedHints{"orders": {MaxTableNesting: intp(1)}}}
		b1, err := n.NormalizePage(h, records, body)
		if err != nil {
			return // a value that cannot be coerced into its variant column
		}
		b2, err := n.NormalizePage(h, records, body)
		if err != nil {
			t.Fatalf("second page failed after the first passed: %v", err)
		}
		count := func(b *Batch) map[string]int {
			m := map[string]int{}
			for _, tr := range b.Tables {
				for _, row := range tr.Rows {
					if len(row) > len(tr.Columns) {
						t.Fatalf("%s: a row of %d values for %d columns", tr.Table, len(row), len(tr.Columns))
					}
				}
				m[tr.Table] += len(tr.Rows)
			}
			return m
		}
		c1, c2 := count(b1), count(b2)
		if len(c1) != len(c2) {
			t.Fatalf("tables %v then %v", c1, c2)
		}
		for k, v := range c1 {
			if c2[k] != v {
				t.Fatalf("rows %v then %v", c1, c2)
			}
		}
	})
}
