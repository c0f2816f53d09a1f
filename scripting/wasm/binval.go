package wasm

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// The binary value format of step pages (ABI.md, "Step pages"; the guest
// side is hostapi/guest/binval.go): length-prefixed, so a guest never
// scans bytes.

func appendU32(dst []byte, n int) []byte { return binary.LittleEndian.AppendUint32(dst, uint32(n)) }

// appendBin appends v, a decoded JSON value, in the binary format.
func appendBin(dst []byte, v any, depth int) ([]byte, error) {
	if depth > 1000 {
		return nil, errors.New("a value nested over 1000 deep")
	}
	switch t := v.(type) {
	case nil:
		return append(dst, 'n'), nil
	case bool:
		if t {
			return append(dst, 't'), nil
		}
		return append(dst, 'f'), nil
	case string:
		dst = appendU32(append(dst, 's'), len(t))
		return append(dst, t...), nil
	case json.Number:
		dst = appendU32(append(dst, 'N'), len(t))
		return append(dst, t...), nil
	case int64:
		return binary.LittleEndian.AppendUint64(append(dst, 'i'), uint64(t)), nil
	case int:
		return binary.LittleEndian.AppendUint64(append(dst, 'i'), uint64(t)), nil
	case float64:
		return binary.LittleEndian.AppendUint64(append(dst, 'd'), math.Float64bits(t)), nil
	case []any:
		// 'A': the count, then the payload's length, so that a guest
		// skips a list it does not read in one step.
		dst = appendU32(append(dst, 'A'), len(t))
		at := len(dst)
		dst = appendU32(dst, 0)
		var err error
		for _, e := range t {
			if dst, err = appendBin(dst, e, depth+1); err != nil {
				return nil, err
			}
		}
		binary.LittleEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
		return dst, nil
	case map[string]any:
		// 'O': like 'A', so a guest finds a field without walking the
		// values before it.
		dst = appendU32(append(dst, 'O'), len(t))
		at := len(dst)
		dst = appendU32(dst, 0)
		var err error
		for k, e := range t {
			dst = appendU32(dst, len(k))
			dst = append(dst, k...)
			if dst, err = appendBin(dst, e, depth+1); err != nil {
				return nil, err
			}
		}
		binary.LittleEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
		return dst, nil
	}
	// Anything else (a type a built-in step produced): through JSON.
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	d, err := decoder.Decode(b)
	if err != nil {
		return nil, err
	}
	return appendBin(dst, d, depth)
}

var errShort = errors.New("a truncated binary value")

// binReader reads binary values; strings are copied out of the module's
// memory once, as one string per page.
type binReader struct {
	b []byte
	s string
	i int
}

func (r *binReader) u32() (int, error) {
	if len(r.b)-r.i < 4 {
		return 0, errShort
	}
	n := int(binary.LittleEndian.Uint32(r.b[r.i:]))
	r.i += 4
	return n, nil
}

// sized reads a container's count, and for the sized tags ('A', 'O')
// checks the payload length that follows it.
func (r *binReader) sized(sized bool) (int, error) {
	n, err := r.u32()
	if err != nil || !sized {
		return n, err
	}
	l, err := r.u32()
	if err != nil {
		return 0, err
	}
	if l > len(r.b)-r.i {
		return 0, errShort
	}
	return n, nil
}

func (r *binReader) str() (string, error) {
	n, err := r.u32()
	if err != nil {
		return "", err
	}
	if n > len(r.b)-r.i {
		return "", errShort
	}
	s := r.s[r.i : r.i+n]
	r.i += n
	return s, nil
}

func (r *binReader) value(depth int) (any, error) {
	if depth > 1000 {
		return nil, errors.New("a value nested over 1000 deep")
	}
	if r.i >= len(r.b) {
		return nil, errShort
	}
	tag := r.b[r.i]
	r.i++
	switch tag {
	case 'n':
		return nil, nil
	case 't':
		return true, nil
	case 'f':
		return false, nil
	case 'i', 'd':
		if len(r.b)-r.i < 8 {
			return nil, errShort
		}
		u := binary.LittleEndian.Uint64(r.b[r.i:])
		r.i += 8
		if tag == 'i' {
			return int64(u), nil
		}
		f := math.Float64frombits(u)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, errors.New("a NaN or infinite number, which JSON cannot hold")
		}
		return f, nil
	case 's':
		return r.str()
	case 'N':
		s, err := r.str()
		if err != nil {
			return nil, err
		}
		if _, err := strconv.ParseFloat(s, 64); err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, fmt.Errorf("a number %q that is not one", s)
		}
		return json.Number(s), nil
	case 'a', 'A':
		n, err := r.sized(tag == 'A')
		if err != nil {
			return nil, err
		}
		if n > len(r.b)-r.i {
			return nil, errShort
		}
		a := make([]any, n)
		for j := range a {
			if a[j], err = r.value(depth + 1); err != nil {
				return nil, err
			}
		}
		return a, nil
	case 'o', 'O':
		n, err := r.sized(tag == 'O')
		if err != nil {
			return nil, err
		}
		if n > len(r.b)-r.i {
			return nil, errShort
		}
		m := make(map[string]any, n)
		for range n {
			k, err := r.str()
			if err != nil {
				return nil, err
			}
			if m[k], err = r.value(depth + 1); err != nil {
				return nil, err
			}
		}
		return m, nil
	}
	return nil, fmt.Errorf("an unknown binary tag %q", tag)
}

// decodeBin decodes one value of b (after its first byte, the result's
// tag).
func decodeBin(b []byte) (any, error) {
	r := binReader{b: b, s: string(b), i: 1}
	v, err := r.value(0)
	if err != nil {
		return nil, err
	}
	if r.i != len(b) {
		return nil, errors.New("data after the value")
	}
	return v, nil
}
