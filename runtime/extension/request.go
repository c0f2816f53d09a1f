package extension

import (
	"net/http"
	"net/url"
	"strings"
)

// Request is an outgoing HTTP request in the form hooks see and change.
//
// URL is absolute and may carry a query of its own; Query is added to it when
// the request is sent (a key present in both is sent twice, as dlt does).
// A nil JSON means no JSON body; a non-nil JSON (even an empty object) is
// sent as application/json. Body, when non-nil and JSON is nil, is sent as
// is with the Content-Type header the request carries.
type Request struct {
	Method string
	URL    string
	Query  url.Values
	Header http.Header
	JSON   any
	Body   []byte
}

// Clone returns a deep copy of r, so that a hook may change the copy without
// touching the original. JSON bodies are copied as JSON trees.
func (r *Request) Clone() *Request {
	c := &Request{Method: r.Method, URL: r.URL}
	if r.Query != nil {
		c.Query = make(url.Values, len(r.Query))
		for k, v := range r.Query {
			c.Query[k] = append([]string(nil), v...)
		}
	}
	if r.Header != nil {
		c.Header = r.Header.Clone()
	}
	if r.JSON != nil {
		c.JSON = CloneJSON(r.JSON)
	}
	if r.Body != nil {
		c.Body = append([]byte(nil), r.Body...)
	}
	return c
}

// FullURL returns URL with Query appended to its own query string.
func (r *Request) FullURL() (string, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return "", err
	}
	if len(r.Query) > 0 {
		q := EncodeQuery(r.Query)
		if u.RawQuery != "" {
			u.RawQuery += "&" + q
		} else {
			u.RawQuery = q
		}
	}
	return u.String(), nil
}

// EncodeQuery encodes q as url.Values.Encode does (sorted by key) but
// with spaces as %20, not +: RFC 3986's form, which every server decodes
// the same way and which request signers (AWS SigV4) put in the signed
// canonical query, so a verifier that compares the raw query string
// accepts it. A literal + in a value is %2B either way.
func EncodeQuery(q url.Values) string {
	return strings.ReplaceAll(q.Encode(), "+", "%20")
}

// CloneJSON deep-copies a decoded JSON tree (maps, slices and scalars).
func CloneJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = CloneJSON(e)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, e := range t {
			s[i] = CloneJSON(e)
		}
		return s
	default:
		return v
	}
}
