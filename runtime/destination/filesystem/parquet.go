package filesystem

import (
	"bufio"
	"errors"
	"fmt"
	"math/big"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/sluicehq/sluice/runtime/schema"
)

// Default decimal precision and scale, as dlt's.
const (
	defaultPrecision = 38
	defaultScale     = 9
)

// ParquetNode returns the Parquet node of a dlt column (always OPTIONAL).
func ParquetNode(c *schema.Column) parquet.Node {
	var n parquet.Node
	switch c.DataType {
	case schema.Bigint:
		n = parquet.Leaf(parquet.Int64Type)
	case schema.Double:
		n = parquet.Leaf(parquet.DoubleType)
	case schema.Bool:
		n = parquet.Leaf(parquet.BooleanType)
	case schema.Timestamp:
		n = parquet.Timestamp(parquet.Microsecond)
	case schema.Date:
		n = parquet.Date()
	case schema.Time:
		n = parquet.Time(parquet.Microsecond)
	case schema.Decimal:
		p, s := decimalShape(c)
		n = parquet.Decimal(s, p, parquet.FixedLenByteArrayType(decimalBytes(p)))
	case schema.Binary:
		n = parquet.Leaf(parquet.ByteArrayType)
	default: // text, json, wei
		n = parquet.String()
	}
	return parquet.Optional(n)
}

func decimalShape(c *schema.Column) (precision, scale int) {
	precision, scale = defaultPrecision, defaultScale
	if c.Precision != nil && *c.Precision > 0 {
		precision = *c.Precision
	}
	if c.Scale != nil && *c.Scale >= 0 {
		scale = *c.Scale
	}
	if scale > precision {
		scale = precision
	}
	return precision, scale
}

// decimalBytes is the smallest byte width holding precision digits in
// two's complement.
func decimalBytes(precision int) int {
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(precision)), nil)
	for n := 1; ; n++ {
		if limit.BitLen() <= 8*n-1 {
			return n
		}
	}
}

// orderedGroup is a Parquet group whose columns keep the table's order
// (parquet.Group sorts them by name).
type orderedGroup struct {
	fields []parquet.Field
	group  parquet.Group
}

type orderedField struct {
	parquet.Node
	name string
}

func (f *orderedField) Name() string                           { return f.name }
func (f *orderedField) Value(base reflect.Value) reflect.Value { return base.FieldByName(f.name) }

func newOrderedGroup(cols []schema.Column) *orderedGroup {
	g := &orderedGroup{group: parquet.Group{}}
	for i := range cols {
		n := ParquetNode(&cols[i])
		g.fields = append(g.fields, &orderedField{Node: n, name: cols[i].Name})
		g.group[cols[i].Name] = n
	}
	return g
}

func (g *orderedGroup) ID() int                     { return 0 }
func (g *orderedGroup) String() string              { return g.group.String() }
func (g *orderedGroup) Type() parquet.Type          { return g.group.Type() }
func (g *orderedGroup) Optional() bool              { return false }
func (g *orderedGroup) Repeated() bool              { return false }
func (g *orderedGroup) Required() bool              { return true }
func (g *orderedGroup) Leaf() bool                  { return false }
func (g *orderedGroup) Fields() []parquet.Field     { return g.fields }
func (g *orderedGroup) Encoding() encoding.Encoding { return nil }
func (g *orderedGroup) Compression() compress.Codec { return nil }
func (g *orderedGroup) GoType() reflect.Type        { return g.group.GoType() }

// fileWriter streams the rows of one table into one Parquet file.
type fileWriter struct {
	table string
	path  string
	cols  []schema.Column
	kind  []colKind
	f     *os.File
	buf   *bufio.Writer
	w     *parquet.Writer
	rows  int64
	// pending estimates the bytes of the row group being built
	pending int
	// scratch rows reused between batches
	batch []parquet.Row
	// index maps a batch's column position to the file's column
	index []int
}

type colKind uint8

const (
	kString colKind = iota
	kInt64
	kDouble
	kBool
	kTimestamp
	kDate
	kTime
	kDecimal
	kBinary
)

func kindOf(c *schema.Column) colKind {
	switch c.DataType {
	case schema.Bigint:
		return kInt64
	case schema.Double:
		return kDouble
	case schema.Bool:
		return kBool
	case schema.Timestamp:
		return kTimestamp
	case schema.Date:
		return kDate
	case schema.Time:
		return kTime
	case schema.Decimal:
		return kDecimal
	case schema.Binary:
		return kBinary
	}
	return kString
}

// newFileWriter creates the file at path for the columns cols.
func newFileWriter(table, path string, cols []schema.Column) (*fileWriter, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	cols = append([]schema.Column(nil), cols...)
	fw := &fileWriter{table: table, path: path, cols: cols, f: f, buf: bufio.NewWriterSize(f, 1<<20)}
	for i := range cols {
		fw.kind = append(fw.kind, kindOf(&cols[i]))
	}
	sch := parquet.NewSchema(table, newOrderedGroup(cols))
	fw.w = parquet.NewWriter(fw.buf, sch,
		parquet.Compression(&parquet.Snappy),
		parquet.MaxRowsPerRowGroup(RowGroupRows),
		parquet.CreatedBy("sluice", "", ""),
	)
	return fw, nil
}

// write appends rows (indexed like columns) to the file.
func (fw *fileWriter) write(columns []string, rows [][]any) error {
	fw.index = fw.index[:0]
	for _, name := range columns {
		j := -1
		for k := range fw.cols {
			if fw.cols[k].Name == name {
				j = k
				break
			}
		}
		if j < 0 {
			return fmt.Errorf("column %s is not in the table's columns (Apply it first)", name)
		}
		fw.index = append(fw.index, j)
	}
	ncol := len(fw.cols)
	const chunk = 512
	for len(rows) > 0 {
		part := rows
		if len(part) > chunk {
			part = part[:chunk]
		}
		rows = rows[len(part):]
		if cap(fw.batch) < len(part) {
			fw.batch = make([]parquet.Row, len(part))
		}
		batch := fw.batch[:len(part)]
		for r, src := range part {
			row := batch[r]
			if cap(row) < ncol {
				row = make(parquet.Row, ncol)
			}
			row = row[:ncol]
			for c := range row {
				row[c] = parquet.NullValue().Level(0, 0, c)
			}
			for i, v := range src {
				if i >= len(fw.index) || v == nil {
					continue
				}
				c := fw.index[i]
				pv, err := fw.value(c, v)
				if err != nil {
					return fmt.Errorf("column %s: %w", fw.cols[c].Name, err)
				}
				row[c] = pv.Level(0, 1, c)
				fw.pending += 8
				if sv, ok := v.(string); ok {
					fw.pending += len(sv)
				}
			}
			batch[r] = row
		}
		if _, err := fw.w.WriteRows(batch); err != nil {
			return err
		}
		fw.rows += int64(len(part))
		if fw.pending >= RowGroupBytes {
			// end the row group: its pages go to the file, and the
			// heap stays small (main's soft memory limit is 40 MB)
			if err := fw.w.Flush(); err != nil {
				return err
			}
			fw.pending = 0
		}
	}
	return nil
}

// value converts one non-nil value to the Parquet value of column c.
func (fw *fileWriter) value(c int, v any) (parquet.Value, error) {
	switch fw.kind[c] {
	case kInt64:
		switch x := v.(type) {
		case int64:
			return parquet.Int64Value(x), nil
		case float64:
			return parquet.Int64Value(int64(x)), nil
		case bool:
			if x {
				return parquet.Int64Value(1), nil
			}
			return parquet.Int64Value(0), nil
		case string:
			n, err := strconv.ParseInt(x, 10, 64)
			if err != nil {
				return parquet.Value{}, fmt.Errorf("%q is not a bigint", x)
			}
			return parquet.Int64Value(n), nil
		}
	case kDouble:
		switch x := v.(type) {
		case float64:
			return parquet.DoubleValue(x), nil
		case int64:
			return parquet.DoubleValue(float64(x)), nil
		case string:
			f, err := strconv.ParseFloat(x, 64)
			if err != nil {
				return parquet.Value{}, fmt.Errorf("%q is not a double", x)
			}
			return parquet.DoubleValue(f), nil
		}
	case kBool:
		if x, ok := v.(bool); ok {
			return parquet.BooleanValue(x), nil
		}
		if x, ok := v.(int64); ok {
			return parquet.BooleanValue(x != 0), nil
		}
	case kTimestamp:
		if x, ok := v.(time.Time); ok {
			return parquet.Int64Value(x.UnixMicro()), nil
		}
		if x, ok := v.(string); ok {
			t, err := time.Parse(time.RFC3339Nano, x)
			if err != nil {
				return parquet.Value{}, fmt.Errorf("%q is not a timestamp", x)
			}
			return parquet.Int64Value(t.UnixMicro()), nil
		}
	case kDate:
		if x, ok := v.(time.Time); ok {
			return parquet.Int32Value(int32(x.Unix() / 86400)), nil
		}
	case kTime:
		if x, ok := v.(string); ok {
			us, err := parseTimeOfDay(x)
			if err != nil {
				return parquet.Value{}, err
			}
			return parquet.Int64Value(us), nil
		}
		if x, ok := v.(time.Time); ok {
			h, m, s := x.Clock()
			return parquet.Int64Value(int64(h*3600+m*60+s)*1e6 + int64(x.Nanosecond()/1000)), nil
		}
	case kDecimal:
		p, s := decimalShape(&fw.cols[c])
		b, err := decimalValue(v, p, s)
		if err != nil {
			return parquet.Value{}, err
		}
		return parquet.FixedLenByteArrayValue(b), nil
	case kBinary:
		switch x := v.(type) {
		case []byte:
			return parquet.ByteArrayValue(x), nil
		case string:
			return parquet.ByteArrayValue(stringBytes(x)), nil
		}
	default:
		switch x := v.(type) {
		case string:
			return parquet.ByteArrayValue(stringBytes(x)), nil
		case []byte:
			return parquet.ByteArrayValue(x), nil
		case time.Time:
			return parquet.ByteArrayValue([]byte(x.UTC().Format(time.RFC3339Nano))), nil
		default:
			return parquet.ByteArrayValue([]byte(fmt.Sprint(x))), nil
		}
	}
	return parquet.Value{}, fmt.Errorf("a %T value does not fit a %s column", v, fw.cols[c].DataType)
}

// stringBytes views s as bytes without copying; the writer copies values
// into its pages and never writes to them.
func stringBytes(s string) []byte {
	if s == "" {
		return []byte{}
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// parseTimeOfDay parses "15:04:05[.ffffff]" into microseconds.
func parseTimeOfDay(s string) (int64, error) {
	t, err := time.Parse("15:04:05.999999999", s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a time of day", s)
	}
	h, m, sec := t.Clock()
	return int64(h*3600+m*60+sec)*1e6 + int64(t.Nanosecond()/1000), nil
}

var errDecimalRange = errors.New("does not fit the column's decimal precision")

// decimalValue encodes v as the big-endian two's complement of its
// unscaled value at scale, width bytes for precision.
func decimalValue(v any, precision, scale int) ([]byte, error) {
	r := new(big.Rat)
	switch x := v.(type) {
	case string:
		x = strings.TrimSpace(x)
		if len(x) > 400 || hugeExponent(x) {
			return nil, fmt.Errorf("%.40q is not a decimal of at most %d digits", x, precision)
		}
		if _, ok := r.SetString(x); !ok {
			return nil, fmt.Errorf("%q is not a decimal", x)
		}
	case int64:
		r.SetInt64(x)
	case float64:
		if r.SetFloat64(x) == nil {
			return nil, fmt.Errorf("%v is not a decimal", x)
		}
	default:
		return nil, fmt.Errorf("a %T value is not a decimal", v)
	}
	pow := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)
	r.Mul(r, new(big.Rat).SetInt(pow))
	// round half away from zero
	num, den := r.Num(), r.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2)).Cmp(den) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(precision)), nil)
	if new(big.Int).Abs(q).Cmp(limit) >= 0 {
		return nil, fmt.Errorf("%v %w (%d, %d)", v, errDecimalRange, precision, scale)
	}
	n := decimalBytes(precision)
	out := make([]byte, n)
	if q.Sign() >= 0 {
		q.FillBytes(out)
		return out, nil
	}
	// two's complement: 2^(8n) + q
	mod := new(big.Int).Lsh(big.NewInt(1), uint(8*n))
	mod.Add(mod, q)
	mod.FillBytes(out)
	return out, nil
}

// hugeExponent reports an exponent beyond any decimal precision
// ("1e999999999" would make big.Rat compute a billion-digit power).
func hugeExponent(s string) bool {
	i := strings.IndexAny(s, "eE")
	if i < 0 {
		return false
	}
	e, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
	return err != nil || e > 200 || e < -200
}

// close finishes the file and syncs it to disk.
func (fw *fileWriter) close() error {
	err := fw.w.Close()
	if err == nil {
		err = fw.buf.Flush()
	}
	if err == nil {
		err = fw.f.Sync()
	}
	if cerr := fw.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// abort closes and removes the file.
func (fw *fileWriter) abort() {
	_ = fw.f.Close()
	_ = os.Remove(fw.path)
}
