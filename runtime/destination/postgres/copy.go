package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

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
	kindDate
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
	case "date":
		return kindDate
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

// flushBytes is how much COPY text of one table is buffered before it goes
// to the server in one COPY: large enough that a COPY's round trip is paid
// once per several thousand rows rather than once per page of records,
// small enough to stay well inside sluice's memory budget. The buffer is
// plain bytes, so the garbage collector never scans it.
const flushBytes = 1 << 20

// buffer holds rows of one table in COPY's text format, not yet sent.
type buffer struct {
	g    target
	cols []string
	// index is the position of a column in cols
	index map[string]int
	kinds []kind
	data  []byte
	// copySQL is the COPY statement
	copySQL string
}

// copy converts rows into COPY text for g, sending the buffer when it is
// full. Every other statement of the transaction sends the buffers first
// (flush), so nothing reads or changes a table before its rows are in.
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
		var quoted []string
		for _, c := range tb.cols {
			if c.name == seqColumn {
				continue
			}
			buf.index[c.name] = len(buf.cols)
			buf.cols = append(buf.cols, c.name)
			buf.kinds = append(buf.kinds, c.kind)
			quoted = append(quoted, destination.QuoteIdent(c.name))
		}
		buf.copySQL = "COPY " + key + " (" + strings.Join(quoted, ", ") + ") FROM STDIN"
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
	row := make([]any, len(buf.cols))
	for _, r := range rows.Rows {
		clear(row)
		for i, v := range r {
			if i < len(pos) {
				row[pos[i]] = v
			}
		}
		for p, v := range row {
			if p > 0 {
				buf.data = append(buf.data, '\t')
			}
			var err error
			if buf.data, err = appendText(buf.data, v, buf.kinds[p]); err != nil {
				return fmt.Errorf("column %s: %w", buf.cols[p], err)
			}
		}
		buf.data = append(buf.data, '\n')
	}
	if len(buf.data) >= flushBytes {
		return t.send(ctx, buf)
	}
	return nil
}

// send writes the buffered rows of buf with one COPY.
func (t *Tx) send(ctx context.Context, buf *buffer) error {
	if len(buf.data) == 0 {
		return nil
	}
	_, err := t.tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(buf.data), buf.copySQL)
	buf.data = buf.data[:0]
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Where != "" {
			return fmt.Errorf("writing rows into %s: %w (%s)", buf.g.name, err, pe.Where)
		}
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

const hexDigits = "0123456789abcdef"

// appendText appends a normalized value (see schema.TableRows) in COPY's
// text format for a column of kind k: \N for NULL, text with backslash,
// tab, newline and carriage return escaped.
func appendText(b []byte, v any, k kind) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, '\\', 'N'), nil
	case string:
		if k == kindBytes {
			return appendHex(b, x), nil
		}
		return appendEscaped(b, x), nil
	case []byte:
		if k == kindBytes {
			return appendHex(b, string(x)), nil
		}
		return appendEscaped(b, string(x)), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case float64:
		switch {
		case k == kindText:
			return appendEscaped(b, schema.PyFloatString(x)), nil
		case k == kindInt:
			if x != math.Trunc(x) || math.Abs(x) >= 1<<63 {
				return b, fmt.Errorf("%v is not an integer", x)
			}
			return strconv.AppendInt(b, int64(x), 10), nil
		case math.IsNaN(x):
			return append(b, "NaN"...), nil
		case math.IsInf(x, 1):
			return append(b, "Infinity"...), nil
		case math.IsInf(x, -1):
			return append(b, "-Infinity"...), nil
		}
		return strconv.AppendFloat(b, x, 'g', -1, 64), nil
	case bool:
		switch {
		case k == kindText:
			return strconv.AppendBool(b, x), nil
		case k == kindInt:
			if x {
				return append(b, '1'), nil
			}
			return append(b, '0'), nil
		case x:
			return append(b, 't'), nil
		}
		return append(b, 'f'), nil
	case time.Time:
		x = x.UTC()
		switch k {
		case kindText:
			return x.AppendFormat(b, time.RFC3339Nano), nil
		case kindDate:
			return x.AppendFormat(b, "2006-01-02"), nil
		}
		return x.AppendFormat(b, "2006-01-02 15:04:05.999999+00"), nil
	}
	return appendEscaped(b, fmt.Sprint(v)), nil
}

// appendEscaped appends s with COPY text's special characters escaped.
func appendEscaped(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		var e byte
		switch s[i] {
		case '\\':
			e = '\\'
		case '\t':
			e = 't'
		case '\n':
			e = 'n'
		case '\r':
			e = 'r'
		default:
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, '\\', e)
		start = i + 1
	}
	return append(b, s[start:]...)
}

// appendHex appends bytea's hex form, its backslash escaped for COPY:
// \\x0001ff.
func appendHex(b []byte, s string) []byte {
	b = append(b, '\\', '\\', 'x')
	for i := 0; i < len(s); i++ {
		b = append(b, hexDigits[s[i]>>4], hexDigits[s[i]&15])
	}
	return b
}
