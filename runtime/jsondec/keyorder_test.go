package jsondec

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
)

func TestKeyOrder(t *testing.T) {
	body := []byte(`{"data": [
		{"id": 1, "name": "a", "email": "e", "createdAt": "t", "address": {"zip": "1", "city": "c"}},
		{"name": "b", "id": 2, "email": "f", "createdAt": "u", "address": {"city": "d", "zip": "2"}},
		{"z\u00e9": 1, "a\"q": 2}
	], "next": null}`)
	v, err := New().Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	recs := v.(map[string]any)["data"].([]any)
	o := NewKeyOrder(body)
	tests := []struct {
		name      string
		m         map[string]any
		want      []string
		wantExact bool
	}{
		{"first record", recs[0].(map[string]any), []string{"id", "name", "email", "createdAt", "address"}, true},
		{"the first object with a key set decides", recs[1].(map[string]any), []string{"id", "name", "email", "createdAt", "address"}, true},
		{"nested object", recs[0].(map[string]any)["address"].(map[string]any), []string{"zip", "city"}, true},
		{"escaped keys", recs[2].(map[string]any), []string{"zé", `a"q`}, true},
		{"envelope", v.(map[string]any), []string{"data", "next"}, true},
		{"a changed record falls back to key ranks, unknown keys last",
			map[string]any{"full": 1, "email": 1, "id": 1, "extra": 1}, []string{"id", "email", "extra", "full"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, exact := o.AppendKeys(nil, tt.m)
			if !slices.Equal(got, tt.want) || exact != tt.wantExact {
				t.Errorf("AppendKeys = %q, %v; want %q, %v", got, exact, tt.want, tt.wantExact)
			}
		})
	}
	// no body: sorted
	var none *KeyOrder
	if got, exact := none.AppendKeys([]string{"keep"}, map[string]any{"b": 1, "a": 2}); !slices.Equal(got, []string{"keep", "a", "b"}) || exact {
		t.Errorf("nil KeyOrder: %q, %v", got, exact)
	}
}

// topKeys returns the keys of a top-level object in document order, from
// encoding/json's tokenizer, and false when data is not an object with
// unique keys.
func topKeys(data []byte) ([]string, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, false
		}
		if slices.Contains(keys, k.(string)) {
			return nil, false
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, false
		}
	}
	return keys, true
}

// walkObjects calls f on every object in v.
func walkObjects(v any, f func(map[string]any)) {
	switch t := v.(type) {
	case map[string]any:
		f(t)
		for _, e := range t {
			walkObjects(e, f)
		}
	case []any:
		for _, e := range t {
			walkObjects(e, f)
		}
	}
}

// FuzzKeyOrder checks that the key order never loses or invents a key of
// any decoded object, and that it gives the document order of a top-level
// object. Run: go test -run '^$' -fuzz FuzzKeyOrder -fuzztime 90s ./runtime/jsondec
func FuzzKeyOrder(f *testing.F) {
	for _, s := range []string{
		`{"b":1,"a":{"y":[1,{"q":2,"p":3}],"x":"}"}}`, `[{"k\"":1},{"\u00e9":2}]`, `{"a":1,"a":2}`,
		`{"x\\":"\\","y":[]}`, "{\"\xff\":1}", `{`, `"\`, `}}]]`, `{"a":[}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o := NewKeyOrder(data)
		v, err := NewStd().Decode(data)
		if err != nil {
			_, _ = o.AppendKeys(nil, map[string]any{"a": 1})
			return
		}
		walkObjects(v, func(m map[string]any) {
			got, _ := o.AppendKeys(nil, m)
			if len(got) != len(m) {
				t.Fatalf("AppendKeys gave %q for an object with %d keys", got, len(m))
			}
			for _, k := range got {
				if _, ok := m[k]; !ok {
					t.Fatalf("AppendKeys invented key %q", k)
				}
			}
		})
		if want, ok := topKeys(data); ok && utf8Valid(data) {
			got, exact := o.AppendKeys(nil, v.(map[string]any))
			if !exact || !slices.Equal(got, want) {
				t.Fatalf("top-level keys %q (exact %v), want %q", got, exact, want)
			}
		}
	})
}

func utf8Valid(b []byte) bool { return bytes.Equal(validUTF8(b), b) }

// BenchmarkKeyOrder is the scan a page pays when it adds columns: build the
// index of a 100-record page and look up one record.
func BenchmarkKeyOrder(b *testing.B) {
	page := makePage(100)
	v, err := New().Decode(page)
	if err != nil {
		b.Fatal(err)
	}
	rec := v.(map[string]any)["data"].([]any)[0].(map[string]any)
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if _, exact := NewKeyOrder(page).AppendKeys(nil, rec); !exact {
			b.Fatal("no exact order")
		}
	}
}
