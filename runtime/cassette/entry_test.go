package cassette

import (
	"bytes"
	"os"
	"testing"
)

func TestBodyRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		in     []byte
		format string
		want   []byte // what is sent again; nil: in
	}{
		{"empty", nil, "", []byte{}},
		{"json object keeps big numbers", []byte(`{"a":12345678901234567890,"b":[1,2]}`), FormatJSON, nil},
		{"json array compacted", []byte("[1, 2,\n 3]"), FormatJSON, []byte("[1,2,3]")},
		{"text", []byte("plain text\nwith two lines  "), FormatText, nil},
		{"not json", []byte("{not json"), FormatText, nil},
		{"binary", []byte{0, 1, 2, 0xff}, FormatBase64, nil},
		{"invalid utf-8", []byte("caf\xe9"), FormatBase64, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBody(tt.in)
			if b.Format != tt.format {
				t.Fatalf("format %q, want %q", b.Format, tt.format)
			}
			e := &Entry{Request: Request{Method: "POST", URL: "http://h/x", Body: b}, Response: Response{Status: 200, Body: b}}
			data, err := e.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			back, err := ParseEntry(data)
			if err != nil {
				t.Fatalf("%v\n%s", err, data)
			}
			got, err := back.Response.Body.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want == nil {
				want = tt.in
			}
			if !bytes.Equal(got, want) {
				t.Errorf("sent again as %q, want %q\n%s", got, want, data)
			}
		})
	}
}

func TestParseEntryErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"no method", "request: {url: /x}\nresponse: {status: 200}", "request.method is missing"},
		{"no url", "request: {method: GET}\nresponse: {status: 200}", "request.url is missing"},
		{"bad status", "request: {method: GET, url: /x}\nresponse: {status: 42}", "response.status 42"},
		{"unknown field", "request: {method: GET, url: /x, verb: GET}\nresponse: {status: 200}", "field verb not found"},
		{"bad json body", "request: {method: GET, url: /x}\nresponse: {status: 200, body_format: json, body: '{\"a'}", "response.body_format is json"},
		{"json body not an object", "request: {method: GET, url: /x}\nresponse: {status: 200, body_format: json, body: '1'}", "expected an object or an array"},
		{"bad base64", "request: {method: GET, url: /x}\nresponse: {status: 200, body_format: base64, body: '!!'}", "not valid base64"},
		{"bad format", "request: {method: GET, url: /x}\nresponse: {status: 200, body_format: xml, body: a}", `body_format "xml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseEntry([]byte(tt.in))
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.want)) {
				t.Errorf("error %v, want it to say %q", err, tt.want)
			}
		})
	}
}

// FuzzParseEntry: any input either fails to parse or parses into an
// entry that marshals and parses back to the same bodies.
func FuzzParseEntry(f *testing.F) {
	seed, err := os.ReadFile("testdata/get-users-000000000000.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte("request: {method: GET, url: /x}\nresponse: {status: 200, body_format: base64, body: AAE=}"))
	f.Add([]byte("request: {method: POST, url: /x, body_format: text, body: a=b}\nresponse: {status: 503}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseEntry(data)
		full, ferr := parseEntry(data, nil, nil)
		if (err == nil) != (ferr == nil) {
			t.Fatalf("the fast path says %v, the YAML parser %v", err, ferr)
		}
		if err != nil {
			return
		}
		if e.Response.Body != full.Response.Body || e.Request.Body != full.Request.Body || !bytes.Equal(e.respBytes, full.respBytes) {
			t.Fatalf("the fast path read %+v (%q), the YAML parser %+v (%q)", e.Response.Body, e.respBytes, full.Response.Body, full.respBytes)
		}
		if lean, err := parse(data, false); err != nil || !bytes.Equal(lean.respBytes, full.respBytes) || !bytes.Equal(lean.reqBytes, full.reqBytes) {
			t.Fatalf("the replay's parse differs: %v", err)
		}
		out, err := e.Marshal()
		if err != nil {
			t.Fatalf("a parsed entry does not marshal: %v", err)
		}
		back, err := ParseEntry(out)
		if err != nil {
			t.Fatalf("a marshalled entry does not parse: %v\n%s", err, out)
		}
		for _, pair := range [][2]Body{{e.Request.Body, back.Request.Body}, {e.Response.Body, back.Response.Body}} {
			a, _ := pair[0].Bytes()
			b, _ := pair[1].Bytes()
			if !bytes.Equal(a, b) {
				t.Fatalf("body changed in a round trip: %q → %q", a, b)
			}
		}
	})
}
