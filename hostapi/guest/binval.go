package guest

import (
	"encoding/binary"
	"errors"
	"math"
	"strconv"
	"unsafe"
)

// The binary value format of sluice_step (ABI.md, "Step pages"): the host
// hands over the records it has already parsed as length-prefixed values,
// so the guest never scans bytes (in a WASM guest under a deadline every
// loop iteration and function entry costs an exit to the host). Little
// endian; a value is a tag byte and its payload:
//
//	'n' null   't' true   'f' false
//	'i' int64 (8 bytes)   'd' float64 (8 bytes)
//	's' string: u32 length, bytes      'N' a number as decimal text, like 's'
//	'a' array: u32 count, values       'o' object: u32 count, (u32 key length, key, value)…
//	'A', 'O' the same with a u32 payload length after the count (what the
//	host sends, so that a value the guest does not read is skipped in one
//	step; the guest package answers with 'a' and 'o')

// binReader reads binary values from one page; strings are slices of s.
type binReader struct {
	b    []byte
	s    string
	i    int
	slab slabs
}

var errShort = errors.New("binary value: truncated")

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
	if depth > maxDepth {
		return nil, errors.New("binary value: nested too deeply")
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
			return r.slab.int(int64(u)), nil
		}
		return r.slab.float(math.Float64frombits(u)), nil
	case 's':
		s, err := r.str()
		if err != nil {
			return nil, err
		}
		return r.slab.str(s), nil
	case 'N':
		s, err := r.str()
		if err != nil {
			return nil, err
		}
		f, _ := strconv.ParseFloat(s, 64)
		return f, nil
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
			if a[j], err = r.elem(depth); err != nil {
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
			// The key, read in place (a call less per entry).
			if len(r.b)-r.i < 4 {
				return nil, errShort
			}
			kl := int(binary.LittleEndian.Uint32(r.b[r.i:]))
			r.i += 4
			if kl > len(r.b)-r.i {
				return nil, errShort
			}
			k := r.s[r.i : r.i+kl]
			r.i += kl
			v, err := r.elem(depth)
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		return m, nil
	}
	return nil, errors.New("binary value: unknown tag " + strconv.Quote(string(tag)))
}

// elem reads an array element or an object value: strings and numbers
// here, into the slabs, with no further call; containers through value.
func (r *binReader) elem(depth int) (any, error) {
	if r.i >= len(r.b) {
		return nil, errShort
	}
	switch r.b[r.i] {
	case 's':
		if len(r.b)-r.i < 5 {
			return nil, errShort
		}
		n := int(binary.LittleEndian.Uint32(r.b[r.i+1:]))
		r.i += 5
		if n > len(r.b)-r.i {
			return nil, errShort
		}
		sl := &r.slab
		if len(sl.strs) == cap(sl.strs) {
			sl.strs = make([]string, 0, slabSize)
		}
		sl.strs = append(sl.strs, r.s[r.i:r.i+n])
		r.i += n
		return makeAny(stringType, unsafe.Pointer(&sl.strs[len(sl.strs)-1])), nil
	case 'i':
		if len(r.b)-r.i < 9 {
			return nil, errShort
		}
		sl := &r.slab
		if len(sl.ints) == cap(sl.ints) {
			sl.ints = make([]int64, 0, slabSize)
		}
		sl.ints = append(sl.ints, int64(binary.LittleEndian.Uint64(r.b[r.i+1:])))
		r.i += 9
		return makeAny(int64Type, unsafe.Pointer(&sl.ints[len(sl.ints)-1])), nil
	case 'n':
		r.i++
		return nil, nil
	case 't':
		r.i++
		return true, nil
	case 'f':
		r.i++
		return false, nil
	}
	return r.value(depth + 1)
}

func appendU32(dst []byte, n int) []byte {
	return binary.LittleEndian.AppendUint32(dst, uint32(n))
}

func appendBinString(dst []byte, tag byte, s string) []byte {
	dst = append(dst, tag)
	dst = appendU32(dst, len(s))
	return append(dst, s...)
}

// appendBin appends v in the binary value format.
func appendBin(dst []byte, v any, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, errors.New("value nested too deeply")
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
		return appendBinString(dst, 's', t), nil
	case int64:
		return binary.LittleEndian.AppendUint64(append(dst, 'i'), uint64(t)), nil
	case int:
		return binary.LittleEndian.AppendUint64(append(dst, 'i'), uint64(t)), nil
	case int32:
		return binary.LittleEndian.AppendUint64(append(dst, 'i'), uint64(t)), nil
	case float32:
		return appendBin(dst, float64(t), depth)
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return nil, errors.New("NaN and infinities have no JSON form")
		}
		return binary.LittleEndian.AppendUint64(append(dst, 'd'), math.Float64bits(t)), nil
	case []any:
		dst = appendU32(append(dst, 'a'), len(t))
		var err error
		for _, e := range t {
			if dst, err = appendBin(dst, e, depth+1); err != nil {
				return nil, err
			}
		}
		return dst, nil
	case []map[string]any:
		dst = appendU32(append(dst, 'a'), len(t))
		var err error
		for _, e := range t {
			if dst, err = appendBin(dst, e, depth+1); err != nil {
				return nil, err
			}
		}
		return dst, nil
	case []string:
		dst = appendU32(append(dst, 'a'), len(t))
		for _, e := range t {
			dst = appendBinString(dst, 's', e)
		}
		return dst, nil
	case map[string]string:
		dst = appendU32(append(dst, 'o'), len(t))
		for k, e := range t {
			dst = appendU32(dst, len(k))
			dst = append(dst, k...)
			dst = appendBinString(dst, 's', e)
		}
		return dst, nil
	case map[string]any:
		dst = appendU32(append(dst, 'o'), len(t))
		var err error
		for k, e := range t {
			dst = binary.LittleEndian.AppendUint32(dst, uint32(len(k)))
			dst = append(dst, k...)
			// Strings and whole numbers here, with no further call.
			switch x := e.(type) {
			case string:
				dst = append(dst, 's')
				dst = binary.LittleEndian.AppendUint32(dst, uint32(len(x)))
				dst = append(dst, x...)
			case int64:
				dst = append(dst, 'i')
				dst = binary.LittleEndian.AppendUint64(dst, uint64(x))
			default:
				if dst, err = appendBin(dst, e, depth+1); err != nil {
					return nil, err
				}
			}
		}
		return dst, nil
	}
	return nil, errors.New("cannot return a value of this type (use map[string]any, []any, string, float64, int64, bool or nil)")
}
