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
// Set-Cookie, X-Api-Key, and any name containing "token", "secret",
// "password", "apikey", "api-key" or "api_key".
func IsSensitiveHeader(name string) bool {
	if sensitiveHeaders[http.CanonicalHeaderKey(name)] {
		return true
	}
	n := strings.ToLower(name)
	for _, part := range []string{"token", "secret", "password", "apikey", "api-key", "api_key"} {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}

// Header returns a copy of h fit to print: the values of sensitive headers
// (see IsSensitiveHeader) are masked, keeping an auth scheme word such as
// "Bearer" so the output still says what was sent, and every other value
// has known secrets masked. h is not changed.
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
				c[i] = r.Text(v)
			}
		}
		out[k] = c
	}
	return out
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
