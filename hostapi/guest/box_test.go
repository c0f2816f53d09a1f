package guest

import (
	"reflect"
	"runtime"
	"testing"
)

// TestBinaryRoundTrip checks that values read from the binary format
// (boxed into slabs) are ordinary Go values that survive a collection.
func TestBinaryRoundTrip(t *testing.T) {
	in := map[string]any{"s": "text", "i": int64(-5), "f": 1.5, "b": true, "n": nil,
		"a": []any{"x", int64(2), map[string]any{"k": "v"}}}
	var recs []any
	for range 600 {
		recs = append(recs, in)
	}
	b, err := appendBin([]byte{'m'}, recs, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := binReader{b: b, s: string(b), i: 1}
	v, err := r.value(0)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	got := v.([]any)
	if len(got) != 600 {
		t.Fatalf("%d records", len(got))
	}
	for _, g := range got {
		if !reflect.DeepEqual(g, in) {
			t.Fatalf("got %v, want %v", g, in)
		}
	}
	if s, ok := got[599].(map[string]any)["s"].(string); !ok || s != "text" {
		t.Errorf("string %v", s)
	}
	if _, err := (&binReader{b: b[:len(b)-3], s: string(b[:len(b)-3]), i: 1}).value(0); err == nil {
		t.Error("a truncated page decoded")
	}
}
