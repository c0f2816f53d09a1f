package jsondec

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/sluicehq/sluice/runtime/extension"
)

// decoders returns every implementation this build has, by name.
func decoders(t testing.TB) map[string]extension.Decoder {
	t.Helper()
	m := map[string]extension.Decoder{"encoding/json": NewStd()}
	if d, ok := NewSonic(); ok {
		m["sonic"] = d
	} else {
		t.Logf("sonic does not run natively in this build; testing encoding/json only")
	}
	return m
}

func TestNewPrefersSonic(t *testing.T) {
	d := New()
	_, haveSonic := NewSonic()
	want := "encoding/json"
	if haveSonic {
		want = "sonic"
	}
	if got := Name(d); got != want {
		t.Fatalf("Name(New()) = %q, want %q", got, want)
	}
	if got := Name(NewStd()); got != "encoding/json" {
		t.Fatalf("Name(NewStd()) = %q", got)
	}
}

func TestDecodeValues(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want any
	}{
		{"small int", `1`, int64(1)},
		{"negative zero", `-0`, int64(0)},
		{"max int64", `9223372036854775807`, int64(math.MaxInt64)},
		{"min int64", `-9223372036854775808`, int64(math.MinInt64)},
		{"beyond int64", `9223372036854775808`, json.Number("9223372036854775808")},
		{"below int64", `-9223372036854775809`, json.Number("-9223372036854775809")},
		{"2^70 in an object", `{"big": 1180591620717411303424, "n": 1}`, map[string]any{"big": json.Number("1180591620717411303424"), "n": int64(1)}},
		{"-2^70 in a list", `[-1180591620717411303424,2.5,"x"]`, []any{json.Number("-1180591620717411303424"), 2.5, "x"}},
		{"a long fraction is a float", `[0.12345678901234567890123]`, []any{0.12345678901234567890123}},
		{"long digits in a string stay a string", `["12345678901234567890123",1]`, []any{"12345678901234567890123", int64(1)}},
		{"big integer literal as float", `1180591620717411303424.0`, float64(1180591620717411303424)},
		{"integral float", `1.0`, float64(1)},
		{"exponent", `1e3`, float64(1000)},
		{"fraction", `-2.5E-1`, float64(-0.25)},
		{"string", `"a\u00e9\n"`, "aé\n"},
		{"surrogate pair", `"\ud83d\ude00"`, "😀"},
		{"true", `true`, true},
		{"null", `null`, nil},
		{"trailing space", "{\"a\":1} \n\t", map[string]any{"a": int64(1)}},
		{"invalid utf-8 replaced", "\"a\xffb\"", "a\uFFFDb"},
		{"duplicate key: last wins", `{"a":1,"a":2}`, map[string]any{"a": int64(2)}},
		{"nested", `{"id":12345678901,"user":{"id":7,"tags":["x",1,2.5,null,{"k":[]}]},"empty":{}}`,
			map[string]any{
				"id": int64(12345678901),
				"user": map[string]any{
					"id":   int64(7),
					"tags": []any{"x", int64(1), 2.5, nil, map[string]any{"k": []any{}}},
				},
				"empty": map[string]any{},
			}},
		{"top-level array", `[1,"2",[3]]`, []any{int64(1), "2", []any{int64(3)}}},
	}
	for name, d := range decoders(t) {
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				got, err := d.Decode([]byte(tt.in))
				if err != nil {
					t.Fatalf("Decode(%q): %v", tt.in, err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("Decode(%q) = %#v, want %#v", tt.in, got, tt.want)
				}
			})
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, in string
		wantMsg  string
	}{
		{"empty", ``, "empty input"},
		{"blank", " \n", "empty input"},
		{"truncated", `{"a":`, "invalid JSON"},
		{"bad literal", `nul`, "invalid JSON"},
		{"trailing garbage", `{"a":1} x`, "invalid JSON"},
		{"two values", `1 2`, "invalid JSON"},
		{"html", `<html><body>secret-ish page</body></html>`, "invalid character '<'"},
		{"huge number", `1e400`, "out of range"},
	}
	for name, d := range decoders(t) {
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				v, err := d.Decode([]byte(tt.in))
				if err == nil {
					t.Fatalf("Decode(%q) = %#v, want an error", tt.in, v)
				}
				var se *SyntaxError
				if !errors.As(err, &se) {
					t.Fatalf("error %T %v is not a *SyntaxError", err, err)
				}
				msg := err.Error()
				if !strings.Contains(msg, tt.wantMsg) {
					t.Fatalf("error %q does not contain %q", msg, tt.wantMsg)
				}
				if strings.Contains(msg, "\n") || (len(tt.in) > 8 && strings.Contains(msg, tt.in)) {
					t.Fatalf("error %q is multi-line or quotes the body", msg)
				}
			})
		}
	}
}

// TestDecodersAgree decodes a realistic page with every implementation and
// requires identical trees.
func TestDecodersAgree(t *testing.T) {
	page := makePage(100)
	var first any
	var firstName string
	for name, d := range decoders(t) {
		v, err := d.Decode(page)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if first == nil {
			first, firstName = v, name
			continue
		}
		if !reflect.DeepEqual(first, v) {
			t.Fatalf("%s and %s decode the same page differently", firstName, name)
		}
	}
	recs := first.(map[string]any)["data"].([]any)
	if len(recs) != 100 {
		t.Fatalf("got %d records", len(recs))
	}
	if id := recs[99].(map[string]any)["id"]; id != int64(9007199254741091) {
		t.Fatalf("id = %#v, want exact int64 beyond 2^53", id)
	}
}

// TestStringsDoNotAliasInput checks that the caller may reuse its buffer.
func TestStringsDoNotAliasInput(t *testing.T) {
	for name, d := range decoders(t) {
		buf := []byte(`{"k":"value"}`)
		v, err := d.Decode(buf)
		if err != nil {
			t.Fatal(err)
		}
		for i := range buf {
			buf[i] = 'x'
		}
		if got := v.(map[string]any)["k"]; got != "value" {
			t.Fatalf("%s: decoded string changed with the input buffer: %q", name, got)
		}
	}
}

func TestConcurrentDecode(t *testing.T) {
	page := makePage(10)
	for name, d := range decoders(t) {
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 50; i++ {
					if _, err := d.Decode(page); err != nil {
						t.Errorf("%s: %v", name, err)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
}

// makePage returns {"data": [n records], "next": …}; each record is a nested
// API object of about 620 bytes.
func makePage(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"data":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"node_id":"MDU6SXNzdWUx%08d","number":%d,"title":"Fix the flux `+
			`capacitor (#%d)","state":"open","score":%d.25,"created_at":"2024-01-%02dT03:04:05Z",`+
			`"updated_at":"2024-02-%02dT10:11:12Z","closed_at":null,"user":{"login":"octocat%d","id":%d,"site_admin":false,`+
			`"address":{"city":"Zürich","geo":{"lat":47.3769,"lng":8.5417}}},"labels":[{"id":%d,"name":"bug",`+
			`"color":"d73a4a"},{"id":%d,"name":"help wanted","color":"008672"}],`+
			`"tags":["backend","p1"],"orders":[{"order_id":%d,"total":99.95,"items":[{"sku":"A-1",`+
			`"qty":2,"price":19.99},{"sku":"B-22","qty":1,"price":60.0}]}]}`,
			9007199254740992+int64(i), i, i, i, i%50, i%28+1, i%28+1, i, 583231+i, 208045946+i, 208045947+i, 1000+i)
	}
	b.WriteString(`],"next":"https://api.example.com/items?page=2"}`)
	return []byte(b.String())
}

// BenchmarkDecodePage decodes a page of 100 nested records of about 620
// bytes each and reports records per second.
//
//	go test -run '^$' -bench DecodePage -benchmem ./runtime/jsondec
func BenchmarkDecodePage(b *testing.B) {
	page := makePage(100)
	for name, d := range decoders(b) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Decode(page); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(len(page))/100, "bytes/record")
		})
	}
}

// FuzzDecode checks that every decoder of this build gives the same values
// for a body both accept (sonic is laxer on some invalid input, such as raw
// control characters in strings) and that no integer literal is turned into
// a float:
// sonic's big-integer path (mayHaveBigInt) must catch every integer beyond
// int64 that encoding/json sees. Run:
//
//	go test -run '^$' -fuzz FuzzDecode -fuzztime 90s ./runtime/jsondec
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"big": 1180591620717411303424}`, `[-1180591620717411303424, 1e5, 0.5]`, `9223372036854775808`,
		`{"a":"1234567890123456789012","b":[1,2,{"c":null}]}`, `[1.2345678901234567890123e5]`, `{"x":12345678901234567890.5}`,
		"[\n12345678901234567890123\n]", `"\u00e9"`, `{`,
	} {
		f.Add([]byte(s))
	}
	decs := decoders(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		std, stdErr := NewStd().Decode(data)
		for name, d := range decs {
			v, err := d.Decode(data)
			if err == nil && stdErr == nil && !reflect.DeepEqual(v, std) {
				t.Fatalf("%s decodes %q as %#v, encoding/json as %#v", name, data, v, std)
			}
		}
	})
}

func TestMayHaveBigInt(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{`{"a": 1180591620717411303424}`, true},
		{`[-9223372036854775809]`, true},
		{`[9223372036854775807]`, true}, // 19 digits: decoded exactly either way
		{`[922337203685477580]`, false},
		{`[0.1180591620717411303424]`, false},
		{`["1180591620717411303424"]`, false},
		{`[1180591620717411303424e3]`, false},
		{`{"id": 1, "s": "x"}`, false},
	}
	for _, tt := range tests {
		for pad := 0; pad < 20; pad++ { // every alignment of the 19-byte stride
			in := strings.Repeat(" ", pad) + tt.in
			if got := mayHaveBigInt([]byte(in)); got != tt.want {
				t.Errorf("mayHaveBigInt(%q) = %v, want %v", in, got, tt.want)
			}
		}
	}
}

// BenchmarkMayHaveBigInt is the cost the big-integer check adds to every
// sonic decode of a page (compare BenchmarkDecodePage/sonic).
func BenchmarkMayHaveBigInt(b *testing.B) {
	page := makePage(100)
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		if mayHaveBigInt(page) {
			b.Fatal("the page has no big integer")
		}
	}
}
