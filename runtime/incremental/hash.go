package incremental

import (
	"crypto/sha3"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"github.com/sluicehq/sluice/runtime/cursorvalue"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Digest128 is dlt's digest128: the first 15 bytes of the SHAKE128 of s,
// base64 (standard alphabet) without padding, 20 characters.
func Digest128(s []byte) string {
	sum := sha3.SumSHAKE128(s, 15)
	return base64.RawStdEncoding.EncodeToString(sum)
}

// RowHash is the boundary de-duplication hash dlt stores in
// unique_hashes: the Digest128 of the JSON of the primary key's value
// (one key), of the list of its values (several keys), or of the whole
// record (no key), written the way dlt's orjson does (sorted keys, no
// spaces). A record that lacks a key column is an error.
func RowHash(record any, primaryKey []string) (string, error) {
	var v any = record
	if len(primaryKey) > 0 {
		m, ok := record.(map[string]any)
		if !ok {
			return "", fmt.Errorf("the record is %s, not an object, so it has no primary key %q", cursorvalue.Kind(record), primaryKey[0])
		}
		if len(primaryKey) == 1 {
			x, ok := m[primaryKey[0]]
			if !ok {
				return "", fmt.Errorf("the record has no primary key column %q", primaryKey[0])
			}
			v = x
		} else {
			vals := make([]any, len(primaryKey))
			for i, k := range primaryKey {
				x, ok := m[k]
				if !ok {
					return "", fmt.Errorf("the record has no primary key column %q", k)
				}
				vals[i] = x
			}
			v = vals
		}
	}
	b, err := appendJSON(make([]byte, 0, 128), v)
	if err != nil {
		return "", err
	}
	return Digest128(b), nil
}

// appendJSON writes v as orjson.dumps(v, option=OPT_SORT_KEYS) does.
func appendJSON(b []byte, v any) ([]byte, error) {
	switch t := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		if t {
			return append(b, "true"...), nil
		}
		return append(b, "false"...), nil
	case string:
		return appendString(b, t), nil
	case int:
		return strconv.AppendInt(b, int64(t), 10), nil
	case int8:
		return strconv.AppendInt(b, int64(t), 10), nil
	case int16:
		return strconv.AppendInt(b, int64(t), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(t), 10), nil
	case int64:
		return strconv.AppendInt(b, t, 10), nil
	case uint:
		return strconv.AppendUint(b, uint64(t), 10), nil
	case uint8:
		return strconv.AppendUint(b, uint64(t), 10), nil
	case uint16:
		return strconv.AppendUint(b, uint64(t), 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(t), 10), nil
	case uint64:
		return strconv.AppendUint(b, t, 10), nil
	case float32:
		return appendFloat(b, float64(t), 32), nil
	case float64:
		return appendFloat(b, t, 64), nil
	case json.Number:
		return append(b, t...), nil
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		var err error
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			if b, err = appendJSON(b, t[k]); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	case []any:
		b = append(b, '[')
		var err error
		for i, x := range t {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSON(b, x); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	}
	// Anything else (a type a processing step made): through encoding/json
	// into the decoded shapes, then as above.
	raw, err := json.Marshal(v)
	if err != nil {
		return b, fmt.Errorf("cannot hash a %T value: %w", v, err)
	}
	d := json.NewDecoder(strings.NewReader(string(raw)))
	d.UseNumber()
	var g any
	if err := d.Decode(&g); err != nil {
		return b, fmt.Errorf("cannot hash a %T value: %w", v, err)
	}
	return appendJSON(b, g)
}

// appendFloat formats f as orjson does (Rust ryu): the shortest digits
// that round-trip, "1.0" for whole numbers, exponent form outside
// 1e-5…1e16 ("1e16", "2.5e-7"); NaN and infinities are null.
func appendFloat(b []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	s := strconv.FormatFloat(f, 'e', -1, bits) // [-]d[.ddd]e±XX
	if s[0] == '-' {
		b = append(b, '-')
		s = s[1:]
	}
	e := strings.IndexByte(s, 'e')
	exp, _ := strconv.Atoi(s[e+1:])
	digits := strings.Replace(s[:e], ".", "", 1)
	n := len(digits)
	k := exp - (n - 1) // value = digits × 10^k
	kk := n + k        // position of the decimal point
	switch {
	case k >= 0 && kk <= 16:
		b = append(b, digits...)
		for range k {
			b = append(b, '0')
		}
		return append(b, ".0"...)
	case kk > 0 && kk <= 16:
		b = append(b, digits[:kk]...)
		b = append(b, '.')
		return append(b, digits[kk:]...)
	case kk > -5 && kk <= 0:
		b = append(b, "0."...)
		for range -kk {
			b = append(b, '0')
		}
		return append(b, digits...)
	case n == 1:
		b = append(b, digits...)
	default:
		b = append(b, digits[0], '.')
		b = append(b, digits[1:]...)
	}
	b = append(b, 'e')
	return strconv.AppendInt(b, int64(kk-1), 10)
}

const hexDigits = "0123456789abcdef"

// appendString quotes s as orjson does: only '"', '\\' and control
// characters are escaped; everything else, non-ASCII included, is kept.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\b':
			b = append(b, '\\', 'b')
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		case '\f':
			b = append(b, '\\', 'f')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
