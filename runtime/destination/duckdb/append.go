//go:build duckdb

package duckdb

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	duckdbdrv "github.com/duckdb/duckdb-go/v2"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/schema"
)

// target is a table by catalog, schema and name.
type target struct{ catalog, schema, name string }

// String is the fully qualified, quoted name.
func (g target) String() string {
	return destination.QuoteIdent(g.catalog) + "." + destination.QuoteIdent(g.schema) + "." + destination.QuoteIdent(g.name)
}

func (t *Tx) mainTarget(table string) target { return target{t.db.catalog, t.db.dataset, table} }
func stagingTarget(table string) target      { return target{"temp", "main", stagingPrefix + table} }

// table is what the appender needs to know of a table: its columns in
// order, with the conversion each needs.
type table struct {
	cols  []column
	index map[string]int
}

type column struct {
	name string
	// kind is how values are converted for the column's type
	kind kind
	// precision and scale of a DECIMAL column
	precision, scale int
}

type kind int

const (
	kindOther kind = iota
	kindText
	kindDouble
	kindJSON
	kindDecimal
	kindTime
)

// table returns the columns of g, nil if it does not exist.
func (t *Tx) table(ctx context.Context, g target) (*table, error) {
	key := g.String()
	if tb, ok := t.tables[key]; ok {
		return tb, nil
	}
	var tb *table
	err := destination.QuerySQL(ctx, t.conn,
		`SELECT column_name, data_type, coalesce(numeric_precision, 0), coalesce(numeric_scale, 0) FROM duckdb_columns()
WHERE database_name = ? AND schema_name = ? AND table_name = ? ORDER BY column_index`,
		[]any{g.catalog, g.schema, g.name}, func(scan func(...any) error) error {
			var c column
			var typ string
			if err := scan(&c.name, &typ, &c.precision, &c.scale); err != nil {
				return err
			}
			switch {
			case typ == "VARCHAR":
				c.kind = kindText
			case typ == "DOUBLE":
				c.kind = kindDouble
			case typ == "JSON":
				c.kind = kindJSON
			case strings.HasPrefix(typ, "DECIMAL"):
				c.kind = kindDecimal
			case typ == "TIME":
				c.kind = kindTime
			}
			if tb == nil {
				tb = &table{index: map[string]int{}}
			}
			tb.index[c.name] = len(tb.cols)
			tb.cols = append(tb.cols, c)
			return nil
		})
	if err != nil {
		return nil, err
	}
	t.tables[key] = tb
	return tb, nil
}

// columnNames returns the column names of g in order.
func (t *Tx) columnNames(ctx context.Context, g target) ([]string, error) {
	tb, err := t.table(ctx, g)
	if err != nil || tb == nil {
		return nil, err
	}
	names := make([]string, len(tb.cols))
	for i, c := range tb.cols {
		names[i] = c.name
	}
	return names, nil
}

// flushRows is how many rows (eight DuckDB data chunks) an appender
// collects before it hands them to the table. DuckDB's appender would otherwise keep up to 204,800 rows of
// each table in memory outside its memory limit (hundreds of MB for a wide
// table); handed over, they go to the transaction's storage, which writes
// full row groups to the file and keeps within the limit. Every flush
// costs a fixed amount; one chunk at a time was measurably slower and
// saved little memory.
const flushRows = 8 * 2048

// appender is an open appender of one table.
type appender struct {
	a   *duckdbdrv.Appender
	tbl *table
	row []driver.Value
	// pending counts the rows appended since the last flush
	pending int
}

// append adds rows to g through its appender, opening it if needed.
func (t *Tx) append(ctx context.Context, g target, rows *schema.TableRows) error {
	if len(rows.Rows) == 0 || len(rows.Columns) == 0 {
		return nil
	}
	key := g.String()
	ap := t.appenders[key]
	if ap == nil {
		tbl, err := t.table(ctx, g)
		if err != nil {
			return err
		}
		if tbl == nil {
			return fmt.Errorf("table %s does not exist", g.name)
		}
		ap = &appender{tbl: tbl, row: make([]driver.Value, len(tbl.cols))}
		err = t.conn.Raw(func(dc any) error {
			c, ok := dc.(driver.Conn)
			if !ok {
				return errors.New("the duckdb driver gave no driver connection")
			}
			a, err := duckdbdrv.NewAppender(c, g.catalog, g.schema, g.name)
			ap.a = a
			return err
		})
		if err != nil {
			return err
		}
		t.appenders[key] = ap
	}
	pos := make([]int, len(rows.Columns))
	for i, name := range rows.Columns {
		p, ok := ap.tbl.index[name]
		if !ok {
			return fmt.Errorf("the table has no column %s (apply the schema change first)", name)
		}
		pos[i] = p
	}
	return t.conn.Raw(func(any) error {
		for _, r := range rows.Rows {
			clear(ap.row)
			for i, v := range r {
				if i >= len(pos) || v == nil {
					continue
				}
				c := &ap.tbl.cols[pos[i]]
				x, err := convert(v, c)
				if err != nil {
					return fmt.Errorf("column %s: %w", c.name, err)
				}
				ap.row[pos[i]] = x
			}
			if err := ap.a.AppendRow(ap.row...); err != nil {
				return err
			}
			if ap.pending++; ap.pending >= flushRows {
				ap.pending = 0
				if err := ap.a.Flush(); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// flush closes every open appender, writing its rows into its table.
func (t *Tx) flush() error {
	if len(t.appenders) == 0 {
		return nil
	}
	var errs []error
	_ = t.conn.Raw(func(any) error {
		for key, ap := range t.appenders {
			if err := ap.a.Close(); err != nil {
				errs = append(errs, fmt.Errorf("duckdb: writing rows into %s: %w", key, err))
			}
			delete(t.appenders, key)
		}
		return nil
	})
	return errors.Join(errs...)
}

// discard drops the open appenders (the transaction rolls back anyway).
func (t *Tx) discard() {
	_ = t.conn.Raw(func(any) error {
		for key, ap := range t.appenders {
			_ = ap.a.Clear()
			_ = ap.a.Close()
			delete(t.appenders, key)
		}
		return nil
	})
}

// convert turns a normalized value (see schema.TableRows) into what the
// appender takes for column c.
func convert(v any, c *column) (driver.Value, error) {
	switch c.kind {
	case kindText:
		if x, ok := v.(time.Time); ok {
			return x.UTC().Format(time.RFC3339Nano), nil
		}
	case kindDouble:
		if x, ok := v.(int64); ok {
			return float64(x), nil
		}
	case kindJSON:
		// The driver marshals a JSON column's value with encoding/json;
		// RawMessage keeps the text as the JSON it is.
		switch x := v.(type) {
		case string:
			return json.RawMessage(x), nil
		case []byte:
			return json.RawMessage(x), nil
		}
	case kindDecimal:
		switch x := v.(type) {
		case string:
			return decimalValue(x, c)
		case int64:
			return decimalValue(fmt.Sprint(x), c)
		case float64:
			return decimalValue(fmt.Sprint(x), c)
		}
	case kindTime:
		if x, ok := v.(string); ok {
			tm, err := time.Parse("15:04:05.999999999", x)
			if err != nil {
				return nil, fmt.Errorf("time %q: %w", x, err)
			}
			return tm, nil
		}
	}
	return v, nil
}

var ten = big.NewInt(10)

// decimalValue returns the unscaled integer of decimal text s in column c
// (DECIMAL(p,s)): int64 for p ≤ 18, *big.Int above, rounded half away from
// zero to the column's scale as DuckDB's cast does.
func decimalValue(s string, c *column) (driver.Value, error) {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		// an exponent beyond any DECIMAL would make big.Rat build a huge number
		if e, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+")); err != nil || e > 100 || e < -100 {
			return nil, fmt.Errorf("%q is not a decimal number DuckDB can store", s)
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, fmt.Errorf("%q is not a decimal number", s)
	}
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(ten, big.NewInt(int64(c.scale)), nil)))
	num, den := r.Num(), r.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if m.Sign() != 0 {
		m.Abs(m).Lsh(m, 1)
		if m.Cmp(den) >= 0 {
			if num.Sign() < 0 {
				q.Sub(q, big.NewInt(1))
			} else {
				q.Add(q, big.NewInt(1))
			}
		}
	}
	p := c.precision
	if p <= 0 {
		p = 38
	}
	limit := new(big.Int).Exp(ten, big.NewInt(int64(p)), nil)
	if new(big.Int).Abs(q).Cmp(limit) >= 0 {
		return nil, fmt.Errorf("%s does not fit DECIMAL(%d,%d): set a larger precision (columns.<name>.precision) or use data_type text", s, p, c.scale)
	}
	if p <= 18 {
		return q.Int64(), nil
	}
	return q, nil
}
