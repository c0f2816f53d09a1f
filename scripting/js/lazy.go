package js

import (
	"slices"

	"github.com/dop251/goja"
)

// lazyObject shows a record (a Go map that must not change) to a script
// as a JS object, without copying it: a field becomes a JS value when the
// script reads it, and what the script writes or deletes is kept beside
// the record (copy on write). Exported, an untouched lazyObject is the
// record itself, so a map that passes most of a record on ({...item, id:
// 1}) copies only what it changed. Keys come in sorted order, as toJS's.
type lazyObject struct {
	rt    *goja.Runtime
	base  map[string]any
	over  []field        // fields read (objects and lists, cached so that changes to them stick) or written
	index map[string]int // positions in over, once it is long
	del   map[string]bool
	keys  []string // sorted keys of base, made on first use
	added []string // keys written that base lacks, in order
	dirty bool     // written or deleted, here or (possibly) below
}

// field is a field of over. A record's view usually holds a few (the
// nested objects a script read): a slice is cheaper than a map for that.
type field struct {
	key string
	val goja.Value
}

// indexAt is the length of over from which it is indexed by a map.
const indexAt = 12

// find returns the position of key in over, or -1.
func (o *lazyObject) find(key string) int {
	if o.index != nil {
		if i, ok := o.index[key]; ok {
			return i
		}
		return -1
	}
	for i := range o.over {
		if o.over[i].key == key {
			return i
		}
	}
	return -1
}

// put sets key in over.
func (o *lazyObject) put(key string, val goja.Value) {
	if i := o.find(key); i >= 0 {
		o.over[i].val = val
		return
	}
	o.over = append(o.over, field{key, val})
	switch {
	case o.index != nil:
		o.index[key] = len(o.over) - 1
	case len(o.over) >= indexAt:
		o.index = make(map[string]int, 2*indexAt)
		for i, f := range o.over {
			o.index[f.key] = i
		}
	}
}

// drop removes key from over.
func (o *lazyObject) drop(key string) {
	i := o.find(key)
	if i < 0 {
		return
	}
	o.over = append(o.over[:i], o.over[i+1:]...)
	if o.index != nil {
		o.index = make(map[string]int, len(o.over))
		for j, f := range o.over {
			o.index[f.key] = j
		}
	}
}

// lazyArray is lazyObject's counterpart for lists.
type lazyArray struct {
	rt    *goja.Runtime
	base  []any
	vals  []goja.Value // nil until read; then one entry per element, nil while unread
	dirty bool
}

// lazyJS shows v to a script: objects and lists lazily, scalars as toJS.
func lazyJS(rt *goja.Runtime, v any) goja.Value {
	switch t := v.(type) {
	case map[string]any:
		return rt.NewDynamicObject(&lazyObject{rt: rt, base: t})
	case []any:
		return rt.NewDynamicArray(&lazyArray{rt: rt, base: t})
	}
	return toJS(rt, v)
}

// Get returns the field key.
func (o *lazyObject) Get(key string) goja.Value {
	if i := o.find(key); i >= 0 {
		return o.over[i].val
	}
	if o.del[key] {
		return nil
	}
	e, ok := o.base[key]
	if !ok {
		return nil
	}
	v := lazyJS(o.rt, e)
	switch e.(type) {
	case map[string]any, []any:
		o.put(key, v)
		o.dirty = true // the script holds a view it may change
	}
	return v
}

// Set keeps val as the field key.
func (o *lazyObject) Set(key string, val goja.Value) bool {
	if !o.Has(key) {
		o.added = append(o.added, key)
	}
	o.put(key, val)
	delete(o.del, key)
	o.dirty = true
	return true
}

// Has reports whether the field key exists.
func (o *lazyObject) Has(key string) bool {
	if o.find(key) >= 0 {
		return true
	}
	if o.del[key] {
		return false
	}
	_, ok := o.base[key]
	return ok
}

// Delete removes the field key.
func (o *lazyObject) Delete(key string) bool {
	if !o.Has(key) {
		return true
	}
	if _, inBase := o.base[key]; inBase {
		if o.del == nil {
			o.del = map[string]bool{}
		}
		o.del[key] = true
	} else if i := slices.Index(o.added, key); i >= 0 {
		o.added = slices.Delete(o.added, i, i+1)
	}
	o.drop(key)
	o.dirty = true
	return true
}

// Keys returns the fields: the record's, sorted, then those added.
func (o *lazyObject) Keys() []string {
	if o.keys == nil {
		o.keys = make([]string, 0, len(o.base))
		for k := range o.base {
			o.keys = append(o.keys, k)
		}
		slices.Sort(o.keys)
	}
	if len(o.del) == 0 && len(o.added) == 0 {
		return o.keys
	}
	out := make([]string, 0, len(o.keys)+len(o.added))
	for _, k := range o.keys {
		if !o.del[k] {
			out = append(out, k)
		}
	}
	return append(out, o.added...)
}

// export returns the object as a JSON value: the record itself when the
// script changed nothing in it, else a new map that shares what did not
// change.
func (o *lazyObject) export(depth int) (any, error) {
	if !o.dirty {
		return o.base, nil
	}
	out := make(map[string]any, len(o.base)+len(o.added))
	for k, e := range o.base {
		if !o.del[k] {
			out[k] = e
		}
	}
	for _, f := range o.over {
		e, err := fromJSDepth(f.val, depth+1)
		if err != nil {
			return nil, fieldErr(f.key, err)
		}
		out[f.key] = e
	}
	return out, nil
}

// Len returns the list's length.
func (a *lazyArray) Len() int {
	if a.vals != nil {
		return len(a.vals)
	}
	return len(a.base)
}

// Get returns element idx, or nil beyond the list.
func (a *lazyArray) Get(idx int) goja.Value {
	if idx < 0 || idx >= a.Len() {
		return nil
	}
	if a.vals == nil {
		a.vals = make([]goja.Value, len(a.base))
	}
	if v := a.vals[idx]; v != nil {
		return v
	}
	if idx >= len(a.base) {
		return goja.Undefined()
	}
	e := a.base[idx]
	v := lazyJS(a.rt, e)
	switch e.(type) {
	case map[string]any, []any:
		a.dirty = true // the script holds a view it may change
	}
	a.vals[idx] = v
	return v
}

// Set keeps val as element idx, growing the list when needed.
func (a *lazyArray) Set(idx int, val goja.Value) bool {
	if idx < 0 {
		return false
	}
	if idx >= a.Len() && !a.SetLen(idx+1) {
		return false
	}
	if a.vals == nil {
		a.vals = make([]goja.Value, len(a.base))
	}
	a.vals[idx] = val
	a.dirty = true
	return true
}

// maxViewLen bounds how far a script may grow a record's list: a view is
// not sparse, so `item.tags.length = 4e9` would otherwise allocate it all.
const maxViewLen = 1 << 20

// SetLen truncates the list, or grows it with undefined, up to
// maxViewLen.
func (a *lazyArray) SetLen(n int) bool {
	if n < 0 || n > maxViewLen && n > a.Len() {
		return false
	}
	if a.vals == nil {
		a.vals = make([]goja.Value, len(a.base))
	}
	for len(a.vals) < n {
		a.vals = append(a.vals, goja.Undefined())
	}
	a.vals = a.vals[:n]
	a.dirty = true
	return true
}

// export returns the list as a JSON value: the original when unchanged.
func (a *lazyArray) export(depth int) (any, error) {
	if !a.dirty {
		if a.vals == nil || len(a.vals) == len(a.base) {
			return a.base, nil
		}
	}
	out := make([]any, len(a.vals))
	for i, v := range a.vals {
		if v == nil {
			out[i] = a.base[i]
			continue
		}
		e, err := fromJSDepth(v, depth+1)
		if err != nil {
			return nil, fieldErr(sprintIndex(i), err)
		}
		out[i] = e
	}
	return out, nil
}
