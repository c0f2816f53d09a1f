// Package placeholder reads and fills dlt's request placeholders:
// `{resources.<parent>.<field>}`, `{incremental.start_value}` and a
// legacy resolve param's `{name}`, written with Python's str.format rules
// as dlt reads them (reference §2.4):
//
//   - `{{` and `}}` are literal braces;
//   - a field ends at its conversion (`!s`, `!r`) or its format spec
//     (`:>5`, `:08d`, `:.2f`), which are honoured;
//   - a value renders as sluice renders a query value: strings as they are,
//     integers in decimal, floats in their shortest form, booleans as
//     `true`/`false` and null as the empty string (dlt renders Python's
//     `True` and `None`, which no API expects; see docs/RATIONALE.md), and
//     a list as its elements joined by commas (`1,2,3`, the form APIs that
//     take a list of ids read).
//
// One parser serves validation (config) and requests (extract), so a file
// that validates renders the same way at run time.
package placeholder

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Field is one replacement field of a template.
type Field struct {
	// Name is the field name, e.g. "resources.users.id".
	Name string
	// Conv is the conversion: 0, 's' or 'r'.
	Conv byte
	// Spec is the format spec after the colon, as written.
	Spec string
}

// Template is a parsed string: literal text and fields, in order.
type Template struct {
	src   string
	parts []part
}

type part struct {
	lit   string
	field *Field
}

// Parse reads s. The error describes the first syntax error (an unmatched
// brace, a bad conversion or format spec).
func Parse(s string) (*Template, error) {
	t := &Template{src: s}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t.parts = append(t.parts, part{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '{':
			if i+1 < len(s) && s[i+1] == '{' {
				lit.WriteByte('{')
				i++
				continue
			}
			end := matchingBrace(s, i+1)
			if end < 0 {
				return nil, errors.New("a { has no matching }")
			}
			f, err := parseField(s[i+1 : end])
			if err != nil {
				return nil, err
			}
			flush()
			t.parts = append(t.parts, part{field: f})
			i = end
		case '}':
			if i+1 < len(s) && s[i+1] == '}' {
				lit.WriteByte('}')
				i++
				continue
			}
			return nil, errors.New("a single } has no matching {")
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return t, nil
}

// matchingBrace returns the index of the } that closes the field starting
// at i, allowing one level of nested {} inside a format spec.
func matchingBrace(s string, i int) int {
	depth := 0
	for ; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}

func parseField(f string) (*Field, error) {
	out := &Field{Name: f}
	if k := strings.IndexAny(f, "!:"); k >= 0 {
		out.Name = f[:k]
		rest := f[k:]
		if rest[0] == '!' {
			if len(rest) < 2 || (rest[1] != 's' && rest[1] != 'r' && rest[1] != 'a') {
				return nil, fmt.Errorf("placeholder {%s}: a conversion is !s or !r", f)
			}
			out.Conv = rest[1]
			if out.Conv == 'a' {
				out.Conv = 'r'
			}
			rest = rest[2:]
			if rest != "" && rest[0] != ':' {
				return nil, fmt.Errorf("placeholder {%s}: expected ':' after the conversion", f)
			}
		}
		if rest != "" {
			out.Spec = rest[1:]
			if _, err := parseSpec(out.Spec); err != nil {
				return nil, fmt.Errorf("placeholder {%s}: %w", f, err)
			}
		}
	}
	if strings.ContainsAny(out.Name, "{}") {
		return nil, fmt.Errorf("placeholder {%s}: a field name cannot hold braces", f)
	}
	return out, nil
}

// String returns the template as written.
func (t *Template) String() string { return t.src }

// Fields returns the template's fields in order.
func (t *Template) Fields() []*Field {
	var out []*Field
	for _, p := range t.parts {
		if p.field != nil {
			out = append(out, p.field)
		}
	}
	return out
}

// HasFields reports whether the template has any field.
func (t *Template) HasFields() bool {
	for _, p := range t.parts {
		if p.field != nil {
			return true
		}
	}
	return false
}

// Single returns the field when the whole template is one field without
// conversion or spec (a JSON body value that keeps its type).
func (t *Template) Single() (*Field, bool) {
	if len(t.parts) == 1 && t.parts[0].field != nil && t.parts[0].field.Conv == 0 && t.parts[0].field.Spec == "" {
		return t.parts[0].field, true
	}
	return nil, false
}

// Lookup returns the value of a field name; an error says why it has none.
type Lookup func(name string) (any, error)

// Render fills the template. escape, when not nil, is applied to each
// rendered value (not to the literal text), given the field's name, e.g.
// to path-escape a value.
func (t *Template) Render(look Lookup, escape func(name, value string) string) (string, error) {
	if len(t.parts) == 1 && t.parts[0].field == nil {
		return t.parts[0].lit, nil
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.field == nil {
			b.WriteString(p.lit)
			continue
		}
		v, err := look(p.field.Name)
		if err != nil {
			return "", err
		}
		s, err := p.field.Format(v)
		if err != nil {
			return "", err
		}
		if escape != nil {
			s = escape(p.field.Name, s)
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// Format renders v with the field's conversion and format spec.
func (f *Field) Format(v any) (string, error) {
	if f.Conv == 'r' {
		v = Repr(v)
	}
	if f.Spec == "" {
		return String(v), nil
	}
	sp, err := parseSpec(f.Spec)
	if err != nil {
		return "", err
	}
	return sp.format(v)
}

// String renders a value as sluice puts it in a URL, a header or a text
// body.
func String(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case bool:
		return strconv.FormatBool(t)
	case int:
		return strconv.Itoa(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case json.Number:
		return t.String()
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = String(e)
		}
		return strings.Join(parts, ",")
	case map[string]any:
		b, err := json.Marshal(t)
		if err != nil {
			return fmt.Sprint(t)
		}
		return string(b)
	}
	return fmt.Sprint(v)
}

// Repr renders a value as Python's repr would for !r: strings quoted with
// single quotes, others as String.
func Repr(v any) string {
	if s, ok := v.(string); ok {
		q := strconv.Quote(s)
		q = strings.ReplaceAll(q[1:len(q)-1], `\"`, `"`)
		return "'" + strings.ReplaceAll(q, "'", `\'`) + "'"
	}
	return String(v)
}

// spec is a parsed format spec: [[fill]align][sign][0][width][,|_][.precision][type].
type spec struct {
	fill      rune
	align     byte
	sign      byte
	width     int
	grouping  byte
	precision int // -1: none
	typ       byte
}

func parseSpec(s string) (spec, error) {
	sp := spec{fill: ' ', precision: -1}
	bad := func() (spec, error) {
		return spec{}, fmt.Errorf("format spec %q is not one sluice reads ([[fill]align][sign][0][width][,][.precision][type], type one of s d f F e E g G x X o b %%)", s)
	}
	i := 0
	if r, n := utf8.DecodeRuneInString(s); n > 0 && n < len(s) && isAlign(s[n]) {
		sp.fill, sp.align = r, s[n]
		i = n + 1
	} else if len(s) > 0 && isAlign(s[0]) {
		sp.align = s[0]
		i = 1
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-' || s[i] == ' ') {
		sp.sign = s[i]
		i++
	}
	if i < len(s) && s[i] == '0' {
		if sp.align == 0 {
			sp.fill, sp.align = '0', '='
		}
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > start {
		sp.width, _ = strconv.Atoi(s[start:i])
	}
	if i < len(s) && (s[i] == ',' || s[i] == '_') {
		sp.grouping = s[i]
		i++
	}
	if i < len(s) && s[i] == '.' {
		i++
		start = i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return bad()
		}
		sp.precision, _ = strconv.Atoi(s[start:i])
	}
	if i < len(s) {
		if !strings.ContainsRune("sdfFeEgGxXob%", rune(s[i])) || i+1 != len(s) {
			return bad()
		}
		sp.typ = s[i]
	}
	return sp, nil
}

func isAlign(b byte) bool { return b == '<' || b == '>' || b == '^' || b == '=' }

func (sp spec) format(v any) (string, error) {
	var body string
	numeric := false
	switch sp.typ {
	case 0, 's':
		if sp.typ == 0 {
			if n, ok := number(v); ok && !isString(v) {
				return sp.numberString(n, v)
			}
		}
		body = String(v)
		if sp.precision >= 0 && utf8.RuneCountInString(body) > sp.precision {
			body = string([]rune(body)[:sp.precision])
		}
	default:
		n, ok := number(v)
		if !ok {
			return "", fmt.Errorf("format spec %q needs a number, got %q", sp.raw(), String(v))
		}
		return sp.numberString(n, v)
	}
	return sp.pad(body, numeric), nil
}

func (sp spec) raw() string { return string(sp.typ) }

func isString(v any) bool { _, ok := v.(string); return ok }

// number reads v as a number: ints, floats, json.Number, numeric strings
// are not numbers (Python would refuse a str with :d).
func number(v any) (float64, bool) {
	switch t := v.(type) {
	case int:
		return float64(t), true
	case int64:
		return float64(t), true
	case float64:
		return t, true
	case json.Number:
		f, err := t.Float64()
		return f, err == nil
	}
	return 0, false
}

func isInt(v any) bool {
	switch t := v.(type) {
	case int, int64:
		return true
	case json.Number:
		_, err := t.Int64()
		return err == nil
	}
	return false
}

func (sp spec) numberString(f float64, v any) (string, error) {
	var s string
	neg := f < 0
	abs := f
	if neg {
		abs = -f
	}
	switch sp.typ {
	case 'd', 'x', 'X', 'o', 'b':
		if !isInt(v) {
			return "", fmt.Errorf("format spec :%c needs an integer, got %s", sp.typ, String(v))
		}
		i := int64(abs)
		if t, ok := v.(int64); ok {
			i = t
			if neg {
				i = -t
			}
		}
		base := map[byte]int{'d': 10, 'x': 16, 'X': 16, 'o': 8, 'b': 2}[sp.typ]
		s = strconv.FormatInt(i, base)
		if sp.typ == 'X' {
			s = strings.ToUpper(s)
		}
	case 'f', 'F', '%':
		p := sp.precision
		if p < 0 {
			p = 6
		}
		if sp.typ == '%' {
			abs *= 100
		}
		s = strconv.FormatFloat(abs, 'f', p, 64)
		if sp.typ == '%' {
			s += "%"
		}
	case 'e', 'E':
		p := sp.precision
		if p < 0 {
			p = 6
		}
		s = strconv.FormatFloat(abs, byte(sp.typ), p, 64)
	case 'g', 'G':
		s = strconv.FormatFloat(abs, byte(sp.typ), sp.precision, 64)
	default: // no type: as String, with precision as 'g'
		if isInt(v) {
			s = strings.TrimPrefix(String(v), "-")
		} else if sp.precision >= 0 {
			s = strconv.FormatFloat(abs, 'g', sp.precision, 64)
		} else {
			s = strconv.FormatFloat(abs, 'f', -1, 64)
		}
	}
	if sp.grouping != 0 {
		s = group(s, sp.grouping)
	}
	sign := ""
	switch {
	case neg:
		sign = "-"
	case sp.sign == '+':
		sign = "+"
	case sp.sign == ' ':
		sign = " "
	}
	if sp.align == '=' {
		w := sp.width - len(sign)
		if n := utf8.RuneCountInString(s); n < w {
			s = strings.Repeat(string(sp.fill), w-n) + s
		}
		return sign + s, nil
	}
	return sp.pad(sign+s, true), nil
}

// group inserts a separator every three digits of the integer part.
func group(s string, sep byte) string {
	intPart, rest := s, ""
	if k := strings.IndexAny(s, ".eE%"); k >= 0 {
		intPart, rest = s[:k], s[k:]
	}
	if len(intPart) <= 3 {
		return s
	}
	var b strings.Builder
	lead := len(intPart) % 3
	if lead > 0 {
		b.WriteString(intPart[:lead])
	}
	for i := lead; i < len(intPart); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(sep)
		}
		b.WriteString(intPart[i : i+3])
	}
	return b.String() + rest
}

func (sp spec) pad(s string, numeric bool) string {
	n := utf8.RuneCountInString(s)
	if n >= sp.width {
		return s
	}
	fill := strings.Repeat(string(sp.fill), sp.width-n)
	align := sp.align
	if align == 0 || align == '=' {
		align = '<'
		if numeric {
			align = '>'
		}
	}
	switch align {
	case '>':
		return fill + s
	case '^':
		left := (sp.width - n) / 2
		return strings.Repeat(string(sp.fill), left) + s + strings.Repeat(string(sp.fill), sp.width-n-left)
	}
	return s + fill
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
