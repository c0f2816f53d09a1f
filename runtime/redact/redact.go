// Package redact keeps secret values out of everything sluice prints: log
// lines, error messages, URLs and headers.
//
// A Redactor knows a set of secret values (tokens, passwords, API keys,
// everything read from secrets.toml, whatever an Authenticator reports from
// Secrets) and replaces each occurrence with "***". On top of that, URLs
// get dlt's treatment: the values of query parameters with a secret-looking
// name (api_key, token, …) are masked whatever they are, and so is the
// password of a user:password@ userinfo.
//
// A Redactor is safe for concurrent use; Add may be called while other
// goroutines redact. The zero value and a nil *Redactor know no secrets
// but still mask secret-looking query parameters and headers.
package redact

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// Mask replaces every redacted value.
const Mask = "***"

// MinSecretLen is the shortest value treated as a secret, in characters.
// Shorter values ("1", "no") would mask half of every log line and protect
// nothing.
const MinSecretLen = 3

// SensitiveQueryKeys are the query parameter names whose values are always
// masked in URLs (compared case-insensitively); dlt's list.
var SensitiveQueryKeys = []string{
	"api_key", "token", "key", "access_token", "apikey", "api-key",
	"access-token", "secret", "password", "pwd", "client_secret",
}

// Redactor replaces known secret values with Mask.
type Redactor struct {
	mu      sync.Mutex // serialises Add
	secrets map[string]struct{}
	// rep is rebuilt on Add and read without a lock.
	rep atomic.Pointer[strings.Replacer]
}

// New returns a Redactor that knows secrets. Empty values and values of
// fewer than MinSecretLen characters are ignored.
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add teaches r more secrets (the same rules as New). Adding a known value
// again is cheap.
func (r *Redactor) Add(secrets ...string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	changed := false
	for _, s := range secrets {
		if utf8.RuneCountInString(s) < MinSecretLen {
			continue
		}
		if _, ok := r.secrets[s]; ok {
			continue
		}
		if r.secrets == nil {
			r.secrets = map[string]struct{}{}
		}
		r.secrets[s] = struct{}{}
		changed = true
	}
	if changed {
		r.rep.Store(buildReplacer(r.secrets))
	}
}

// buildReplacer masks each secret and the forms it takes inside URLs and
// JSON text, longest first, so that a secret containing another is masked
// whole.
func buildReplacer(secrets map[string]struct{}) *strings.Replacer {
	forms := map[string]struct{}{}
	for s := range secrets {
		forms[s] = struct{}{}
		for _, f := range []string{url.QueryEscape(s), url.PathEscape(s), jsonEscape(s)} {
			if utf8.RuneCountInString(f) >= MinSecretLen {
				forms[f] = struct{}{}
			}
		}
	}
	list := make([]string, 0, len(forms))
	for f := range forms {
		list = append(list, f)
	}
	slices.SortFunc(list, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	pairs := make([]string, 0, 2*len(list))
	for _, f := range list {
		pairs = append(pairs, f, Mask)
	}
	return strings.NewReplacer(pairs...)
}

func jsonEscape(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		return s
	}
	return string(b[1 : len(b)-1])
}

// String returns s with every known secret replaced by Mask.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	rep := r.rep.Load()
	if rep == nil {
		return s
	}
	return rep.Replace(s)
}

// Text is String plus URL for every http(s) URL found in s: what an error
// message or a log line needs, since they often quote a request URL.
func (r *Redactor) Text(s string) string {
	s = r.String(s)
	if !strings.Contains(s, "://") {
		return s
	}
	var b strings.Builder
	for {
		i := indexURL(s)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := i + strings.IndexFunc(s[i:], endOfURL)
		if j < i {
			j = len(s)
		}
		b.WriteString(s[:i])
		b.WriteString(r.URL(s[i:j]))
		s = s[j:]
	}
}

// indexURL finds the next "http://" or "https://" in s.
func indexURL(s string) int {
	i := strings.Index(s, "http")
	for i >= 0 {
		rest := s[i:]
		if strings.HasPrefix(rest, "http://") || strings.HasPrefix(rest, "https://") {
			return i
		}
		n := strings.Index(rest[4:], "http")
		if n < 0 {
			return -1
		}
		i += 4 + n
	}
	return -1
}

func endOfURL(c rune) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '"', '\'', '<', '>', '`':
		return true
	}
	return false
}

// URL returns raw with known secrets masked, the values of query
// parameters named in SensitiveQueryKeys masked, and the password of a
// userinfo masked. The rest of the URL is kept byte for byte, so a
// malformed URL is still redacted.
func (r *Redactor) URL(raw string) string {
	s := maskUserinfo(raw)
	if q := strings.IndexByte(s, '?'); q >= 0 {
		query, frag := s[q+1:], ""
		if h := strings.IndexByte(query, '#'); h >= 0 {
			query, frag = query[:h], query[h:]
		}
		s = s[:q+1] + maskQuery(query) + frag
	}
	return r.String(s)
}

// maskQuery masks the values of sensitive keys in a raw query string.
func maskQuery(query string) string {
	parts := strings.Split(query, "&")
	for i, p := range parts {
		k, _, hasValue := strings.Cut(p, "=")
		if !hasValue {
			continue
		}
		if name, err := url.QueryUnescape(k); err == nil {
			k = name
		}
		if IsSensitiveKey(k) {
			parts[i] = p[:strings.IndexByte(p, '=')+1] + Mask
		}
	}
	return strings.Join(parts, "&")
}

// IsSensitiveKey reports whether a query parameter of that name has its
// value masked (one of SensitiveQueryKeys, case-insensitively).
func IsSensitiveKey(name string) bool {
	for _, k := range SensitiveQueryKeys {
		if strings.EqualFold(name, k) {
			return true
		}
	}
	return false
}

// maskUserinfo masks the password in scheme://user:password@host.
func maskUserinfo(raw string) string {
	i := strings.Index(raw, "://")
	if i < 0 {
		return raw
	}
	start := i + 3
	end := len(raw)
	if n := strings.IndexAny(raw[start:], "/?#"); n >= 0 {
		end = start + n
	}
	authority := raw[start:end]
	at := strings.LastIndexByte(authority, '@')
	if at < 0 {
		return raw
	}
	userinfo := authority[:at]
	colon := strings.IndexByte(userinfo, ':')
	if colon < 0 {
		return raw
	}
	return raw[:start] + userinfo[:colon+1] + Mask + raw[start+at:]
}
