package cassette

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/sluicehq/sluice/runtime/redact"
)

// Origin stands for the base origin of the recording run in a cassette's
// URLs, headers and bodies; a replay puts its own base origin back.
const Origin = "{{origin}}"

// Options configure a Recorder or a Replayer.
type Options struct {
	// Redactor knows the run's secrets: every value it knows is masked in
	// the cassette, and a replayed request is matched after the same
	// masking. Nil: only secret-looking names are masked.
	Redactor *redact.Redactor
	// BaseOrigin is the run's base_url origin (scheme://host[:port]),
	// written as Origin in the cassette and put back on replay. Empty:
	// URLs are kept absolute.
	BaseOrigin string
}

// droppedRequestHeaders change from build to build or are the client's
// own business; they would only make cassettes noisy in a diff.
var droppedRequestHeaders = []string{"User-Agent", "Accept-Encoding", "Content-Length"}

// droppedResponseHeaders change on every recording or no longer describe
// the stored (decoded) body.
var droppedResponseHeaders = []string{"Date", "Content-Length", "Content-Encoding", "Transfer-Encoding", "Connection", "Keep-Alive"}

// tokenResponseKeys mark a JSON object as a token response (OAuth2 and the
// like) whose secret-looking fields are masked and learnt as secrets.
var tokenResponseKeys = []string{"access_token", "id_token", "refresh_token"}

// keptTokenFields are the fields of a token response that are kept
// although their names look secret: the client needs them to use the
// token.
var keptTokenFields = map[string]bool{"token_type": true, "expires_in": true, "scope": true}

// scrubber redacts requests and responses for a cassette.
type scrubber struct {
	red    *redact.Redactor
	origin string
}

func newScrubber(o Options) *scrubber {
	red := o.Redactor
	if red == nil {
		red = redact.New()
	}
	return &scrubber{red: red, origin: strings.TrimRight(o.BaseOrigin, "/")}
}

// url writes the base origin as Origin and redacts the rest.
func (s *scrubber) url(raw string) string {
	if s.origin != "" && strings.HasPrefix(raw, s.origin) {
		rest := raw[len(s.origin):]
		if rest == "" || strings.IndexByte("/?#", rest[0]) >= 0 {
			return Origin + s.red.URL(rest)
		}
	}
	return s.red.URL(raw)
}

// text writes the base origin as Origin and masks known secrets.
func (s *scrubber) text(t string) string {
	if s.origin != "" {
		t = strings.ReplaceAll(t, s.origin, Origin)
	}
	return s.red.String(t)
}

// headers drops the named headers and redacts the others.
func (s *scrubber) headers(h http.Header, drop []string) http.Header {
	c := h.Clone()
	for _, d := range drop {
		c.Del(d)
	}
	for k, vs := range c {
		for i, v := range vs {
			if s.origin != "" {
				vs[i] = strings.ReplaceAll(v, s.origin, Origin)
			}
		}
		c[k] = vs
	}
	c = s.red.Header(c)
	if len(c) == 0 {
		return nil
	}
	return c
}

// requestBody redacts a request body: form fields and JSON fields with a
// secret-looking name are masked, and every known secret.
func (s *scrubber) requestBody(contentType string, b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case mt == "application/x-www-form-urlencoded":
		return []byte(strings.TrimPrefix(s.red.URL("?"+s.text(string(b))), "?"))
	case isJSON(b):
		if out, ok := s.maskJSON(b, func(string) bool { return true }); ok {
			return out
		}
	}
	return []byte(s.text(string(b)))
}

// responseBody redacts a response body: known secrets are masked, and in
// a token response (a JSON object with an access_token, id_token or
// refresh_token) every secret-looking field, whose values become known
// secrets of the run from then on.
func (s *scrubber) responseBody(b []byte) []byte {
	if isJSON(b) && bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) {
		var top map[string]json.RawMessage
		if json.Unmarshal(b, &top) == nil && hasAny(top, tokenResponseKeys) {
			for k, v := range top {
				var str string
				if !keptTokenFields[k] && redact.IsSensitiveKey(k) && json.Unmarshal(v, &str) == nil {
					s.red.Add(str)
				}
			}
			if out, ok := s.maskJSON(b, func(k string) bool { return !keptTokenFields[k] }); ok {
				return []byte(s.text(string(out)))
			}
		}
	}
	return []byte(s.text(string(b)))
}

func hasAny(m map[string]json.RawMessage, keys []string) bool {
	for _, k := range keys {
		if _, ok := m[k]; ok {
			return true
		}
	}
	return false
}

func isJSON(b []byte) bool {
	t := bytes.TrimSpace(b)
	return len(t) > 0 && (t[0] == '{' || t[0] == '[') && json.Valid(t)
}

// maskJSON masks, at any depth, the values of fields with a secret-looking
// name for which may reports true, then known secrets; numbers keep their
// digits. ok is false when b does not decode.
func (s *scrubber) maskJSON(b []byte, may func(string) bool) ([]byte, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	v = maskValue(v, may)
	out, err := json.Marshal(v)
	if err != nil {
		return nil, false
	}
	return []byte(s.text(string(out))), true
}

func maskValue(v any, may func(string) bool) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if redact.IsSensitiveKey(k) && may(k) {
				if _, isObj := x.(map[string]any); !isObj {
					if _, isList := x.([]any); !isList && x != nil {
						t[k] = redact.Mask
						continue
					}
				}
			}
			t[k] = maskValue(x, may)
		}
	case []any:
		for i, x := range t {
			t[i] = maskValue(x, may)
		}
	}
	return v
}

// key is what a request is matched on: its method, its redacted URL with
// the query parameters in order, and its redacted body (JSON compacted).
func key(method, scrubbedURL string, body []byte) string {
	u := scrubbedURL
	if base, q, ok := strings.Cut(u, "?"); ok {
		frag := ""
		if h := strings.IndexByte(q, '#'); h >= 0 {
			q, frag = q[:h], q[h:]
		}
		parts := strings.Split(q, "&")
		sort.Strings(parts)
		u = base + "?" + strings.Join(parts, "&") + frag
	}
	b := body
	if isJSON(b) {
		var c bytes.Buffer
		if json.Compact(&c, bytes.TrimSpace(b)) == nil {
			b = c.Bytes()
		}
	}
	return strings.ToUpper(method) + " " + u + "\n" + string(b)
}

// slug is a short, file-name-safe rendering of a URL's path for a
// cassette file's name: its last two segments.
func slug(scrubbedURL string) string {
	p := strings.TrimPrefix(scrubbedURL, Origin)
	if u, err := url.Parse(p); err == nil {
		p = u.Path
	} else if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	segs := strings.FieldsFunc(p, func(r rune) bool { return r == '/' })
	if len(segs) > 2 {
		segs = segs[len(segs)-2:]
	}
	var b strings.Builder
	for _, r := range strings.ToLower(strings.Join(segs, "-")) {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 40 {
			break
		}
	}
	if b.Len() == 0 {
		return "root"
	}
	return b.String()
}
