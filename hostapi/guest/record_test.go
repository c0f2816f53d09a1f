package guest

import (
	"encoding/binary"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// sizedBin encodes v as the host does: containers as 'A'/'O' with their
// payload length (scripting/wasm/binval.go), keys in sorted order so
// that the test's pages are stable.
func sizedBin(dst []byte, v any) []byte {
	switch t := v.(type) {
	case []any:
		dst = appendU32(append(dst, 'A'), len(t))
		at := len(dst)
		dst = appendU32(dst, 0)
		for _, e := range t {
			dst = sizedBin(dst, e)
		}
		binary.LittleEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
		return dst
	case map[string]any:
		dst = appendU32(append(dst, 'O'), len(t))
		at := len(dst)
		dst = appendU32(dst, 0)
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			dst = appendU32(dst, len(k))
			dst = append(dst, k...)
			dst = sizedBin(dst, t[k])
		}
		binary.LittleEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
		return dst
	}
	b, err := appendBin(dst, v, 0)
	if err != nil {
		panic(err)
	}
	return b
}

// page builds a step page of kind ('m', 'f') from records, sized as the
// host sends it or unsized as the guest package encodes.
func page(kind byte, sized bool, recs ...any) []byte {
	if sized {
		return sizedBin([]byte{kind}, recs)
	}
	b, err := appendBin([]byte{kind}, recs, 0)
	if err != nil {
		panic(err)
	}
	return b
}

// applyOps reads a 'p' result back onto copies of recs, as the host does.
func applyOps(t *testing.T, out []byte, recs []any) []any {
	t.Helper()
	if len(out) == 0 || out[0] != 'p' {
		t.Fatalf("result %q is not a 'p' result", out)
	}
	r := binReader{b: out, s: string(out), i: 1}
	n, err := r.u32()
	if err != nil || n != len(recs) {
		t.Fatalf("result for %d records (%v), want %d", n, err, len(recs))
	}
	res := make([]any, n)
	for i := range n {
		ops, _ := r.u32()
		m := map[string]any{}
		for k, v := range recs[i].(map[string]any) {
			m[k] = v
		}
		for range ops {
			tag := out[r.i]
			r.i++
			k, err := r.str()
			if err != nil {
				t.Fatal(err)
			}
			if tag == 'x' {
				delete(m, k)
				continue
			}
			v, err := r.value(1)
			if err != nil {
				t.Fatal(err)
			}
			m[k] = v
		}
		res[i] = m
	}
	if r.i != len(out) {
		t.Fatalf("%d bytes after the changes", len(out)-r.i)
	}
	return res
}

func TestMapRecord(t *testing.T) {
	defer func(m func(*Record) error) { hooks.mapRecordFn = m }(hooks.mapRecordFn)
	recs := []any{
		map[string]any{"id": int64(1), "email": "ann@example.com", "address": map[string]any{"city": "Berlin", "geo": []any{1.5, 2.5}},
			"orders": []any{map[string]any{"id": int64(7)}}, "tags": []any{"a", "b"}, "drop": true},
		map[string]any{"id": int64(2), "email": nil, "drop": "x"},
		map[string]any{"id": int64(3)},
	}
	cases := []struct {
		name string
		fn   func(*Record) error
		want []any
	}{
		{"nothing changed", func(r *Record) error { return nil }, recs},
		{"set, delete, read back", func(r *Record) error {
			if s, ok := r.String("email"); ok {
				r.SetString("email", strings.ToUpper(s))
			}
			r.Delete("drop")
			if v, ok := r.Get("address"); ok {
				r.Set("city", v.(map[string]any)["city"])
			}
			id, _ := r.Get("id")
			r.Set("id2", id.(int64)*2)
			if _, ok := r.Get("drop"); ok {
				t.Error("Get sees a deleted field")
			}
			if s, _ := r.String("email"); s != "" && s != "ANN@EXAMPLE.COM" {
				t.Errorf("Get does not see SetString: %q", s)
			}
			return nil
		}, []any{
			map[string]any{"id": int64(1), "id2": int64(2), "email": "ANN@EXAMPLE.COM", "city": "Berlin", "address": map[string]any{"city": "Berlin", "geo": []any{1.5, 2.5}},
				"orders": []any{map[string]any{"id": int64(7)}}, "tags": []any{"a", "b"}},
			map[string]any{"id": int64(2), "id2": int64(4), "email": nil},
			map[string]any{"id": int64(3), "id2": int64(6)},
		}},
	}
	for _, sized := range []bool{true, false} {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				hooks.mapRecordFn = c.fn
				at := -1
				out, ok := handleRecordStep(page('m', sized, recs...), &at)
				if !ok {
					t.Fatal("MapRecord not used")
				}
				if got := applyOps(t, out, recs); !reflect.DeepEqual(got, c.want) {
					t.Errorf("sized %v:\n got %#v\nwant %#v", sized, got, c.want)
				}
			})
		}
	}
}

func TestRecordKeysAndMap(t *testing.T) {
	defer func(m func(*Record) error) { hooks.mapRecordFn = m }(hooks.mapRecordFn)
	rec := map[string]any{"b": "x", "a": map[string]any{"c": []any{int64(1)}}, "d": nil}
	var keys []string
	var whole map[string]any
	hooks.mapRecordFn = func(r *Record) error {
		keys = r.Keys()
		r.SetString("e", "new")
		r.Delete("d")
		var err error
		whole, err = r.Map()
		return err
	}
	at := -1
	if _, ok := handleRecordStep(page('m', true, rec), &at); !ok {
		t.Fatal("MapRecord not used")
	}
	if want := []string{"a", "b", "d"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("Keys = %q, want %q", keys, want)
	}
	want := map[string]any{"b": "x", "a": map[string]any{"c": []any{int64(1)}}, "e": "new"}
	if !reflect.DeepEqual(whole, want) {
		t.Errorf("Map = %#v, want %#v", whole, want)
	}
}

func TestFilterRecord(t *testing.T) {
	defer func(f func(*Record) (bool, error)) { hooks.filterRecFn = f }(hooks.filterRecFn)
	hooks.filterRecFn = func(r *Record) (bool, error) {
		v, _ := r.Get("n")
		n, _ := v.(int64)
		return n > 1, nil
	}
	recs := []any{map[string]any{"n": int64(1)}, map[string]any{"n": int64(2), "x": []any{"y"}}, map[string]any{"n": int64(3)}}
	at := -1
	out, ok := handleRecordStep(page('f', true, recs...), &at)
	if !ok {
		t.Fatal("FilterRecord not used")
	}
	if want := []byte{'k', 3, 0, 0, 0, 0, 1, 1}; !reflect.DeepEqual(out, want) {
		t.Errorf("verdicts %v, want %v", out, want)
	}
}

func TestRecordStepErrors(t *testing.T) {
	defer func(m func(*Record) error) { hooks.mapRecordFn = m }(hooks.mapRecordFn)
	hooks.mapRecordFn = func(r *Record) error {
		if _, ok := r.Get("bad"); ok {
			return errString("bad record")
		}
		return nil
	}
	at := -1
	for _, c := range []struct {
		name string
		in   []byte
		want string
	}{
		{"not an object", page('m', true, map[string]any{}, "x"), `"the record is not an object","index":1`},
		{"the hook fails", page('m', true, map[string]any{}, map[string]any{"bad": true}), `"bad record","index":1`},
		{"truncated", page('m', true, map[string]any{"a": "b"})[:12], `truncated`},
		{"not a page", []byte{'m', 's', 0, 0, 0, 0}, `not a page of records`},
	} {
		out, _ := handleRecordStep(c.in, &at)
		if !strings.Contains(string(out), c.want) {
			t.Errorf("%s: %s, want %s", c.name, out, c.want)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// FuzzRecordPage feeds arbitrary pages to a MapRecord that reads every
// field: it must answer with a result or an error envelope, never panic
// or read out of bounds.
func FuzzRecordPage(f *testing.F) {
	f.Add(page('m', true, map[string]any{"a": "b", "c": []any{int64(1), map[string]any{"d": nil}}}))
	f.Add(page('m', false, map[string]any{"a": 1.5}))
	f.Add([]byte{'m', 'A', 1, 0, 0, 0, 255, 255, 255, 255})
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		old := hooks.mapRecordFn
		defer func() { hooks.mapRecordFn = old }()
		hooks.mapRecordFn = func(r *Record) error {
			for _, k := range r.Keys() {
				r.Get(k)
				r.SetString(k, "x")
			}
			_, _ = r.Map()
			return nil
		}
		in[0] = 'm'
		at := -1
		out, ok := handleRecordStep(in, &at)
		if !ok || len(out) == 0 || out[0] != 'p' && out[0] != '{' {
			t.Fatalf("answer %q", out)
		}
	})
}
