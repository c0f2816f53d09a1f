package redact

import (
	"net/http"
	"strings"
)

// sensitiveHeaders are masked whatever their value.
var sensitiveHeaders = map[string]bool{
	"Authorization":       true,
	"Proxy-Authorization": true,
	"Cookie":              true,
	"Set-Cookie":          true,
	"X-Api-Key":           true,
}

// IsSensitiveHeader reports whether Header masks a header of that name
// whatever its value: Authorization, Proxy-Authorization, Cookie,
// Set-Cookie, X-Api-Key, and any name IsSensitiveKey reports (X-Auth-Token,
// X-Custom-Auth, X-Amz-Signature, …).
func IsSensitiveHeader(name string) bool {
	return sensitiveHeaders[http.CanonicalHeaderKey(name)] || IsSensitiveKey(name)
}

// Header returns a copy of h fit to print: the values of sensitive headers
// (see IsSensitiveHeader) are masked, keeping an auth scheme word such as
// "Bearer" so the output still says what was sent, and every other value
// has known secrets masked (a short secret when it is the whole value, or
// the whole value after a scheme word). h is not changed.
func (r *Redactor) Header(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		c := make([]string, len(vs))
		sensitive := IsSensitiveHeader(k)
		for i, v := range vs {
			if sensitive {
				c[i] = maskHeaderValue(v)
			} else {
				c[i] = r.headerValue(v)
			}
		}
		out[k] = c
	}
	return out
}

// headerValue redacts the value of a header that is not sensitive by name.
func (r *Redactor) headerValue(v string) string {
	if r.isWhole(strings.TrimSpace(v)) {
		return Mask
	}
	if scheme, rest, ok := strings.Cut(strings.TrimSpace(v), " "); ok && isWord(scheme) && r.isWhole(strings.TrimSpace(rest)) {
		return scheme + " " + Mask
	}
	return r.Text(v)
}

// maskHeaderValue keeps a leading scheme word ("Bearer xyz" → "Bearer ***").
func maskHeaderValue(v string) string {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(v), " ")
	if ok && rest != "" && len(scheme) <= 16 && isWord(scheme) {
		return scheme + " " + Mask
	}
	return Mask
}

func isWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-') {
			return false
		}
	}
	return s != ""
}
