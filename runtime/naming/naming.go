// Package naming implements dlt's default `snake_case` naming convention:
// how a JSON key, a resource name or a nested path becomes a table or column
// identifier in the destination.
//
// The rules are dlt's (dlt/common/normalizers/naming/snake_case.py and
// naming.py), reproduced exactly so that tables and columns get the same
// names as a dlt load of the same data:
//
//   - a path is split on "__", blank segments are dropped, every segment is
//     normalized on its own, and the segments are joined again with "__";
//   - a segment is trimmed; `+ - * @ |` become `x _ x a l`; every run of
//     characters outside [A-Za-z0-9_] (Unicode digits count as digits, as in
//     Python's \d) becomes one `_`; `_` is inserted before a Capital+lowercase
//     run that follows a non-underscore and between [a-z0-9] and a capital;
//     the result is lowercased; a leading digit gets a `_` prefix; every
//     trailing `_` becomes `x`; runs of `__` collapse to `_`;
//   - a name longer than the destination's identifier limit is cut to the
//     limit with a 6-character tag in the middle, derived from SHAKE128 of
//     the name before normalization (see [Convention.Shorten]).
package naming

import (
	"crypto/sha3"
	"encoding/base64"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// PathSeparator joins the segments of a nested path: `address__geo__lat`,
// `users__orders__items`.
const PathSeparator = "__"

// EmptyKey is the name dlt's relational normalizer gives to blank JSON keys
// (dlt raises on a blank identifier; its normalizer never passes one).
const EmptyKey = "_empty"

// MaxSQLite is the identifier length limit used for SQLite.
//
// SQLite itself has no limit on identifier length (only on the length of a
// whole SQL statement). dlt loads SQLite through its sqlalchemy destination,
// which takes the limit from the SQLAlchemy dialect; the SQLite dialect keeps
// SQLAlchemy's default `max_identifier_length` of 9999. Using the same value
// makes sluice shorten exactly the names dlt shortens on SQLite, i.e. in
// practice never, while keeping a finite bound.
const MaxSQLite = 9999

// MaxDuckDB is dlt's identifier length limit for DuckDB.
const MaxDuckDB = 65536

// tagLength is the number of bytes of SHAKE128 output in a shortening tag:
// dlt computes int((2+1)*log2(1/0.001)//8 + 1) = 4 bytes (6 base64 chars).
const tagLength = 4

// Convention is the snake_case convention with a maximum identifier length.
// The zero value has no length limit. A Convention caches nothing and is safe
// for concurrent use.
type Convention struct {
	// MaxLength is the longest identifier the destination accepts; 0 means
	// no limit.
	MaxLength int
}

// SQLite is the convention for the SQLite destination.
var SQLite = Convention{MaxLength: MaxSQLite}

// Normalize normalizes one identifier (no path splitting) with the SQLite
// length limit. A blank name gives [EmptyKey].
func Normalize(name string) string { return SQLite.Normalize(name) }

// NormalizePath normalizes a `__`-separated path with the SQLite length limit.
func NormalizePath(name string) string { return SQLite.NormalizePath(name) }

// Shorten cuts a normalized name to max characters, tagging it with a hash of
// the name itself (dlt's shorten_fragments). Names within the limit, and any
// name when max <= 0, are returned unchanged.
func Shorten(name string, max int) string { return ShortenWithTag(name, name, max) }

var (
	reNonAlnum  = regexp.MustCompile(`[^a-zA-Z\p{Nd}_]+`)
	reBreak1    = regexp.MustCompile(`([^_])([A-Z][a-z]+)`)
	reBreak2    = regexp.MustCompile(`([a-z0-9])([A-Z])`)
	reUnderline = regexp.MustCompile(`__+`)
)

var reduceAlphabet = strings.NewReplacer("+", "x", "-", "_", "*", "x", "@", "a", "|", "l")

// isPySpace reports whether Python's str.isspace() holds for r: Go's
// unicode.IsSpace plus the ASCII separators 0x1c-0x1f.
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

func isBlank(s string) bool {
	return strings.TrimFunc(s, isPySpace) == ""
}

// Normalize normalizes one identifier. A blank name gives [EmptyKey].
func (c Convention) Normalize(name string) string {
	ident := strings.TrimFunc(name, isPySpace)
	if ident == "" {
		return EmptyKey
	}
	return ShortenWithTag(snake(ident), ident, c.MaxLength)
}

// snake is the length-unlimited snake_case transform of a trimmed, non-blank
// identifier.
func snake(ident string) string {
	if fast, ok := snakeASCIIFast(ident); ok {
		return fast
	}
	s := reduceAlphabet.Replace(ident)
	s = reNonAlnum.ReplaceAllString(s, "_")
	s = reBreak1.ReplaceAllString(s, "${1}_${2}")
	s = reBreak2.ReplaceAllString(s, "${1}_${2}")
	s = strings.ToLower(s)
	if r, _ := utf8.DecodeRuneInString(s); unicode.Is(unicode.Nd, r) {
		s = "_" + s
	}
	trimmed := strings.TrimRight(s, "_")
	if n := len(s) - len(trimmed); n > 0 {
		s = trimmed + strings.Repeat("x", n)
	}
	return reUnderline.ReplaceAllString(s, "_")
}

// snakeASCIIFast handles the common case of a name that is already snake
// case: lowercase ASCII letters, digits and single inner underscores, not
// starting with a digit and not ending with `_`.
func snakeASCIIFast(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch {
		case b >= 'a' && b <= 'z':
		case b >= '0' && b <= '9':
			if i == 0 {
				return "", false
			}
		case b == '_':
			if i == len(s)-1 || s[i+1] == '_' {
				return "", false
			}
		default:
			return "", false
		}
	}
	return s, true
}

// NormalizePath splits name on `__`, drops blank segments, normalizes each
// segment and joins them again, then shortens the whole path with a tag
// derived from the raw name. A path with no non-blank segment gives "".
func (c Convention) NormalizePath(name string) string {
	parts := strings.Split(name, PathSeparator)
	out := parts[:0:0]
	for _, p := range parts {
		if isBlank(p) {
			continue
		}
		out = append(out, c.Normalize(p))
	}
	return ShortenWithTag(MakePath(out...), name, c.MaxLength)
}

// NormalizeTablesPath is NormalizePath for table names; snake_case treats
// table and column identifiers alike.
func (c Convention) NormalizeTablesPath(name string) string { return c.NormalizePath(name) }

// ShortenFragments joins already normalized identifiers into a path and
// shortens it, tagging with a hash of the joined path (dlt's
// shorten_fragments). Used for nested column names, child table names and
// variant columns.
func (c Convention) ShortenFragments(idents ...string) string {
	p := MakePath(idents...)
	return ShortenWithTag(p, p, c.MaxLength)
}

// Shorten cuts name to the convention's limit, tagged by a hash of name.
func (c Convention) Shorten(name string) string { return ShortenWithTag(name, name, c.MaxLength) }

// MakePath joins identifiers with `__`, skipping blank ones.
func MakePath(idents ...string) string {
	switch len(idents) {
	case 1:
		if isBlank(idents[0]) {
			return ""
		}
		return idents[0]
	case 2:
		if !isBlank(idents[0]) && !isBlank(idents[1]) {
			return idents[0] + PathSeparator + idents[1]
		}
	}
	var b strings.Builder
	for _, id := range idents {
		if isBlank(id) {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(PathSeparator)
		}
		b.WriteString(id)
	}
	return b.String()
}

// BreakPath splits a path into its non-blank segments.
func BreakPath(path string) []string {
	parts := strings.Split(path, PathSeparator)
	out := parts[:0]
	for _, p := range parts {
		if !isBlank(p) {
			out = append(out, p)
		}
	}
	return out
}

// ShortenWithTag returns normalized unchanged if it has at most max
// characters (or max <= 0). Otherwise it keeps the first ceil((max-6)/2) and
// the last floor((max-6)/2) characters of normalized and puts between them a
// 6-character tag: the lowercased, unpadded standard base64 of 4 bytes of
// SHAKE128(tagSource) with `/` → `a` and `+` → `b` (dlt's
// shorten_identifier). Lengths count Unicode code points, as Python does.
func ShortenWithTag(normalized, tagSource string, max int) string {
	if max <= 0 || len(normalized) <= max {
		// byte length <= max implies code point length <= max
		return normalized
	}
	runes := []rune(normalized)
	if len(runes) <= max {
		return normalized
	}
	tag := Tag(tagSource)
	if max < len(tag) {
		// dlt asserts here; a limit shorter than the tag is a configuration error
		return tag[:max]
	}
	remaining := max - len(tag)
	head := remaining/2 + remaining%2
	tail := remaining / 2
	return string(runes[:head]) + tag + string(runes[len(runes)-tail:])
}

// Tag is the 6-character shortening tag of s (see [ShortenWithTag]).
func Tag(s string) string {
	sum := sha3.SumSHAKE128([]byte(s), tagLength)
	t := base64.RawStdEncoding.EncodeToString(sum)
	t = strings.NewReplacer("/", "a", "+", "b").Replace(t)
	return strings.ToLower(t)
}

// Cache memoizes a Convention's NormalizePath for one goroutine-safe use
// across a run (keys of a JSON API repeat endlessly).
type Cache struct {
	conv Convention
	mu   sync.RWMutex
	m    map[string]string
}

// NewCache returns an empty cache for c.
func NewCache(c Convention) *Cache { return &Cache{conv: c, m: make(map[string]string)} }

// NormalizePath is the cached [Convention.NormalizePath].
func (k *Cache) NormalizePath(name string) string {
	k.mu.RLock()
	v, ok := k.m[name]
	k.mu.RUnlock()
	if ok {
		return v
	}
	v = k.conv.NormalizePath(name)
	k.mu.Lock()
	k.m[name] = v
	k.mu.Unlock()
	return v
}
