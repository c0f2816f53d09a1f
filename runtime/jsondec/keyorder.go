package jsondec

import (
	"bytes"
	"encoding/json"
	"hash/maphash"
	"slices"
	"unicode/utf8"
)

// KeyOrder tells the document order of the keys of the objects decoded
// from one JSON body. Decoded objects are Go maps, which forget their key
// order; dlt (Python dicts) keeps it, and it decides the order of a table's
// columns. Instead of an ordered object type that every consumer would
// have to know (JSONPath, paginators, scripts), the order is recovered on
// demand from the raw body: the normalizer asks only for a page that adds
// columns, and the body is scanned once, at the first question.
//
// The index maps the set of keys of each object in the body to the order
// in which the first object with exactly that set lists them. A decoded map
// is looked up by its own key set, so the answer does not depend on where
// the object sits in the body (under a data selector, in a list, deep in a
// record). A map that no object of the body has (a record a script built or
// changed) gets its keys by their rank: the position each key has in the
// first object of the body that holds it, unknown keys last, ties by name.
//
// A KeyOrder is not safe for concurrent use. Its zero value and nil answer
// every question in sorted key order.
type KeyOrder struct {
	raw   []byte
	built bool
	seed  maphash.Seed
	sets  map[uint64]keySet
	rank  map[string]int
}

// keySet is the key order of the first object (by where it opens) that has
// one key set.
type keySet struct {
	seq  int
	keys []string
}

// NewKeyOrder returns the key order of body, which is scanned lazily, on
// the first call of AppendKeys. body is retained and must not be modified
// until the KeyOrder is dropped. A body that is not valid JSON yields the
// keys found before the problem.
func NewKeyOrder(body []byte) *KeyOrder { return &KeyOrder{raw: body} }

// AppendKeys appends the keys of m to dst in document order and returns
// the extended slice, and whether the order is exactly that of an object of
// the body (false: rank order, or sorted order without a body).
func (o *KeyOrder) AppendKeys(dst []string, m map[string]any) ([]string, bool) {
	if len(m) == 0 {
		return dst, true
	}
	base := len(dst)
	if o != nil && o.raw != nil {
		if !o.built {
			o.build()
		}
		if len(o.sets) > 0 {
			if ks, ok := o.sets[o.fingerprint(m)]; ok && len(ks.keys) == len(m) && hasAll(m, ks.keys) {
				return append(dst, ks.keys...), true
			}
		}
	}
	for k := range m {
		dst = append(dst, k)
	}
	seg := dst[base:]
	if o == nil || len(o.rank) == 0 {
		slices.Sort(seg)
		return dst, false
	}
	slices.SortFunc(seg, func(a, b string) int {
		ra, oka := o.rank[a]
		rb, okb := o.rank[b]
		switch {
		case oka && okb && ra != rb:
			return ra - rb
		case oka && !okb:
			return -1
		case !oka && okb:
			return 1
		}
		return stringsCompare(a, b)
	})
	return dst, false
}

func stringsCompare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func hasAll(m map[string]any, keys []string) bool {
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return false
		}
	}
	return true
}

// fingerprint is an order-independent hash of the key set of m.
func (o *KeyOrder) fingerprint(m map[string]any) uint64 {
	var sum uint64
	for k := range m {
		sum += maphash.String(o.seed, k)
	}
	return sum ^ uint64(len(m))*0x9e3779b97f4a7c15
}

// build scans the body once. It is a tokenizer, not a validator: it tracks
// objects and arrays, reads keys, skips string values, and ignores every
// other byte (numbers, literals, punctuation cannot contain the structural
// characters it looks for).
func (o *KeyOrder) build() {
	o.built = true
	o.seed = maphash.MakeSeed()
	o.sets = make(map[uint64]keySet)
	o.rank = make(map[string]int)
	type frame struct {
		object bool
		seq    int    // objects opened before this one
		start  int    // of this object's keys in keys
		fp     uint64 // running sum of key hashes
	}
	var (
		stack     []frame
		keys      [][]byte
		expectKey bool
		opened    int
	)
	data := o.raw
	for i := 0; i < len(data); {
		switch data[i] {
		case '{':
			stack = append(stack, frame{object: true, seq: opened, start: len(keys)})
			opened++
			expectKey = true
			i++
		case '[':
			stack = append(stack, frame{})
			expectKey = false
			i++
		case '}', ']':
			if len(stack) == 0 {
				return
			}
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if f.object {
				o.addObject(keys[f.start:], f.seq, f.fp)
				keys = keys[:f.start]
			}
			expectKey = false
			i++
		case ',':
			expectKey = len(stack) > 0 && stack[len(stack)-1].object
			i++
		case '"':
			end, escaped := stringEnd(data, i+1)
			if end < 0 {
				return
			}
			if expectKey && len(stack) > 0 && stack[len(stack)-1].object {
				k := data[i+1 : end]
				if escaped {
					var s string
					if json.Unmarshal(data[i:end+1], &s) != nil {
						return
					}
					k = []byte(s)
				} else if !utf8.Valid(k) {
					k = bytes.ToValidUTF8(k, []byte("\uFFFD"))
				}
				f := &stack[len(stack)-1]
				if _, ok := o.rank[string(k)]; !ok {
					o.rank[string(k)] = len(keys) - f.start
				}
				keys = append(keys, k)
				f.fp += maphash.Bytes(o.seed, k)
				expectKey = false
			}
			i = end + 1
		default:
			i++
		}
	}
}

// addObject records the keys of one closed object. An object with a
// repeated key is recorded too, but can never match a decoded map (which
// holds the key once, so its key count differs).
func (o *KeyOrder) addObject(keys [][]byte, seq int, fp uint64) {
	if len(keys) == 0 {
		return
	}
	fp ^= uint64(len(keys)) * 0x9e3779b97f4a7c15
	if prev, ok := o.sets[fp]; ok && prev.seq < seq {
		return
	}
	ks := make([]string, len(keys))
	for i, k := range keys {
		ks[i] = string(k)
	}
	o.sets[fp] = keySet{seq: seq, keys: ks}
}

// stringEnd returns the index of the quote that closes the string whose
// content starts at i, and whether the string has escapes; -1 when it is
// not closed.
func stringEnd(data []byte, i int) (int, bool) {
	escaped := false
	for {
		j := bytes.IndexAny(data[i:], `"\`)
		if j < 0 {
			return -1, escaped
		}
		i += j
		if data[i] == '"' {
			return i, escaped
		}
		escaped = true
		i += 2
		if i > len(data) {
			return -1, escaped
		}
	}
}
