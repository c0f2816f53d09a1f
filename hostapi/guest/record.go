package guest

import (
	"encoding/binary"
	"errors"
)

// Record is one record of a step page, read in place: a field is decoded
// only when a hook asks for it, and only the fields a hook sets or
// deletes go back to the host, which applies them to the record it
// already holds (ABI.md, "Step pages", result 'p'). A hook that looks at
// two fields of a record with fifty therefore decodes two values and
// returns two, instead of decoding, rebuilding and re-encoding all fifty:
// in a Go guest under a deadline that is the difference between a few
// thousand records a second and a hundred thousand.
//
// A Record is valid only during the hook's call; values from Get are
// copies, so changing one changes nothing until it is passed to Set.
type Record struct {
	page *binReader
	// start is the offset of the object's tag; fields that of its first
	// field.
	start, fields int
	n             int
	ops           []recordOp
}

// recordOp is a change a hook made: set key to val, or delete key.
type recordOp struct {
	key string
	val any
	str string
	// isStr: the value is str (SetString, which boxes nothing).
	isStr, del bool
}

// Len is the number of fields the record arrived with.
func (r *Record) Len() int { return r.n }

// Get returns the value of a top-level field, with the hook's own Set and
// Delete calls on this record applied.
func (r *Record) Get(key string) (any, bool) {
	for i := len(r.ops) - 1; i >= 0; i-- {
		if op := &r.ops[i]; op.key == key {
			if op.isStr {
				return op.str, true
			}
			return op.val, !op.del
		}
	}
	at, ok := r.find(key)
	if !ok {
		return nil, false
	}
	// Decoded with the page's reader, whose slabs box the scalars of the
	// whole page (a reader of its own would allocate a slab per call).
	pg := r.page
	saved := pg.i
	pg.i = at
	v, err := pg.value(1)
	pg.i = saved
	if err != nil {
		return nil, false
	}
	return v, true
}

// String returns a top-level field that holds a string.
func (r *Record) String(key string) (string, bool) {
	v, ok := r.Get(key)
	s, isString := v.(string)
	return s, ok && isString
}

// SetString sets a top-level field to a string: Set without boxing it.
func (r *Record) SetString(key, s string) {
	r.ops = append(r.ops, recordOp{key: key, str: s, isStr: true})
}

// Set sets a top-level field (adding it when missing) to v, a value of
// the types Map may return.
func (r *Record) Set(key string, v any) { r.ops = append(r.ops, recordOp{key: key, val: v}) }

// Delete removes a top-level field.
func (r *Record) Delete(key string) { r.ops = append(r.ops, recordOp{key: key, del: true}) }

// Keys lists the fields the record arrived with, in the host's order.
func (r *Record) Keys() []string {
	// A field takes at least 5 bytes: a count larger than that is a lie
	// of a malformed page, not an allocation to make.
	keys := make([]string, 0, min(r.n, (len(r.page.b)-r.fields)/5))
	rd := binReader{b: r.page.b, s: r.page.s, i: r.fields}
	for range r.n {
		k, err := rd.str()
		if err != nil {
			break
		}
		keys = append(keys, k)
		if rd.skip(1) != nil {
			break
		}
	}
	return keys
}

// Map decodes the whole record, with the hook's changes applied, for code
// that needs every field.
func (r *Record) Map() (map[string]any, error) {
	pg := r.page
	saved := pg.i
	pg.i = r.start
	v, err := pg.value(0)
	pg.i = saved
	if err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	for _, op := range r.ops {
		switch {
		case op.del:
			delete(m, op.key)
		case op.isStr:
			m[op.key] = op.str
		default:
			m[op.key] = op.val
		}
	}
	return m, nil
}

// find returns the offset of key's value, comparing keys in place.
func (r *Record) find(key string) (int, bool) {
	rd := binReader{b: r.page.b, s: r.page.s, i: r.fields}
	for range r.n {
		if len(rd.b)-rd.i < 4 {
			return 0, false
		}
		kl := int(binary.LittleEndian.Uint32(rd.b[rd.i:]))
		rd.i += 4
		if kl > len(rd.b)-rd.i {
			return 0, false
		}
		match := kl == len(key) && rd.s[rd.i:rd.i+kl] == key
		rd.i += kl
		if match {
			return rd.i, true
		}
		if rd.skip(1) != nil {
			return 0, false
		}
	}
	return 0, false
}

// skip moves past one value without decoding it.
func (r *binReader) skip(depth int) error {
	if depth > maxDepth {
		return errors.New("binary value: nested too deeply")
	}
	if r.i >= len(r.b) {
		return errShort
	}
	tag := r.b[r.i]
	r.i++
	switch tag {
	case 'n', 't', 'f':
		return nil
	case 'i', 'd':
		if len(r.b)-r.i < 8 {
			return errShort
		}
		r.i += 8
		return nil
	case 's', 'N':
		n, err := r.u32()
		if err != nil {
			return err
		}
		if n > len(r.b)-r.i {
			return errShort
		}
		r.i += n
		return nil
	case 'A', 'O':
		// The host's sized containers: one step.
		if len(r.b)-r.i < 8 {
			return errShort
		}
		l := int(binary.LittleEndian.Uint32(r.b[r.i+4:]))
		r.i += 8
		if l > len(r.b)-r.i {
			return errShort
		}
		r.i += l
		return nil
	case 'a':
		n, err := r.u32()
		if err != nil {
			return err
		}
		for range n {
			if err := r.skip(depth + 1); err != nil {
				return err
			}
		}
		return nil
	case 'o':
		n, err := r.u32()
		if err != nil {
			return err
		}
		for range n {
			if _, err := r.str(); err != nil {
				return err
			}
			if err := r.skip(depth + 1); err != nil {
				return err
			}
		}
		return nil
	}
	return errors.New("binary value: unknown tag")
}

// pageRecords walks a page (an array value at in[1:]) and calls fn with
// each record in place. A record that is not an object stops the walk
// with errNotObject at its index.
func pageRecords(in []byte, fn func(i int, rec *Record) error) (int, error) {
	page := &binReader{b: in, s: string(in), i: 1}
	if page.i >= len(in) || in[page.i] != 'a' && in[page.i] != 'A' {
		return -1, errors.New("step input: not a page of records")
	}
	page.i++
	n, err := page.sized(in[page.i-1] == 'A')
	if err != nil {
		return -1, err
	}
	rec := &Record{page: page}
	for i := range n {
		if page.i >= len(in) {
			return -1, errShort
		}
		tag := in[page.i]
		if tag != 'o' && tag != 'O' {
			return i, errNotObject
		}
		rec.start, rec.fields = page.i, page.i+5
		if tag == 'O' {
			rec.fields += 4
		}
		if len(in)-rec.fields < 0 {
			return -1, errShort
		}
		rec.n = int(binary.LittleEndian.Uint32(in[rec.start+1:]))
		if err := page.skip(0); err != nil {
			return -1, err
		}
		rec.ops = rec.ops[:0]
		if err := fn(i, rec); err != nil {
			return i, err
		}
	}
	return -1, nil
}

var errNotObject = errors.New("the record is not an object")

// appendRecordOps appends a record's changes in the 'p' result format: a
// u32 count, then 's' key value or 'x' key for each.
func appendRecordOps(dst []byte, ops []recordOp) ([]byte, error) {
	dst = appendU32(dst, len(ops))
	var err error
	for _, op := range ops {
		if op.del {
			dst = appendBinString(dst, 'x', op.key)
			continue
		}
		dst = appendBinString(dst, 's', op.key)
		if op.isStr {
			dst = appendBinString(dst, 's', op.str)
			continue
		}
		if dst, err = appendBin(dst, op.val, 1); err != nil {
			return nil, err
		}
	}
	return dst, nil
}
