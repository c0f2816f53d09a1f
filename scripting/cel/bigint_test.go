package cel

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/sluicehq/sluice/runtime/jsondec"
)

// An integer beyond int64 arrives as exact text (json.Number): CEL sees a
// double, and a record passed on whole keeps it exact.
func TestBigIntegers(t *testing.T) {
	rec, err := jsondec.New().Decode([]byte(`{"id": 1, "big": 100000000000000000001}`))
	if err != nil {
		t.Fatal(err)
	}
	page := []any{rec}
	if out, err := newStep(t, "filter", `item.big > 1e19`, nil, nil).Apply(context.Background(), page); err != nil || len(out) != 1 {
		t.Fatalf("filter: %v, %v", out, err)
	}
	out, err := newStep(t, "map", `{"whole": item, "b": item.big}`, nil, nil).Apply(context.Background(), page)
	if err != nil {
		t.Fatal(err)
	}
	m := out[0].(map[string]any)
	if got := m["whole"].(map[string]any)["big"]; got != json.Number("100000000000000000001") {
		t.Errorf("passed on whole: %#v", got)
	}
	if got := m["b"]; got != 1e20 {
		t.Errorf("read in CEL: %#v", got)
	}
}
