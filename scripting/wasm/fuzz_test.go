package wasm

import (
	"reflect"
	"testing"
)

// FuzzBinaryResult reads arbitrary bytes as a guest's binary step result:
// an error or a value, never a panic; a value encodes back to the same
// bytes' meaning.
func FuzzBinaryResult(f *testing.F) {
	b, _ := appendBin([]byte{'r'}, []any{map[string]any{"a": "x", "n": int64(1), "f": 1.5, "l": []any{nil, true}}}, 0)
	f.Add(b)
	f.Add([]byte{'r', 'a', 255, 255, 255, 255})
	f.Add([]byte{'r', 'N', 3, 0, 0, 0, '1', 'e', '9'})
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := decodeBin(data)
		if err != nil {
			return
		}
		again, err := appendBin([]byte{'r'}, v, 0)
		if err != nil {
			t.Fatalf("re-encoding %#v: %v", v, err)
		}
		w, err := decodeBin(again)
		if err != nil || !reflect.DeepEqual(v, w) {
			t.Fatalf("round trip %#v -> %#v (%v)", v, w, err)
		}
	})
}

// FuzzRecordOps reads arbitrary bytes as a MapRecord result ('p') for a
// page of two records: changes or an error, never a panic, and the given
// records never changed.
func FuzzRecordOps(f *testing.F) {
	f.Add([]byte{'p', 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 'x', 1, 0, 0, 0, 'a'})
	f.Add([]byte{'p', 2, 0, 0, 0, 1, 0, 0, 0, 's', 1, 0, 0, 0, 'b', 't', 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		recs := []any{map[string]any{"a": "x"}, map[string]any{"a": "y", "b": int64(1)}}
		got, _, err := applyRecordOps(data, recs)
		if !reflect.DeepEqual(recs, []any{map[string]any{"a": "x"}, map[string]any{"a": "y", "b": int64(1)}}) {
			t.Fatalf("the given records changed: %#v", recs)
		}
		if err == nil && len(got) != 2 {
			t.Fatalf("%d records for 2", len(got))
		}
	})
}
