package guest

import "unsafe"

// Boxing a string, an int64 or a float64 into an interface allocates; in
// a WASM guest under a deadline every allocation costs several exits to
// the host. The decoder instead keeps a page's scalars in slabs and makes
// interfaces that point into them: one allocation per slab, not per
// value. The slabs are never written after a value is boxed, so the
// interfaces see immutable data, as the runtime's own boxing gives.

type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

func typeOf(v any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&v)).typ }

var (
	stringType  = typeOf("")
	int64Type   = typeOf(int64(0))
	float64Type = typeOf(float64(0))
)

func makeAny(typ, data unsafe.Pointer) any {
	var v any
	e := (*eface)(unsafe.Pointer(&v))
	e.typ, e.data = typ, data
	return v
}

const slabSize = 256

type slabs struct {
	strs   []string
	ints   []int64
	floats []float64
}

func (s *slabs) str(v string) any {
	if len(s.strs) == cap(s.strs) {
		s.strs = make([]string, 0, slabSize)
	}
	s.strs = append(s.strs, v)
	return makeAny(stringType, unsafe.Pointer(&s.strs[len(s.strs)-1]))
}

func (s *slabs) int(v int64) any {
	if len(s.ints) == cap(s.ints) {
		s.ints = make([]int64, 0, slabSize)
	}
	s.ints = append(s.ints, v)
	return makeAny(int64Type, unsafe.Pointer(&s.ints[len(s.ints)-1]))
}

func (s *slabs) float(v float64) any {
	if len(s.floats) == cap(s.floats) {
		s.floats = make([]float64, 0, slabSize)
	}
	s.floats = append(s.floats, v)
	return makeAny(float64Type, unsafe.Pointer(&s.floats[len(s.floats)-1]))
}
