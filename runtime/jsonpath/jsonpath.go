// Package jsonpath compiles and evaluates the JSONPath expressions of a
// pipeline file (data_selector, next_url_path, cursor_path, total_path, …)
// on decoded JSON (map[string]any, []any and scalars, numbers as int64 or
// float64). It is a thin layer over github.com/ohler55/ojg/jp that accepts
// what dlt (through jsonpath-ng) accepts in practice:
//
//	data            a key at the top (no leading "$" needed)
//	$.data          the same, rooted
//	a.b.c           nested keys
//	a[*].b          every element of a list
//	$               the whole document
//	['@odata.nextLink']  a key with dots or an @ in it
//	$..x            x at any depth
//	$.data[?(@.id > 10)]  filters
//	next-page       a bare key with a hyphen (jsonpath-ng allows it; ojg
//	                does not, so dotted bare names are also parsed here)
//
// # Notes
//
// Decoded JSON objects are Go maps, which have no order, so when several
// keys of one object match (wildcards, "..") the order of the matches is
// unspecified, where jsonpath-ng follows the document. A compiled Path is
// safe for concurrent use.
package jsonpath

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ohler55/ojg/jp"
)

// Path is a compiled JSONPath expression.
type Path struct {
	src  string
	expr jp.Expr
}

// Compile parses expr. Surrounding spaces are ignored; an empty expression
// is an error.
func Compile(expr string) (*Path, error) {
	s := strings.TrimSpace(expr)
	if s == "" {
		return nil, errors.New("empty JSONPath expression")
	}
	x, err := jp.ParseString(s)
	if err != nil {
		if fx, ok := parseDotted(s); ok {
			return &Path{src: expr, expr: fx}, nil
		}
		return nil, fmt.Errorf("invalid JSONPath %q: %w", expr, err)
	}
	if len(x) == 0 {
		return nil, fmt.Errorf("invalid JSONPath %q", expr)
	}
	return &Path{src: expr, expr: x}, nil
}

// MustCompile is Compile for expressions known to be valid; it panics on an
// error.
func MustCompile(expr string) *Path {
	p, err := Compile(expr)
	if err != nil {
		panic(err)
	}
	return p
}

// String returns the expression as given to Compile.
func (p *Path) String() string { return p.src }

// First returns the first match in v and whether there was one. A match
// whose value is JSON null is (nil, true).
func (p *Path) First(v any) (any, bool) {
	return p.expr.FirstFound(v)
}

// All returns every match in v, or nil when nothing matches.
func (p *Path) All(v any) []any {
	r := p.expr.Get(v)
	if len(r) == 0 {
		return nil
	}
	return r
}

// Select applies a data selector to a response body the way dlt does and
// returns the records of the page:
//
//   - no match: no records;
//   - exactly one match: a list gives its elements, null gives no records,
//     any other value (an object, a scalar) is one record;
//   - several matches: the matches themselves, one record each.
//
// So "$" on an object is one record and on a list its elements. The
// returned slice may be the list inside body; callers must not change it.
func Select(p *Path, body any) []any {
	m := p.All(body)
	switch len(m) {
	case 0:
		return nil
	case 1:
		switch t := m[0].(type) {
		case []any:
			return t
		case nil:
			return nil
		default:
			return m
		}
	default:
		return m
	}
}

// parseDotted parses what ojg rejects but jsonpath-ng accepts in a plain
// dotted path: bare names with hyphens or a leading @ (next-page,
// @odata.count), and quoted names ('a.b', "x"). An optional "$." prefix is
// allowed. Anything else reports false.
func parseDotted(s string) (jp.Expr, bool) {
	var x jp.Expr
	if s == "$" {
		return nil, false
	}
	if strings.HasPrefix(s, "$.") {
		x = append(x, jp.Root('$'))
		s = s[2:]
	}
	for {
		var name string
		switch {
		case s == "":
			return nil, false
		case s[0] == '\'' || s[0] == '"':
			end := strings.IndexByte(s[1:], s[0])
			if end < 0 {
				return nil, false
			}
			name, s = s[1:1+end], s[2+end:]
		default:
			n := 0
			for n < len(s) && isNameByte(s[n]) {
				n++
			}
			if n == 0 || s[0] == '-' {
				return nil, false
			}
			name, s = s[:n], s[n:]
		}
		x = append(x, jp.Child(name))
		if s == "" {
			return x, true
		}
		if s[0] != '.' {
			return nil, false
		}
		s = s[1:]
	}
}

func isNameByte(b byte) bool {
	return b == '_' || b == '-' || b == '@' || b >= 0x80 ||
		('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z') || ('0' <= b && b <= '9')
}
