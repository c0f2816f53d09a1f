package guest

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzDecode checks the guest's JSON decoder against encoding/json: it
// accepts exactly the valid documents, and what it decodes encodes back
// to an equal value.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"a":1,"b":[true,null,"x\\u00e9\\n"],"c":{"d":-1.5e3}}`, `[]`, `"\\ud83d\\ude00"`, `01`, `{"a":}`, `1e400`, `"\xff"`, `  7  `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Decode(data)
		if (err == nil) != json.Valid(data) {
			t.Fatalf("Decode error %v, but json.Valid says %v, for %q", err, json.Valid(data), data)
		}
		if err != nil {
			return
		}
		b, err := Encode(nil, v)
		if err != nil {
			if _, isFloat := v.(float64); isFloat {
				return
			}
			t.Fatalf("Encode(%v): %v", v, err)
		}
		w, err := Decode(b)
		if err != nil {
			t.Fatalf("re-decoding %q: %v", b, err)
		}
		if !reflect.DeepEqual(normal(v), normal(w)) {
			t.Fatalf("round trip: %#v became %#v (via %q)", v, w, b)
		}
	})
}

// normal makes whole floats int64, as Encode writes them without a point.
func normal(v any) any {
	switch t := v.(type) {
	case float64:
		if t == float64(int64(t)) && t < 1e15 && t > -1e15 {
			return int64(t)
		}
	case map[string]any:
		for k, e := range t {
			t[k] = normal(e)
		}
	case []any:
		for i, e := range t {
			t[i] = normal(e)
		}
	}
	return v
}

// FuzzStep feeds arbitrary bytes to the step handler: it must answer with
// a result or an error envelope, never panic.
func FuzzStep(f *testing.F) {
	page, _ := appendBin([]byte{'m'}, []any{map[string]any{"a": "x", "n": int64(1)}}, 0)
	f.Add(page)
	f.Add([]byte{'f', 'a', 1, 0, 0, 0, 'o', 0, 0, 0, 0})
	f.Add([]byte{'l', 'a', 255, 255, 255, 255})
	Map(func(r map[string]any) (map[string]any, error) { return r, nil })
	Filter(func(map[string]any) (bool, error) { return true, nil })
	FlatMap(func(r map[string]any) ([]map[string]any, error) { return []map[string]any{r}, nil })
	f.Fuzz(func(t *testing.T, data []byte) {
		out := handleStep(data)
		if len(out) == 0 {
			t.Fatalf("no answer for %q", data)
		}
	})
}
