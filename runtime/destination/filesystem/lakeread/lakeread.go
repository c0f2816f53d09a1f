// Package lakeread reads the Parquet files of a lake table with
// apache/arrow-go's Parquet reader: a reader independent of the writer
// (parquet-go), so tests check what other tools see, not the writer's
// bookkeeping. Only tests import it.
package lakeread

import (
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// Column is one column of a file: its name and its Parquet types as
// arrow-go reports them.
type Column struct {
	Name     string
	Physical string
	// Logical is e.g. "String", "Timestamp(isAdjustedToUTC=true, timeUnit=microseconds, ...)".
	Logical string
	// Optional is set for an OPTIONAL column.
	Optional bool
}

// File is the content of one Parquet file. Values are nil, int64, int32,
// float64, bool, string (BYTE_ARRAY), time.Time (timestamps and dates,
// UTC) or a decimal's text.
type File struct {
	Path    string
	Columns []Column
	Rows    [][]any
}

// Table reads every *.parquet file of a table folder, in name order.
func Table(dir string) ([]*File, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.parquet"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var out []*File
	for _, p := range paths {
		f, err := Read(p)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// Rows returns the rows of the files as maps from column name to value.
func Rows(files []*File) []map[string]any {
	var out []map[string]any
	for _, f := range files {
		for _, r := range f.Rows {
			m := make(map[string]any, len(r))
			for i, v := range r {
				m[f.Columns[i].Name] = v
			}
			out = append(out, m)
		}
	}
	return out
}

// Read reads one Parquet file.
func Read(path string) (*File, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer rdr.Close()
	sch := rdr.MetaData().Schema
	out := &File{Path: path}
	for j := 0; j < sch.NumColumns(); j++ {
		c := sch.Column(j)
		out.Columns = append(out.Columns, Column{Name: c.Name(), Physical: c.PhysicalType().String(),
			Logical: c.LogicalType().String(), Optional: c.MaxDefinitionLevel() > 0})
	}
	for g := 0; g < rdr.NumRowGroups(); g++ {
		rg := rdr.RowGroup(g)
		n := rg.NumRows()
		cols := make([][]any, sch.NumColumns())
		for j := range cols {
			cr, err := rg.Column(j)
			if err != nil {
				return nil, err
			}
			vals, err := readColumn(cr, n, sch.Column(j))
			if err != nil {
				return nil, fmt.Errorf("%s: column %s: %w", path, sch.Column(j).Name(), err)
			}
			cols[j] = vals
		}
		for i := int64(0); i < n; i++ {
			row := make([]any, len(cols))
			for j := range cols {
				row[j] = cols[j][i]
			}
			out.Rows = append(out.Rows, row)
		}
	}
	return out, nil
}

func readColumn(cr file.ColumnChunkReader, n int64, col *schema.Column) ([]any, error) {
	def := make([]int16, n)
	out := make([]any, 0, n)
	spread := func(vals func(i int) any, read int) {
		k := 0
		for _, d := range def[:len(def)] {
			if d == 0 && col.MaxDefinitionLevel() > 0 {
				out = append(out, nil)
				continue
			}
			out = append(out, vals(k))
			k++
		}
	}
	switch r := cr.(type) {
	case *file.Int64ColumnChunkReader:
		v := make([]int64, n)
		_, read, err := r.ReadBatch(n, v, def, nil)
		if err != nil {
			return nil, err
		}
		ts, isTS := col.LogicalType().(schema.TimestampLogicalType)
		spread(func(i int) any {
			if isTS {
				switch ts.TimeUnit() {
				case schema.TimeUnitMicros:
					return time.UnixMicro(v[i]).UTC()
				case schema.TimeUnitMillis:
					return time.UnixMilli(v[i]).UTC()
				}
				return time.Unix(0, v[i]).UTC()
			}
			return v[i]
		}, read)
	case *file.Int32ColumnChunkReader:
		v := make([]int32, n)
		_, read, err := r.ReadBatch(n, v, def, nil)
		if err != nil {
			return nil, err
		}
		_, isDate := col.LogicalType().(schema.DateLogicalType)
		spread(func(i int) any {
			if isDate {
				return time.Unix(int64(v[i])*86400, 0).UTC()
			}
			return v[i]
		}, read)
	case *file.Float64ColumnChunkReader:
		v := make([]float64, n)
		_, read, err := r.ReadBatch(n, v, def, nil)
		if err != nil {
			return nil, err
		}
		spread(func(i int) any { return v[i] }, read)
	case *file.BooleanColumnChunkReader:
		v := make([]bool, n)
		_, read, err := r.ReadBatch(n, v, def, nil)
		if err != nil {
			return nil, err
		}
		spread(func(i int) any { return v[i] }, read)
	case *file.ByteArrayColumnChunkReader:
		v := make([]parquet.ByteArray, n)
		_, read, err := r.ReadBatch(n, v, def, nil)
		if err != nil {
			return nil, err
		}
		spread(func(i int) any { return string(v[i]) }, read)
	case *file.FixedLenByteArrayColumnChunkReader:
		v := make([]parquet.FixedLenByteArray, n)
		_, read, err := r.ReadBatch(n, v, def, nil)
		if err != nil {
			return nil, err
		}
		dec, isDec := col.LogicalType().(schema.DecimalLogicalType)
		spread(func(i int) any {
			if isDec {
				return decimalText(v[i], int(dec.Scale()))
			}
			return []byte(v[i])
		}, read)
	default:
		return nil, fmt.Errorf("unexpected column reader %T", cr)
	}
	return out, nil
}

// decimalText renders a big-endian two's complement unscaled value.
func decimalText(b []byte, scale int) string {
	x := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	neg := x.Sign() < 0
	s := new(big.Int).Abs(x).String()
	if scale > 0 {
		for len(s) <= scale {
			s = "0" + s
		}
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	}
	if neg {
		s = "-" + s
	}
	return strings.TrimSpace(s)
}
