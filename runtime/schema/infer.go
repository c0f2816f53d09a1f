package schema

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// TypeOf returns the data type of a decoded JSON value as it is, without
// detection (dlt's py_type_to_sc_type). It names variant columns:
// `price__v_text` holds values whose TypeOf is Text. It returns "" for nil
// and for Go types that decoded JSON does not produce.
func TypeOf(v any) DataType {
	switch v.(type) {
	case string:
		return Text
	case int64, int, int32, int16, int8, uint, uint8, uint16, uint32, uint64:
		return Bigint
	case float64, float32:
		return Double
	case bool:
		return Bool
	case map[string]any, []any:
		return JSON
	case json.Number:
		n := v.(json.Number)
		if _, err := n.Int64(); err == nil {
			return Bigint
		}
		if isIntegerLiteral(string(n)) {
			return Wei // beyond int64: dlt's large_integer detection
		}
		return Double
	case time.Time:
		return Timestamp
	case []byte:
		return Binary
	}
	return ""
}

// isIntegerLiteral reports whether s is a JSON integer literal.
func isIntegerLiteral(s string) bool {
	if strings.HasPrefix(s, "-") {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Infer returns the type a new column gets from its first non-null value
// (dlt §8.3): TypeOf, except that strings holding an ISO-8601 datetime are
// Timestamp (dlt's only default detection, `iso_timestamp`; dates and times
// alone stay Text).
func Infer(v any) DataType {
	if s, ok := v.(string); ok {
		if _, ok := ParseISODatetime(s); ok {
			return Timestamp
		}
		return Text
	}
	return TypeOf(v)
}

// Coerce converts v, whose type is from (= TypeOf(v)), into a value for a
// column of type to, following dlt's coercion table (§8.4). ok is false when
// the value cannot be coerced: dlt then puts it into a variant column. The
// result uses the value types documented on TableRows.
func Coerce(to, from DataType, v any) (out any, ok bool) {
	if to == from {
		switch to {
		case Text, Bool, Double:
			if f, isF32 := v.(float32); isF32 {
				return float64(f), true
			}
			return v, true
		case Bigint:
			if _, isI64 := v.(int64); isI64 {
				return v, true
			}
			return toInt64(v)
		case JSON:
			s, err := MarshalJSON(v)
			return s, err == nil
		case Timestamp:
			t := v.(time.Time)
			return t.UTC(), true
		case Binary:
			return v, true
		case Wei:
			return numberText(v), true
		}
	}
	switch to {
	case Text:
		switch from {
		case Wei:
			return numberText(v), true
		case Bigint:
			i, ok := toInt64(v)
			if !ok {
				return nil, false
			}
			return strconv.FormatInt(i.(int64), 10), true
		case Double:
			return PyFloatString(toFloat(v)), true
		case Bool:
			if v.(bool) {
				return "True", true
			}
			return "False", true
		case JSON:
			s, err := MarshalJSON(v)
			return s, err == nil
		case Timestamp:
			return v.(time.Time).Format("2006-01-02T15:04:05.999999-07:00"), true
		}
	case Bigint:
		switch from {
		case Text:
			return textToBigint(v.(string))
		case Double:
			f := toFloat(v)
			if f != math.Trunc(f) || f >= 9.223372036854775807e18 || f < -9.223372036854775808e18 {
				return nil, false
			}
			return int64(f), true
		}
	case Double:
		switch from {
		case Wei:
			return toFloat(v), true
		case Text:
			return textToDouble(v.(string))
		case Bigint:
			i, ok := toInt64(v)
			if !ok {
				return nil, false
			}
			return float64(i.(int64)), true
		}
	case Bool:
		switch from {
		case Text:
			return str2bool(v.(string))
		case Bigint:
			i, ok := toInt64(v)
			if !ok {
				return nil, false
			}
			return i.(int64) != 0, true
		case Double:
			return toFloat(v) != 0, true
		}
	case JSON:
		if from == Text {
			s := v.(string)
			if !json.Valid([]byte(s)) {
				return nil, false
			}
			var b bytes.Buffer
			if err := json.Compact(&b, []byte(s)); err != nil {
				return nil, false
			}
			return b.String(), true
		}
	case Timestamp:
		switch from {
		case Text:
			return textToTimestamp(v.(string))
		case Bigint:
			i, ok := toInt64(v)
			if !ok {
				return nil, false
			}
			return fromUnix(float64(i.(int64)))
		case Double:
			return fromUnix(toFloat(v))
		}
	case Date:
		var t any
		switch from {
		case Text:
			s := v.(string)
			if d, ok := parseDate(s); ok && len(s) == 10 {
				return d, true
			}
			t, ok = textToTimestamp(s)
		case Timestamp:
			t, ok = v.(time.Time), true
		case Bigint:
			i, iok := toInt64(v)
			if !iok {
				return nil, false
			}
			t, ok = fromUnix(float64(i.(int64)))
		case Double:
			t, ok = fromUnix(toFloat(v))
		}
		if !ok || t == nil {
			return nil, false
		}
		tt := t.(time.Time).UTC()
		return time.Date(tt.Year(), tt.Month(), tt.Day(), 0, 0, 0, 0, time.UTC), true
	case Time:
		if from == Text {
			return textToTime(v.(string))
		}
	case Decimal, Wei:
		switch from {
		case Wei:
			return numberText(v), true
		case Text:
			s := strings.TrimSpace(v.(string))
			if strings.HasPrefix(s, "0x") {
				n, ok := new(big.Int).SetString(s[2:], 16)
				if !ok {
					return nil, false
				}
				return n.String(), true
			}
			if _, ok := new(big.Float).SetString(s); !ok {
				return nil, false
			}
			return s, true
		case Bigint:
			i, ok := toInt64(v)
			if !ok {
				return nil, false
			}
			return strconv.FormatInt(i.(int64), 10), true
		case Double:
			f := toFloat(v)
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, false
			}
			return strconv.FormatFloat(f, 'f', -1, 64), true
		}
	case Binary:
		switch from {
		case Text:
			s := v.(string)
			if strings.HasPrefix(s, "0x") {
				b, err := hex.DecodeString(s[2:])
				return b, err == nil
			}
			b, err := base64.StdEncoding.Strict().DecodeString(s)
			return b, err == nil
		case Bigint:
			i, ok := toInt64(v)
			if !ok || i.(int64) < 0 {
				return nil, false
			}
			n := uint64(i.(int64))
			var b []byte
			for n > 0 {
				b = append(b, byte(n))
				n >>= 8
			}
			return b, true
		}
	}
	return nil, false
}

// numberText is the decimal text of a json.Number (or of a string).
func numberText(v any) string {
	switch x := v.(type) {
	case json.Number:
		return string(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

func toInt64(v any) (any, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint:
		if uint64(x) > math.MaxInt64 {
			return nil, false
		}
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		if x > math.MaxInt64 {
			return nil, false
		}
		return int64(x), true
	case json.Number:
		i, err := x.Int64()
		return i, err == nil
	}
	return nil, false
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case float32:
		return float64(x)
	case json.Number:
		f, _ := x.Float64()
		return f
	}
	return 0
}

// textToBigint is Python's int() on a stripped string, plus dlt's `0x` hex.
func textToBigint(s string) (any, bool) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "0x") {
		i, err := strconv.ParseInt(s[2:], 16, 64)
		return i, err == nil
	}
	if !pyIntSyntax(s) {
		return nil, false
	}
	i, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
	return i, err == nil
}

// pyIntSyntax accepts [+-]digits with single underscores between digits.
func pyIntSyntax(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' {
			if s[i+1] == '_' {
				return false
			}
			continue
		}
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// textToDouble is Python's float() on a stripped string, plus dlt's `0x` hex.
func textToDouble(s string) (any, bool) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "0x") {
		i, err := strconv.ParseInt(s[2:], 16, 64)
		return float64(i), err == nil
	}
	ls := strings.ToLower(strings.TrimLeft(s, "+-"))
	if ls == "inf" || ls == "infinity" || ls == "nan" {
		// Python accepts these, but no SQL column can hold them meaningfully
		return nil, false
	}
	if strings.ContainsAny(s, "xXpP_") {
		return nil, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// str2bool is dlt's str2bool.
func str2bool(s string) (any, bool) {
	switch strings.ToLower(s) {
	case "yes", "true", "t", "y", "1":
		return true, true
	case "no", "false", "f", "n", "0":
		return false, true
	}
	return nil, false
}

func textToTimestamp(s string) (any, bool) {
	if t, ok := ParseISODatetime(s); ok {
		return t, true
	}
	if d, ok := parseDate(s); ok && len(s) == 10 {
		return d, true
	}
	// dlt falls back to float(value) as a Unix timestamp
	if f, ok := textToDouble(s); ok {
		return fromUnix(f.(float64))
	}
	return nil, false
}

func textToTime(s string) (any, bool) {
	if t, ok := ParseISODatetime(s); ok {
		return formatTimeOfDay(t), true
	}
	var p isoParser
	p.s = s
	if t, ok := p.timeOnly(); ok {
		return formatTimeOfDay(t), true
	}
	return nil, false
}

func formatTimeOfDay(t time.Time) string { return t.UTC().Format("15:04:05.000000") }

// fromUnix converts Unix seconds to a UTC time with microsecond precision,
// as pendulum.from_timestamp does.
func fromUnix(f float64) (any, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 253402300799 {
		return nil, false
	}
	sec := math.Floor(f)
	micros := math.RoundToEven((f - sec) * 1e6)
	return time.Unix(int64(sec), int64(micros)*1000).UTC(), true
}

// PyFloatString formats f as Python's str(float) does: the shortest
// round-trip digits, fixed notation with a trailing ".0" for exponents in
// [-4, 16), scientific ("1e+16", "1.5e-05") otherwise.
func PyFloatString(f float64) string {
	if math.IsInf(f, 1) {
		return "inf"
	}
	if math.IsInf(f, -1) {
		return "-inf"
	}
	if math.IsNaN(f) {
		return "nan"
	}
	if f == 0 {
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	i := strings.LastIndexByte(e, 'e')
	exp, _ := strconv.Atoi(e[i+1:])
	if exp >= -4 && exp < 16 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.ContainsRune(s, '.') {
			s += ".0"
		}
		return s
	}
	return e
}

// MarshalJSON serializes a decoded JSON value compactly with object keys
// sorted and without HTML escaping: the text stored in json columns.
func MarshalJSON(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// ParseISODatetime parses an ISO-8601 datetime: a date (YYYY-MM-DD, or the
// basic YYYYMMDD when a `T` follows), a `T`, `t` or space, a time
// (HH[:MM[:SS[.fraction]]] or basic HHMM[SS]), and an optional zone (`Z`,
// ±HH, ±HHMM, ±HH:MM). A value without a zone is UTC. The result is in UTC.
// Dates or times alone are not datetimes. This is the `iso_timestamp`
// detection of dlt (pendulum's parse_iso8601).
func ParseISODatetime(s string) (time.Time, bool) {
	if len(s) < 13 || len(s) > 40 || s[0] < '0' || s[0] > '9' {
		return time.Time{}, false
	}
	p := isoParser{s: s}
	return p.datetime()
}

// ParseISODate parses an ISO-8601 calendar date (YYYY-MM-DD).
func ParseISODate(s string) (time.Time, bool) {
	if len(s) != 10 {
		return time.Time{}, false
	}
	return parseDate(s)
}

func parseDate(s string) (time.Time, bool) {
	p := isoParser{s: s}
	y, m, d, ok := p.date(true)
	if !ok || p.i != len(s) {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), true
}

type isoParser struct {
	s string
	i int
}

func (p *isoParser) digits(n int) (int, bool) {
	if p.i+n > len(p.s) {
		return 0, false
	}
	v := 0
	for k := 0; k < n; k++ {
		c := p.s[p.i+k]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	p.i += n
	return v, true
}

func (p *isoParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// date parses YYYY-MM-DD, or YYYYMMDD when basic is allowed.
func (p *isoParser) date(extendedOnly bool) (y, m, d int, ok bool) {
	if y, ok = p.digits(4); !ok {
		return
	}
	extended := p.peek() == '-'
	if extended {
		p.i++
	} else if extendedOnly {
		return 0, 0, 0, false
	}
	if m, ok = p.digits(2); !ok {
		return
	}
	if extended {
		if p.peek() != '-' {
			return 0, 0, 0, false
		}
		p.i++
	}
	if d, ok = p.digits(2); !ok {
		return
	}
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func (p *isoParser) datetime() (time.Time, bool) {
	start := p.i
	y, m, d, ok := p.date(false)
	if !ok {
		return time.Time{}, false
	}
	basic := p.i-start == 8
	sep := p.peek()
	if sep != 'T' && sep != 't' && (sep != ' ' || basic) {
		return time.Time{}, false
	}
	p.i++
	hh, mm, ss, ns, ok := p.clock()
	if !ok {
		return time.Time{}, false
	}
	loc, ok := p.zone()
	if !ok || p.i != len(p.s) {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), d, hh, mm, ss, ns, loc).UTC(), true
}

func (p *isoParser) timeOnly() (time.Time, bool) {
	hh, mm, ss, ns, ok := p.clock()
	if !ok {
		return time.Time{}, false
	}
	loc, ok := p.zone()
	if !ok || p.i != len(p.s) {
		return time.Time{}, false
	}
	return time.Date(2000, 1, 1, hh, mm, ss, ns, loc), true
}

// clock parses HH[:MM[:SS[.f]]] or HHMM[SS[.f]].
func (p *isoParser) clock() (hh, mm, ss, ns int, ok bool) {
	if hh, ok = p.digits(2); !ok {
		return
	}
	ext := p.peek() == ':'
	if ext {
		p.i++
		if mm, ok = p.digits(2); !ok {
			return
		}
		if p.peek() == ':' {
			p.i++
			if ss, ok = p.digits(2); !ok {
				return
			}
		}
	} else if c := p.peek(); c >= '0' && c <= '9' {
		if mm, ok = p.digits(2); !ok {
			return
		}
		if c := p.peek(); c >= '0' && c <= '9' {
			if ss, ok = p.digits(2); !ok {
				return
			}
		}
	}
	if c := p.peek(); c == '.' || c == ',' {
		p.i++
		n := 0
		scale := 100000000
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			if n < 9 {
				ns += int(p.s[p.i]-'0') * scale
				scale /= 10
			}
			n++
			p.i++
		}
		if n == 0 {
			return 0, 0, 0, 0, false
		}
	}
	if hh > 23 || mm > 59 || ss > 59 {
		return 0, 0, 0, 0, false
	}
	return hh, mm, ss, ns, true
}

func (p *isoParser) zone() (*time.Location, bool) {
	switch c := p.peek(); c {
	case 0:
		return time.UTC, true
	case 'Z', 'z':
		p.i++
		return time.UTC, true
	case '+', '-':
		p.i++
		h, ok := p.digits(2)
		if !ok {
			return nil, false
		}
		m := 0
		if p.peek() == ':' {
			p.i++
			if m, ok = p.digits(2); !ok {
				return nil, false
			}
		} else if p.i < len(p.s) {
			if m, ok = p.digits(2); !ok {
				return nil, false
			}
		}
		if h > 23 || m > 59 {
			return nil, false
		}
		off := h*3600 + m*60
		if c == '-' {
			off = -off
		}
		if off == 0 {
			return time.UTC, true
		}
		return time.FixedZone("", off), true
	}
	return nil, false
}
