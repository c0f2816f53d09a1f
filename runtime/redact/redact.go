// Package redact keeps secret values out of everything sluice prints: log
// lines, error messages, URLs and headers.
//
// A Redactor knows a set of secret values (tokens, passwords, API keys,
// everything read from secrets.toml, whatever an Authenticator reports from
// Secrets) and replaces each occurrence with "***". On top of that, URLs
// get dlt's treatment: the values of query parameters with a secret-looking
// name (api_key, token, access_key, X-Amz-Signature, …) are masked whatever
// they are, and so is the password of a user:password@ userinfo. A secret
// shorter than MinSecretLen is masked only where it sits as a whole value
// (a header or query value, URL userinfo, a log attribute), not inside free
// text.
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
	"unicode"
	"unicode/utf8"
)

// Mask replaces every redacted value.
const Mask = "***"

// MinSecretLen is the shortest secret, in characters, that is masked
// wherever it occurs in free text (messages, bodies, path segments glued to
// other text). A shorter secret ("1", "no", "abc") is masked only where it
// is known to sit as a whole value: a header value, a query parameter
// value, a userinfo part, a whole log attribute.
// Masking every "1" of every log line would wreck the output and protect
// nothing, since the value could be anything.
const MinSecretLen = 4

// SensitiveQueryKeys are the query parameter names whose values are always
// masked in URLs (compared case-insensitively); dlt's list. IsSensitiveKey
// masks more: any name with a secret-like word in it.
var SensitiveQueryKeys = []string{
	"api_key", "token", "key", "access_token", "apikey", "api-key",
	"access-token", "secret", "password", "pwd", "client_secret",
}

// secretSubstrings mark a sensitive name wherever they occur in it
// (X-Amz-Signature, accesstoken, client_secret, X-Auth-Token).
var secretSubstrings = []string{
	"token", "secret", "passw", "signature", "credential", "apikey",
	"api_key", "api-key", "authorization", "private_key", "privatekey",
	"accesskey", "access_key", "sessionid", "session_id",
}

// secretWords mark a sensitive name when they are one of its words (words
// are split at anything not a letter or digit and at a lower-to-upper
// case change): access_key, apiKey, X-Custom-Auth, sig; but not monkey,
// keyword or author.
var secretWords = []string{"key", "sig", "auth", "pwd", "pass", "jwt", "hmac", "otp", "pin"}

// IsSensitiveKey reports whether a query parameter (or a header, or a log
// attribute) of that name has its value masked whatever it is: one of
// SensitiveQueryKeys, a name containing token, secret, passw(ord),
// signature, credential, apikey, api_key, authorization, private_key,
// access_key, session_id (and their spellings without the separator), or a
// name with key, sig, auth, pwd, pass, jwt, hmac, otp or pin as one of its
// words. Names are compared case-insensitively.
func IsSensitiveKey(name string) bool {
	for _, k := range SensitiveQueryKeys {
		if strings.EqualFold(name, k) {
			return true
		}
	}
	l := strings.ToLower(name)
	for _, sub := range secretSubstrings {
		if strings.Contains(l, sub) {
			return true
		}
	}
	for _, w := range words(name) {
		if slices.Contains(secretWords, w) {
			return true
		}
	}
	return false
}

// words splits a name into lower-case words at every character that is not
// a letter or a digit and before an upper-case letter that follows a
// lower-case one (apiKey → api, key).
func words(name string) []string {
	var out []string
	start := -1
	prevLower := false
	flush := func(end int) {
		if start >= 0 && end > start {
			out = append(out, strings.ToLower(name[start:end]))
		}
		start = -1
	}
	for i, c := range name {
		alnum := unicode.IsLetter(c) || unicode.IsDigit(c)
		switch {
		case !alnum:
			flush(i)
		case unicode.IsUpper(c) && prevLower:
			flush(i)
			start = i
		case start < 0:
			start = i
		}
		prevLower = unicode.IsLower(c) || unicode.IsDigit(c)
	}
	flush(len(name))
	return out
}

// Redactor replaces known secret values with Mask.
type Redactor struct {
	mu  sync.Mutex // serialises Add
	all map[string]struct{}
	// snap is rebuilt on Add and read without a lock.
	snap atomic.Pointer[snapshot]
}

// snapshot is what the redacting methods read: a replacer for the secrets
// of MinSecretLen characters or more, and the set of every secret (short
// ones too) with the forms it takes in URLs, for whole-value matches.
type snapshot struct {
	rep   *strings.Replacer // nil when there is no long secret
	whole map[string]struct{}
}

// New returns a Redactor that knows secrets. Empty values are ignored;
// values shorter than MinSecretLen are masked only as whole values.
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
		if s == "" {
			continue
		}
		if _, ok := r.all[s]; ok {
			continue
		}
		if r.all == nil {
			r.all = map[string]struct{}{}
		}
		r.all[s] = struct{}{}
		changed = true
	}
	if changed {
		r.snap.Store(buildSnapshot(r.all))
	}
}

// buildSnapshot masks each secret and the forms it takes inside URLs and
// JSON text, longest first, so that a secret containing another is masked
// whole.
func buildSnapshot(secrets map[string]struct{}) *snapshot {
	forms := map[string]struct{}{}
	whole := map[string]struct{}{}
	for s := range secrets {
		whole[s] = struct{}{}
		long := utf8.RuneCountInString(s) >= MinSecretLen
		if long {
			forms[s] = struct{}{}
		}
		for _, f := range []string{url.QueryEscape(s), url.PathEscape(s), jsonEscape(s)} {
			whole[f] = struct{}{}
			if long && utf8.RuneCountInString(f) >= MinSecretLen {
				forms[f] = struct{}{}
			}
		}
	}
	snap := &snapshot{whole: whole}
	if len(forms) == 0 {
		return snap
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
	snap.rep = strings.NewReplacer(pairs...)
	return snap
}

// isWhole reports whether v is exactly a known secret (of any length) or
// one of its escaped forms.
func (r *Redactor) isWhole(v string) bool {
	if r == nil || v == "" {
		return false
	}
	snap := r.snap.Load()
	if snap == nil {
		return false
	}
	_, ok := snap.whole[v]
	return ok
}

// Contains reports whether s holds a known secret: a secret of
// MinSecretLen characters or more anywhere in it, or a shorter one as the
// whole of s.
func (r *Redactor) Contains(s string) bool {
	return r.isWhole(s) || r.String(s) != s
}

// Value masks v when it is, as a whole, a value that is known to sit
// somewhere (a header value, a query value, a log attribute): Mask if v is
// a known secret of any length, else v with long secrets masked.
func (r *Redactor) Value(v string) string {
	if r.isWhole(v) {
		return Mask
	}
	return r.String(v)
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
	snap := r.snap.Load()
	if snap == nil || snap.rep == nil {
		return s
	}
	return snap.rep.Replace(s)
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
		// Punctuation that ends a sentence or a "GET <url>: 404" prefix
		// belongs to the text, not to the URL's last query value.
		for j > i && strings.IndexByte(trailingPunct, s[j-1]) >= 0 {
			j--
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

// trailingPunct is trimmed from the end of a URL found in text.
const trailingPunct = ":,.;)]}!"

func endOfURL(c rune) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '"', '\'', '<', '>', '`':
		return true
	}
	return false
}

// URL returns raw with known secrets masked, the values of query
// parameters with a sensitive name (IsSensitiveKey) masked, the password of
// a userinfo masked, and every query value and user name that is exactly a
// known secret masked, however short. The rest of the URL is kept byte for
// byte, so a malformed URL is still redacted.
func (r *Redactor) URL(raw string) string {
	s := r.maskUserinfo(raw)
	rest, frag := s, ""
	if h := strings.IndexByte(rest, '#'); h >= 0 {
		rest, frag = rest[:h], rest[h:]
	}
	base, query, hasQuery := strings.Cut(rest, "?")
	if hasQuery {
		s = base + "?" + r.maskQuery(query) + frag
	} else {
		s = base + frag
	}
	return r.String(s)
}

// maskQuery masks the values of sensitive keys, and values that are a
// known secret, in a raw query string.
func (r *Redactor) maskQuery(query string) string {
	parts := strings.Split(query, "&")
	for i, p := range parts {
		k, v, hasValue := strings.Cut(p, "=")
		if !hasValue {
			continue
		}
		if name, err := url.QueryUnescape(k); err == nil {
			k = name
		}
		dv := v
		if u, err := url.QueryUnescape(v); err == nil {
			dv = u
		}
		if IsSensitiveKey(k) || r.isWhole(dv) || r.isWhole(v) {
			parts[i] = p[:strings.IndexByte(p, '=')+1] + Mask
		}
	}
	return strings.Join(parts, "&")
}

// maskUserinfo masks the password in scheme://user:password@host, and a
// user name that is a known secret.
func (r *Redactor) maskUserinfo(raw string) string {
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
	user, _, hasPassword := strings.Cut(userinfo, ":")
	if u, err := url.PathUnescape(user); err == nil && r.isWhole(u) || r.isWhole(user) {
		user = Mask
	}
	if hasPassword {
		user += ":" + Mask
	}
	return raw[:start] + user + raw[start+at:]
}
