package postgres

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/schema"
)

// target is a table by schema and name.
type target struct{ schema, name string }

// String is the qualified, quoted name.
func (g target) String() string {
	return destination.QuoteIdent(g.schema) + "." + destination.QuoteIdent(g.name)
}

// table is what COPY needs to know of a table: its columns in order, with
// the conversion each needs.
type table struct {
	cols  []column
	index map[string]int
}

type column struct {
	name string
	kind kind
}

// kind is how values are converted for a column's type.
type kind int

const (
	kindOther kind = iota
	kindText
	kindInt
	kindDouble
	kindNumeric
	kindJSON
	kindTime
	kindBytes
)

func kindOf(typname string) kind {
	switch typname {
	case "varchar", "text", "bpchar":
		return kindText
	case "int8", "int4", "int2":
		return kindInt
	case "float8", "float4":
		return kindDouble
	case "numeric":
		return kindNumeric
	case "jsonb", "json":
		return kindJSON
	case "time":
		return kindTime
	case "bytea":
		return kindBytes
	}
	return kindOther
}

// table returns the columns of g, nil if it does not exist.
func (t *Tx) table(ctx context.Context, g target) (*table, error) {
	key := g.String()
	if tb, ok := t.tables[key]; ok {
		return tb, nil
	}
	var tb *table
	err := runQuery(ctx, t.tx, `SELECT a.attname, ty.typname FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
		[]any{key}, func(scan func(...any) error) error {
			var name, typ string
			if err := scan(&name, &typ); err != nil {
				return err
			}
			if tb == nil {
				tb = &table{index: map[string]int{}}
			}
			tb.index[name] = len(tb.cols)
			tb.cols = append(tb.cols, column{name: name, kind: kindOf(typ)})
			return nil
		})
	if err != nil {
		return nil, err
	}
	t.tables[key] = tb
	return tb, nil
}

// columnNames returns the column names of g in order, without the staging
// sequence.
func (t *Tx) columnNames(ctx context.Context, g target) ([]string, error) {
	tb, err := t.table(ctx, g)
	if err != nil || tb == nil {
		return nil, err
	}
	names := make([]string, 0, len(tb.cols))
	for _, c := range tb.cols {
		if c.name != seqColumn {
			names = append(names, c.name)
		}
	}
	return names, nil
}

// flushValues is how many values (rows × columns) of one table are
// buffered before they go to the server in one COPY: large enough that the
// two round trips of a COPY (pgx describes the columns first) are paid once
// per several thousand rows rather than once per page of records, small
// enough to keep a few MB per table.
const flushValues = 1 << 18

// buffer holds converted rows of one table not yet sent.
type buffer struct {
	g    target
	cols []string
	// index is the position of a column in cols
	index map[string]int
	kinds []kind
	rows  [][]any
}

// copy converts rows and buffers them for g, sending the buffer with COPY
// when it is full. Every other statement of the transaction sends the
// buffers first (flush), so nothing reads or changes a table before its
// rows are in.
func (t *Tx) copy(ctx context.Context, g target, rows *schema.TableRows) error {
	if len(rows.Rows) == 0 || len(rows.Columns) == 0 {
		return nil
	}
	key := g.String()
	buf := t.pending[key]
	if buf == nil {
		tb, err := t.table(ctx, g)
		if err != nil {
			return err
		}
		if tb == nil {
			return fmt.Errorf("table %s does not exist", g.name)
		}
		buf = &buffer{g: g, index: map[string]int{}}
		for _, c := range tb.cols {
			if c.name == seqColumn {
				continue
			}
			buf.index[c.name] = len(buf.cols)
			buf.cols = append(buf.cols, c.name)
			buf.kinds = append(buf.kinds, c.kind)
		}
		t.pending[key] = buf
		t.order = append(t.order, key)
	}
	pos := make([]int, len(rows.Columns))
	for i, name := range rows.Columns {
		p, ok := buf.index[name]
		if !ok {
			return fmt.Errorf("the table has no column %s (apply the schema change first)", name)
		}
		pos[i] = p
	}
	width := len(buf.cols)
	slab := make([]any, len(rows.Rows)*width)
	for n, r := range rows.Rows {
		row := slab[n*width : (n+1)*width : (n+1)*width]
		for i, v := range r {
			if i >= len(pos) || v == nil {
				continue
			}
			p := pos[i]
			x, err := convert(v, buf.kinds[p])
			if err != nil {
				return fmt.Errorf("column %s: %w", buf.cols[p], err)
			}
			if b, ok := x.([]byte); ok && sameBytes(b, v) {
				x = append([]byte(nil), b...) // the batch's bytes are not ours to keep
			}
			row[p] = x
		}
		buf.rows = append(buf.rows, row)
	}
	if len(buf.rows)*width >= flushValues {
		return t.send(ctx, buf)
	}
	return nil
}

// sameBytes reports whether b is v's own byte slice (not a copy convert made).
func sameBytes(b []byte, v any) bool {
	vb, ok := v.([]byte)
	return ok && len(vb) > 0 && len(b) > 0 && &vb[0] == &b[0]
}

// send writes the buffered rows of buf with one COPY.
func (t *Tx) send(ctx context.Context, buf *buffer) error {
	if len(buf.rows) == 0 {
		return nil
	}
	rows := buf.rows
	buf.rows = nil
	if _, err := t.tx.CopyFrom(ctx, pgx.Identifier{buf.g.schema, buf.g.name}, buf.cols, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("writing rows into %s: %w", buf.g.name, err)
	}
	return nil
}

// flush sends every buffer, in the order the tables were first written.
func (t *Tx) flush(ctx context.Context) error {
	if len(t.pending) == 0 {
		return nil
	}
	order := t.order
	t.order = nil
	for _, key := range order {
		buf := t.pending[key]
		delete(t.pending, key)
		if err := t.send(ctx, buf); err != nil {
			clear(t.pending)
			return err
		}
	}
	return nil
}

// convert turns a normalized value (see schema.TableRows) into what pgx
// encodes for a column of kind k.
func convert(v any, k kind) (any, error) {
	switch k {
	case kindText:
		switch x := v.(type) {
		case string:
			return x, nil
		case time.Time:
			return x.UTC().Format(time.RFC3339Nano), nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case float64:
			return schema.PyFloatString(x), nil
		case bool:
			return strconv.FormatBool(x), nil
		case []byte:
			return string(x), nil
		}
	case kindInt:
		switch x := v.(type) {
		case float64:
			if x != math.Trunc(x) || math.Abs(x) > 1<<63-1 {
				return nil, fmt.Errorf("%v is not an integer", x)
			}
			return int64(x), nil
		case string:
			return strconv.ParseInt(x, 10, 64)
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		}
	case kindDouble:
		switch x := v.(type) {
		case int64:
			return float64(x), nil
		case string:
			return strconv.ParseFloat(x, 64)
		}
	case kindNumeric:
		switch x := v.(type) {
		case string:
			var n pgtype.Numeric
			if err := n.Scan(x); err != nil {
				return nil, fmt.Errorf("%q is not a decimal number", x)
			}
			return n, nil
		case int64:
			return pgtype.Numeric{Int: big.NewInt(x), Valid: true}, nil
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("%v is not a decimal number", x)
			}
			var n pgtype.Numeric
			if err := n.Scan(strconv.FormatFloat(x, 'f', -1, 64)); err != nil {
				return nil, err
			}
			return n, nil
		}
	case kindJSON:
		switch x := v.(type) {
		case string:
			return []byte(x), nil
		case []byte:
			return x, nil
		}
	case kindTime:
		if x, ok := v.(string); ok {
			tm, err := time.Parse("15:04:05.999999999", x)
			if err != nil {
				return nil, fmt.Errorf("time %q: %w", x, err)
			}
			us := int64(tm.Hour())*3600e6 + int64(tm.Minute())*60e6 + int64(tm.Second())*1e6 + int64(tm.Nanosecond()/1000)
			return pgtype.Time{Microseconds: us, Valid: true}, nil
		}
	case kindBytes:
		if x, ok := v.(string); ok {
			return []byte(x), nil
		}
	}
	return v, nil
}
