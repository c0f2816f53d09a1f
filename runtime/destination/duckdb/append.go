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
	kindBigint
	kindBool
	kindTimestamp
	kindDate
	kindBlob
)

// kindNames are the DuckDB type names of the kinds, as duckdb_columns()
// gives them ("DECIMAL" stands for every DECIMAL(p,s)).
var kindNames = [...]string{
	kindOther: "other", kindText: "VARCHAR", kindDouble: "DOUBLE", kindJSON: "JSON", kindDecimal: "DECIMAL",
	kindTime: "TIME", kindBigint: "BIGINT", kindBool: "BOOLEAN", kindTimestamp: "TIMESTAMP WITH TIME ZONE",
	kindDate: "DATE", kindBlob: "BLOB",
}

// kindOf is the kind of a column of DuckDB type typ.
func kindOf(typ string) kind {
	if strings.HasPrefix(typ, "DECIMAL") {
		return kindDecimal
	}
	for k, name := range kindNames {
		if name == typ && kind(k) != kindOther {
			return kind(k)
		}
	}
	return kindOther
}

// String names a kind in errors.
func (k kind) String() string { return kindNames[k] }

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
			c.kind = kindOf(typ)
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

// An appender hands the rows it collected to the table (a flush) every
// flushRows rows (eight DuckDB data chunks) or flushBytes bytes of values,
// whichever comes first. Until then DuckDB's appender keeps them in memory
// that its memory_limit counts but cannot evict: a wide table (100
// columns of text) held 16,384 rows in more than the 32 MB limit and failed
// with "could not allocate block". Handed over, rows go to the
// transaction's storage, which writes full row groups to the file and
// keeps within the limit. Every flush costs a fixed amount; one chunk at a
// time was measurably slower on the demo's narrow tables.
const (
	flushRows  = 8 * 2048
	flushBytes = 4 << 20
)

// valueBytes estimates what a normalized value weighs in an appender's
// memory: its bytes for text and binary, eight otherwise.
func valueBytes(v any) int {
	switch x := v.(type) {
	case string:
		return 16 + len(x)
	case []byte:
		return 16 + len(x)
	}
	return 8
}

// rowAppender is an open appender of one table: the chunk appender
// (chunk.go), or duckdb-go's Appender for a table with a column type the
// chunk appender does not write, or when the driver's connection cannot be
// reached.
type rowAppender interface {
	// appendRows adds rows whose value i belongs to table column pos[i]
	appendRows(rows [][]any, pos []int) error
	// close writes the rows into the table and releases the appender
	close() error
	// discard releases the appender; its rows may be lost
	discard()
}

// appenderState is an open appender with the table it writes.
type appenderState struct {
	tbl *table
	a   rowAppender
}

// useChunks can be switched off by tests to run duckdb-go's Appender.
var useChunks = true

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
		if err := t.sizeMemory(ctx, tbl); err != nil {
			return err
		}
		ap = &appenderState{tbl: tbl}
		err = t.conn.Raw(func(dc any) error {
			if raw, ok := rawConnection(dc); ok && useChunks && chunkable(tbl) {
				a, err := newChunkAppender(raw, g, tbl)
				ap.a = a
				return err
			}
			c, ok := dc.(driver.Conn)
			if !ok {
				return errors.New("the duckdb driver gave no driver connection")
			}
			a, err := duckdbdrv.NewAppender(c, g.catalog, g.schema, g.name)
			if err == nil {
				ap.a = &driverAppender{a: a, tbl: tbl, row: make([]driver.Value, len(tbl.cols))}
			}
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
	return t.conn.Raw(func(any) error { return ap.a.appendRows(rows.Rows, pos) })
}

// sizeMemory raises DuckDB's memory_limit, unless EnvMemoryLimit fixes it,
// to what appending to tbl and the tables with open appenders needs (see
// columnMemoryKB).
func (t *Tx) sizeMemory(ctx context.Context, tbl *table) error {
	if t.db.limitMB == 0 {
		return nil
	}
	cols := len(tbl.cols)
	for _, ap := range t.appenders {
		cols += len(ap.tbl.cols)
	}
	need := (cols*columnMemoryKB + 1023) / 1024
	if need <= t.db.limitMB {
		return nil
	}
	if _, err := t.conn.ExecContext(ctx, fmt.Sprintf("SET memory_limit = '%dMB'", need)); err != nil {
		return fmt.Errorf("raising memory_limit to %d MB for %d columns: %w", need, cols, err)
	}
	t.db.limitMB = need
	return nil
}

// flush closes every open appender, writing its rows into its table.
func (t *Tx) flush() error {
	if len(t.appenders) == 0 {
		return nil
	}
	var errs []error
	_ = t.conn.Raw(func(any) error {
		for key, ap := range t.appenders {
			if err := ap.a.close(); err != nil {
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
			ap.a.discard()
			delete(t.appenders, key)
		}
		return nil
	})
}

// driverAppender appends through duckdb-go's Appender, a row at a time.
type driverAppender struct {
	a   *duckdbdrv.Appender
	tbl *table
	row []driver.Value
	// pending counts the rows and bytes appended since the last flush
	pending, pendingBytes int
}

func (ap *driverAppender) appendRows(rows [][]any, pos []int) error {
	for _, r := range rows {
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
			ap.pendingBytes += valueBytes(v)
		}
		if err := ap.a.AppendRow(ap.row...); err != nil {
			return err
		}
		if ap.pending++; ap.pending >= flushRows || ap.pendingBytes >= flushBytes {
			ap.pending, ap.pendingBytes = 0, 0
			if err := ap.a.Flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (ap *driverAppender) close() error { return ap.a.Close() }

func (ap *driverAppender) discard() {
	_ = ap.a.Clear()
	_ = ap.a.Close()
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
