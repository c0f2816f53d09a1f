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

// copy writes rows into g with one COPY.
func (t *Tx) copy(ctx context.Context, g target, rows *schema.TableRows) error {
	if len(rows.Rows) == 0 || len(rows.Columns) == 0 {
		return nil
	}
	tb, err := t.table(ctx, g)
	if err != nil {
		return err
	}
	if tb == nil {
		return fmt.Errorf("table %s does not exist", g.name)
	}
	src := &copySource{rows: rows.Rows, i: -1, cols: make([]*column, len(rows.Columns)), row: make([]any, len(rows.Columns))}
	for i, name := range rows.Columns {
		p, ok := tb.index[name]
		if !ok {
			return fmt.Errorf("the table has no column %s (apply the schema change first)", name)
		}
		src.cols[i] = &tb.cols[p]
	}
	_, err = t.tx.CopyFrom(ctx, pgx.Identifier{g.schema, g.name}, rows.Columns, src)
	return err
}

// copySource hands the rows of a batch to CopyFrom one at a time, each
// converted into one reused slice (CopyFrom encodes a row before asking
// for the next).
type copySource struct {
	rows [][]any
	i    int
	cols []*column
	row  []any
	err  error
}

func (s *copySource) Next() bool {
	s.i++
	return s.i < len(s.rows) && s.err == nil
}

func (s *copySource) Values() ([]any, error) {
	r := s.rows[s.i]
	clear(s.row)
	for i, v := range r {
		if i >= len(s.row) || v == nil {
			continue
		}
		x, err := convert(v, s.cols[i].kind)
		if err != nil {
			s.err = fmt.Errorf("column %s: %w", s.cols[i].name, err)
			return nil, s.err
		}
		s.row[i] = x
	}
	return s.row, nil
}

func (s *copySource) Err() error { return s.err }

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
