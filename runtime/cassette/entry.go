package cassette

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Body formats of an Entry's bodies.
const (
	FormatJSON   = "json"   // indented JSON; replayed compacted
	FormatText   = "text"   // UTF-8 text, as is
	FormatBase64 = "base64" // anything else
)

// Entry is one recorded request and its response: the content of one
// cassette file.
type Entry struct {
	Request  Request  `yaml:"request"`
	Response Response `yaml:"response"`

	// the decoded bodies, set by ParseEntry
	reqBytes, respBytes []byte
}

// Request is the redacted request of an Entry.
type Request struct {
	Method string `yaml:"method"`
	// URL is absolute, with the recording run's base origin written as
	// Origin ({{origin}}/users?page=2).
	URL     string      `yaml:"url"`
	Headers http.Header `yaml:"headers,omitempty"`
	Body    Body        `yaml:",inline"`
}

// Response is the redacted response of an Entry.
type Response struct {
	Status  int         `yaml:"status"`
	Headers http.Header `yaml:"headers,omitempty"`
	Body    Body        `yaml:",inline"`
}

// Body is a request or response body as a cassette file shows it.
type Body struct {
	// Format is FormatJSON, FormatText or FormatBase64; empty with an
	// empty Text.
	Format string `yaml:"body_format,omitempty"`
	Text   string `yaml:"body,omitempty"`
}

// NewBody chooses the most readable form for b: indented JSON when it is
// a JSON object or array, text when it is UTF-8 without NUL bytes, base64
// otherwise.
func NewBody(b []byte) Body {
	if len(b) == 0 {
		return Body{}
	}
	t := bytes.TrimSpace(b)
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') && json.Valid(t) && utf8.Valid(t) {
		var out bytes.Buffer
		if err := json.Indent(&out, t, "", "  "); err == nil {
			return Body{Format: FormatJSON, Text: out.String() + "\n"}
		}
	}
	if utf8.Valid(b) && bytes.IndexByte(b, 0) < 0 {
		return Body{Format: FormatText, Text: string(b)}
	}
	return Body{Format: FormatBase64, Text: base64.StdEncoding.EncodeToString(b)}
}

// Bytes returns the body as it is sent again: JSON compacted, text as is,
// base64 decoded.
func (b Body) Bytes() ([]byte, error) {
	switch b.Format {
	case "", FormatText:
		return []byte(b.Text), nil
	case FormatJSON:
		out, err := compactJSON([]byte(b.Text))
		if err != nil {
			return nil, fmt.Errorf("body_format is json but the body is not valid JSON: %v", err)
		}
		return out, nil
	case FormatBase64:
		out, err := base64.StdEncoding.DecodeString(b.Text)
		if err != nil {
			return nil, fmt.Errorf("body_format is base64 but the body is not valid base64: %v", err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("body_format %q: expected json, text or base64", b.Format)
}

// compactJSON drops the whitespace outside strings of an indented JSON
// text: much cheaper than json.Compact on the tens of KB of a page, since
// it does not validate (the pipeline's decoder does, and says where). It
// checks only that the text is an object or an array whose strings end.
func compactJSON(s []byte) ([]byte, error) {
	t := bytes.TrimSpace(s)
	if len(t) == 0 || (t[0] != '{' && t[0] != '[') {
		return nil, fmt.Errorf("expected an object or an array")
	}
	out := make([]byte, 0, len(t))
	in, esc := false, false
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case in:
			if c == '\n' || c == '\r' {
				return nil, fmt.Errorf("a string holds a line break")
			}
			out = append(out, c)
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				in = false
			}
		case c == ' ' || c == '\n' || c == '\t' || c == '\r':
		default:
			if c == '"' {
				in = true
			}
			out = append(out, c)
		}
	}
	if in {
		return nil, fmt.Errorf("a string does not end")
	}
	return out, nil
}

// fileHeader opens every cassette file.
const fileHeader = "# A request and its response, recorded by sluice run --record (secrets redacted).\n"

// Marshal returns e as the content of a cassette file.
func (e *Entry) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(fileHeader)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(e); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ParseEntry reads the content of a cassette file and checks it: a
// method, a URL, a status between 100 and 599, and bodies that decode.
func ParseEntry(data []byte) (*Entry, error) { return parse(data, true) }

// parse is ParseEntry; without keepText a JSON response body cut from the
// file is not kept as text (Response.Body.Text is empty), only decoded: a
// replay needs the bytes alone.
func parse(data []byte, keepText bool) (*Entry, error) {
	head, body, raw, ok := splitResponseBody(data, keepText)
	if !ok {
		return parseEntry(data, nil, nil)
	}
	e, err := parseEntry(head, &body, raw)
	if err == nil && !keepText && e.Response.Body.Format != FormatJSON {
		return parse(data, true) // a text or base64 body is decoded from its text
	}
	return e, err
}

// responseBodyKey introduces the response body as Marshal writes it: the
// last key of the file, a literal block indented by 4 spaces.
const responseBodyKey = "\n  body: |\n"

// splitResponseBody cuts the response body, a literal block that Marshal
// wrote as the file's last key, from the rest of the file, so that the
// YAML parser reads only the small head (parsing a block of tens of KB is
// most of a replay's time otherwise). ok is false for any other layout,
// which the YAML parser then reads whole.
func splitResponseBody(data []byte, keepText bool) (head []byte, body string, raw []byte, ok bool) {
	r := bytes.Index(data, []byte("\nresponse:\n"))
	if r < 0 {
		return nil, "", nil, false
	}
	i := bytes.Index(data[r:], []byte(responseBodyKey))
	if i < 0 {
		return nil, "", nil, false
	}
	i += r
	rest := data[i+len(responseBodyKey):]
	if len(rest) == 0 || rest[len(rest)-1] != '\n' {
		return nil, "", nil, false
	}
	raw = rest
	if len(rest) < 5 || rest[4] == ' ' {
		// YAML takes the first line's indentation as the block's.
		return nil, "", nil, false
	}
	var b strings.Builder
	if keepText {
		b.Grow(len(rest))
	}
	for len(rest) > 0 {
		n := bytes.IndexByte(rest, '\n')
		line := rest[:n]
		rest = rest[n+1:]
		if !bytes.HasPrefix(line, []byte("    ")) || len(bytes.TrimSpace(line)) == 0 {
			return nil, "", nil, false
		}
		if keepText {
			b.Write(line[4:])
			b.WriteByte('\n')
		}
	}
	return data[:i+1], b.String(), raw, true
}

// parseEntry parses a cassette file, or its head when respBody is the
// response body cut from it (raw: the block as written, indentation and
// all: outside strings, so compacting it gives the JSON body at once).
func parseEntry(data []byte, respBody *string, raw []byte) (*Entry, error) {
	var e Entry
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("not a cassette entry: %v", err)
	}
	if respBody != nil {
		if e.Response.Body.Text != "" {
			return nil, fmt.Errorf("response.body is given twice")
		}
		e.Response.Body.Text = *respBody
	}
	if e.Request.Method == "" {
		return nil, fmt.Errorf("request.method is missing")
	}
	if e.Request.URL == "" {
		return nil, fmt.Errorf("request.url is missing")
	}
	if e.Response.Status < 100 || e.Response.Status > 599 {
		return nil, fmt.Errorf("response.status %d: expected an HTTP status between 100 and 599", e.Response.Status)
	}
	var err error
	if e.reqBytes, err = e.Request.Body.Bytes(); err != nil {
		return nil, fmt.Errorf("request.%v", err)
	}
	if respBody != nil && e.Response.Body.Format == FormatJSON {
		e.respBytes, err = compactJSON(raw)
		if err != nil {
			err = fmt.Errorf("body_format is json but the body is not valid JSON: %v", err)
		}
	} else {
		e.respBytes, err = e.Response.Body.Bytes()
	}
	if err != nil {
		return nil, fmt.Errorf("response.%v", err)
	}
	return &e, nil
}
