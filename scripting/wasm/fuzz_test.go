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
