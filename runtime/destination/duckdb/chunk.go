//go:build duckdb

package duckdb

/*
#include <stdlib.h>
*/
import "C"

import (
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/duckdb/duckdb-go/v2/mapping"
)

// The chunk appender fills DuckDB data chunks by writing into their vectors'
// memory from Go, and hands a chunk to DuckDB's appender (through its C
// API) once it is full: one cgo call per 2,048 rows instead of one or more
// per value, as duckdb-go's Appender.AppendRow makes (a string, a NULL, and
// the chunk capacity each cost one). The layouts written are DuckDB's
// documented vector formats (the C API's "Vectors" page): fixed-width
// values in the data array, a validity bitmask of uint64 words, and
// strings as 16-byte string_t (length, then up to 12 bytes inline, or a
// 4-byte prefix and a pointer to the bytes). The bytes of longer strings are
// copied into C memory the appender owns until the chunk is appended (DuckDB
// copies them then). docs/RATIONALE.md, "DuckDB: chunks written from Go".

// rawConnection returns the C connection inside duckdb-go's driver
// connection, which duckdb-go does not export. It looks the field up by
// name and type, so a driver whose layout changed gives false (and the
// destination falls back to duckdb-go's Appender) instead of a bad pointer.
func rawConnection(dc any) (mapping.Connection, bool) {
	v := reflect.ValueOf(dc)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return mapping.Connection{}, false
	}
	f := v.Elem().FieldByName("conn")
	if !f.IsValid() || f.Type() != reflect.TypeOf(mapping.Connection{}) {
		return mapping.Connection{}, false
	}
	c := *(*mapping.Connection)(unsafe.Pointer(f.UnsafeAddr()))
	return c, c.Ptr != nil
}

// chunkable reports whether every column of tbl has a kind the chunk
// appender writes itself.
func chunkable(tbl *table) bool {
	for i := range tbl.cols {
		if width(&tbl.cols[i]) == 0 {
			return false
		}
	}
	return true
}

// width is the byte width of a column's values in a vector, 0 for a kind
// the chunk appender does not write.
func width(c *column) int {
	switch c.kind {
	case kindText, kindJSON, kindBlob:
		return 16
	case kindBigint, kindDouble, kindTimestamp, kindTime:
		return 8
	case kindBool:
		return 1
	case kindDate:
		return 4
	case kindDecimal:
		switch p := c.precision; {
		case p <= 0 || p > 38:
			return 0
		case p <= 4:
			return 2
		case p <= 9:
			return 4
		case p <= 18:
			return 8
		default:
			return 16
		}
	}
	return 0
}

// chunkCol is a column of the chunk being filled.
type chunkCol struct {
	c     *column
	width int
	data  unsafe.Pointer
	// mask is the validity bitmask: bit i of word i/64 is set when row i
	// is valid
	mask unsafe.Pointer
}

// chunkAppender appends rows to one table through data chunks.
type chunkAppender struct {
	tbl   *table
	app   mapping.Appender
	types []mapping.LogicalType
	chunk mapping.DataChunk
	cols  []chunkCol
	// capacity is the rows of a chunk; rows those filled so far
	capacity, rows int
	// pending counts the rows and bytes appended since the appender last
	// flushed; rowBytes is the fixed width of a row
	pending, pendingBytes, rowBytes int
	arena                           cArena
	// missing marks, per call, the table columns a batch does not have
	missing []bool
}

// newChunkAppender opens an appender on catalog.schema.table.
func newChunkAppender(conn mapping.Connection, g target, tbl *table) (*chunkAppender, error) {
	a := &chunkAppender{tbl: tbl, capacity: int(mapping.VectorSize()), missing: make([]bool, len(tbl.cols))}
	if mapping.AppenderCreateExt(conn, g.catalog, g.schema, g.name, &a.app) == mapping.StateError {
		err := errors.New(mapping.AppenderError(a.app))
		mapping.AppenderDestroy(&a.app)
		return nil, err
	}
	n := int(mapping.AppenderColumnCount(a.app))
	if n != len(tbl.cols) {
		mapping.AppenderDestroy(&a.app)
		return nil, fmt.Errorf("the appender has %d columns, the table %d", n, len(tbl.cols))
	}
	for i := 0; i < n; i++ {
		a.types = append(a.types, mapping.AppenderColumnType(a.app, mapping.IdxT(i)))
	}
	a.chunk = mapping.CreateDataChunk(a.types)
	a.cols = make([]chunkCol, n)
	for i := range a.cols {
		a.cols[i] = chunkCol{c: &tbl.cols[i], width: width(&tbl.cols[i])}
		a.rowBytes += a.cols[i].width
	}
	a.vectors()
	return a, nil
}

// vectors fetches the data and validity pointers of a fresh (or reset)
// chunk; every row starts valid.
func (a *chunkAppender) vectors() {
	for i := range a.cols {
		v := mapping.DataChunkGetVector(a.chunk, mapping.IdxT(i))
		mapping.VectorEnsureValidityWritable(v)
		a.cols[i].data = mapping.VectorGetData(v)
		a.cols[i].mask = mapping.VectorGetValidity(v)
	}
}

// appendRows adds rows whose value i belongs to table column pos[i].
func (a *chunkAppender) appendRows(rows [][]any, pos []int) error {
	for i := range a.missing {
		a.missing[i] = true
	}
	for _, p := range pos {
		a.missing[p] = false
	}
	for _, r := range rows {
		row := a.rows
		for p, miss := range a.missing {
			if miss {
				a.cols[p].setNull(row)
			}
		}
		for i, p := range pos {
			col := &a.cols[p]
			if i >= len(r) || r[i] == nil {
				col.setNull(row)
				continue
			}
			if err := a.set(col, row, r[i]); err != nil {
				return fmt.Errorf("column %s: %w", col.c.name, err)
			}
		}
		a.rows++
		if a.rows == a.capacity {
			if err := a.appendChunk(); err != nil {
				return err
			}
		}
	}
	return nil
}

// appendChunk hands the filled rows to DuckDB's appender, and flushes it
// into the table every flushRows rows or flushBytes bytes (see flushRows).
func (a *chunkAppender) appendChunk() error {
	if a.rows == 0 {
		return nil
	}
	mapping.DataChunkSetSize(a.chunk, mapping.IdxT(a.rows))
	state := mapping.AppendDataChunk(a.app, a.chunk)
	a.pending += a.rows
	a.pendingBytes += a.rows * a.rowBytes
	a.rows = 0
	mapping.DataChunkReset(a.chunk)
	a.arena.reset()
	a.vectors()
	if state == mapping.StateError {
		return errors.New(mapping.AppenderError(a.app))
	}
	if a.pending >= flushRows || a.pendingBytes >= flushBytes {
		a.pending, a.pendingBytes = 0, 0
		if mapping.AppenderFlush(a.app) == mapping.StateError {
			return errors.New(mapping.AppenderError(a.app))
		}
	}
	return nil
}

// close appends what is left, writes every row into the table and frees
// the appender.
func (a *chunkAppender) close() error {
	err := a.appendChunk()
	if err == nil && mapping.AppenderClose(a.app) == mapping.StateError {
		err = errors.New(mapping.AppenderError(a.app))
	}
	a.free()
	return err
}

// discard frees the appender without writing what it holds into the table.
func (a *chunkAppender) discard() { a.free() }

func (a *chunkAppender) free() {
	mapping.AppenderDestroy(&a.app)
	mapping.DestroyDataChunk(&a.chunk)
	for i := range a.types {
		mapping.DestroyLogicalType(&a.types[i])
	}
	a.types = nil
	a.arena.free()
}

func (c *chunkCol) setNull(row int) {
	w := (*uint64)(unsafe.Add(c.mask, 8*(row/64)))
	*w &^= 1 << (row % 64)
}

func (c *chunkCol) setValid(row int) {
	w := (*uint64)(unsafe.Add(c.mask, 8*(row/64)))
	*w |= 1 << (row % 64)
}

func (c *chunkCol) slot(row int) unsafe.Pointer { return unsafe.Add(c.data, row*c.width) }

// set writes v, a normalized value (see schema.TableRows), at row of col.
// It converts as convert does for duckdb-go's Appender.
func (a *chunkAppender) set(col *chunkCol, row int, v any) error {
	c := col.c
	switch c.kind {
	case kindText, kindJSON:
		switch x := v.(type) {
		case string:
			a.setString(col, row, validUTF8(x))
		case []byte:
			a.setString(col, row, validUTF8(unsafe.String(unsafe.SliceData(x), len(x))))
		case time.Time:
			a.setString(col, row, x.UTC().Format(time.RFC3339Nano))
		default:
			return typeError(v, c)
		}
	case kindBlob:
		switch x := v.(type) {
		case []byte:
			a.setString(col, row, unsafe.String(unsafe.SliceData(x), len(x)))
		case string:
			a.setString(col, row, x)
		default:
			return typeError(v, c)
		}
	case kindBigint:
		x, ok := v.(int64)
		if !ok {
			return typeError(v, c)
		}
		*(*int64)(col.slot(row)) = x
	case kindDouble:
		switch x := v.(type) {
		case float64:
			*(*float64)(col.slot(row)) = x
		case int64:
			*(*float64)(col.slot(row)) = float64(x)
		default:
			return typeError(v, c)
		}
	case kindBool:
		x, ok := v.(bool)
		if !ok {
			return typeError(v, c)
		}
		b := byte(0)
		if x {
			b = 1
		}
		*(*byte)(col.slot(row)) = b
	case kindTimestamp:
		x, ok := v.(time.Time)
		if !ok {
			return typeError(v, c)
		}
		*(*int64)(col.slot(row)) = x.UnixMicro()
	case kindDate:
		x, ok := v.(time.Time)
		if !ok {
			return typeError(v, c)
		}
		days := x.Unix() / 86400
		if x.Unix() < 0 && x.Unix()%86400 != 0 {
			days-- // floor: a time before 1970 belongs to the day before
		}
		if days < math.MinInt32 || days > math.MaxInt32 {
			return fmt.Errorf("date %s is out of DuckDB's range", x.Format(time.DateOnly))
		}
		*(*int32)(col.slot(row)) = int32(days)
	case kindTime:
		var tm time.Time
		switch x := v.(type) {
		case string:
			t, err := time.Parse("15:04:05.999999999", x)
			if err != nil {
				return fmt.Errorf("time %q: %w", x, err)
			}
			tm = t
		case time.Time:
			tm = x
		default:
			return typeError(v, c)
		}
		micros := int64(tm.Hour())*3_600_000_000 + int64(tm.Minute())*60_000_000 + int64(tm.Second())*1_000_000 + int64(tm.Nanosecond()/1000)
		*(*int64)(col.slot(row)) = micros
	case kindDecimal:
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case int64, float64:
			s = fmt.Sprint(x)
		default:
			return typeError(v, c)
		}
		d, err := decimalValue(s, c)
		if err != nil {
			return err
		}
		if err := setDecimal(col, row, d); err != nil {
			return err
		}
	default:
		return typeError(v, c)
	}
	col.setValid(row)
	return nil
}

// setDecimal stores an unscaled decimal (int64 or *big.Int, from
// decimalValue) in the column's physical width.
func setDecimal(col *chunkCol, row int, d driver.Value) error {
	p := col.slot(row)
	if col.width == 16 {
		var b *big.Int
		switch x := d.(type) {
		case int64:
			b = big.NewInt(x)
		case *big.Int:
			b = x
		}
		lo, hi := hugeint(b)
		*(*uint64)(p) = lo
		*(*int64)(unsafe.Add(p, 8)) = hi
		return nil
	}
	x, ok := d.(int64)
	if !ok {
		return fmt.Errorf("decimal %v does not fit %d bytes", d, col.width)
	}
	switch col.width {
	case 2:
		*(*int16)(p) = int16(x)
	case 4:
		*(*int32)(p) = int32(x)
	default:
		*(*int64)(p) = x
	}
	return nil
}

// hugeint splits b (|b| < 10^38) into DuckDB's hugeint: the low 64 bits
// and the high 64 bits of its two's complement.
func hugeint(b *big.Int) (lo uint64, hi int64) {
	if b.Sign() >= 0 {
		var buf [16]byte
		b.FillBytes(buf[:])
		return binary.BigEndian.Uint64(buf[8:]), int64(binary.BigEndian.Uint64(buf[:8]))
	}
	// two's complement of |b| over 128 bits
	m := new(big.Int).Neg(b)
	var buf [16]byte
	m.FillBytes(buf[:])
	lo = ^binary.BigEndian.Uint64(buf[8:])
	hiU := ^binary.BigEndian.Uint64(buf[:8])
	lo++
	if lo == 0 {
		hiU++
	}
	return lo, int64(hiU)
}

// setString writes s as a string_t: inline up to 12 bytes, otherwise its
// first 4 bytes and a pointer to a copy in the arena.
func (a *chunkAppender) setString(col *chunkCol, row int, s string) {
	p := col.slot(row)
	st := (*[16]byte)(p)
	*st = [16]byte{}
	binary.LittleEndian.PutUint32(st[:4], uint32(len(s)))
	if len(s) <= 12 {
		copy(st[4:], s)
		return
	}
	copy(st[4:8], s[:4])
	a.pendingBytes += len(s)
	// a C address stored as an integer: no Go pointer enters C memory
	*(*uintptr)(unsafe.Add(p, 8)) = a.arena.copy(s)
}

// validUTF8 returns s, or s with each invalid byte sequence replaced by
// U+FFFD as encoding/json's decoder does: DuckDB's VARCHAR holds UTF-8 only
// (duckdb-go's appender would have stored NULL instead).
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func typeError(v any, c *column) error {
	return fmt.Errorf("a %T value cannot be stored in a column of this type (%s)", v, c.kind)
}

// cArena is C memory for the bytes of the strings of one chunk: blocks
// reused from chunk to chunk, and an allocation of its own for a string
// larger than a block.
type cArena struct {
	blocks []unsafe.Pointer
	// cur is the block being filled, off the bytes used in it
	cur, off int
	large    []unsafe.Pointer
}

const arenaBlock = 256 << 10

// copy copies s into C memory and returns its address.
func (ar *cArena) copy(s string) uintptr {
	n := len(s)
	var dst unsafe.Pointer
	switch {
	case n > arenaBlock/4:
		dst = C.malloc(C.size_t(n))
		if dst == nil {
			panic("duckdb: out of memory")
		}
		ar.large = append(ar.large, dst)
	default:
		if len(ar.blocks) == 0 || ar.off+n > arenaBlock {
			if len(ar.blocks) > 0 {
				ar.cur++
			}
			if ar.cur == len(ar.blocks) {
				b := C.malloc(arenaBlock)
				if b == nil {
					panic("duckdb: out of memory")
				}
				ar.blocks = append(ar.blocks, b)
			}
			ar.off = 0
		}
		dst = unsafe.Add(ar.blocks[ar.cur], ar.off)
		ar.off += n
	}
	copy(unsafe.Slice((*byte)(dst), n), s)
	return uintptr(dst)
}

// reset makes every block free again (after DuckDB copied the chunk).
func (ar *cArena) reset() {
	for _, p := range ar.large {
		C.free(p)
	}
	ar.large = ar.large[:0]
	ar.cur, ar.off = 0, 0
}

func (ar *cArena) free() {
	ar.reset()
	for _, p := range ar.blocks {
		C.free(p)
	}
	ar.blocks = nil
}
