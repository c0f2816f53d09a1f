package browse

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/schema"
)

// Filter operators of a Query.
var Operators = []string{"=", "!=", "<", "<=", ">", ">=", "contains", "is null", "is not null"}

// Filter is one condition `Column Op Value`. Value is bound as a
// parameter, converted to the column's type; it is ignored by "is null"
// and "is not null".
type Filter struct {
	Column string
	Op     string
	Value  string
}

// Query asks for one page of a table's rows.
type Query struct {
	Table string
	// Sort is the column the page is ordered by ("": the row key, i.e.
	// load order). Desc reverses the order.
	Sort string
	Desc bool
	// Filters are ANDed.
	Filters []Filter
	// After is Page.Next of the previous page ("": the first page).
	After string
	// Limit is the page size (0: 50; at most 1000).
	Limit int
}

// Cell is one value of a row, as text.
type Cell struct {
	Text string
	Null bool
}

// Row is one row of a page.
type Row struct {
	// ID is the row's `_dlt_id` ("" when the table has none): child rows
	// have it as their `_dlt_parent_id`.
	ID    string
	Cells []Cell
}

// Page is one page of rows.
type Page struct {
	Table   *Table
	Columns []Column
	Rows    []Row
	// Next is the After of the next page, "" on the last page.
	Next string
}

// timestampLayout is how sluice stores timestamps in SQLite (and how
// they are shown).
const timestampLayout = "2006-01-02 15:04:05.000000"

const (
	defaultLimit = 50
	maxLimit     = 1000
)

// Rows returns one keyset page of q.Table: rows ordered by q.Sort (NULLs
// last) then by the row key, those after q.After only, filtered by
// q.Filters. Table, sort and filter column names must be the table's (an
// *UnknownError otherwise); values are bound parameters.
func (b *Browser) Rows(ctx context.Context, q Query) (*Page, error) {
	t, err := b.Table(ctx, q.Table)
	if err != nil {
		return nil, err
	}
	if !t.Exists {
		return &Page{Table: t, Columns: t.Columns}, nil
	}
	limit := q.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	limit = min(limit, maxLimit)
	var sortCol *Column
	if q.Sort != "" {
		if sortCol = t.Column(q.Sort); sortCol == nil {
			return nil, unknownColumn(t, q.Sort, "sort")
		}
	}
	var where []string
	var args []any
	for _, f := range q.Filters {
		cond, a, err := filterSQL(t, f)
		if err != nil {
			return nil, err
		}
		where = append(where, cond)
		args = append(args, a...)
	}
	key := b.rowKey(ctx, t.Name)
	cmp, dir := ">", "ASC"
	if q.Desc {
		cmp, dir = "<", "DESC"
	}
	if q.After != "" {
		c, err := decodeCursor(q.After)
		if err != nil {
			return nil, err
		}
		switch {
		case sortCol == nil:
			where = append(where, key+" "+cmp+" ?")
			args = append(args, c.Key)
		case c.Sort == nil:
			// the previous page ended among the NULLs, which come last
			s := destination.QuoteIdent(sortCol.Name)
			where = append(where, fmt.Sprintf("(%s IS NULL AND %s %s ?)", s, key, cmp))
			args = append(args, c.Key)
		default:
			s := destination.QuoteIdent(sortCol.Name)
			where = append(where, fmt.Sprintf("(%s %s ? OR (%s = ? AND %s %s ?) OR %s IS NULL)", s, cmp, s, key, cmp, s))
			args = append(args, c.Sort, c.Sort, c.Key)
		}
	}
	cols := make([]string, 0, len(t.Columns)+2)
	cols = append(cols, key)
	if sortCol != nil {
		cols = append(cols, destination.QuoteIdent(sortCol.Name))
	}
	idIdx := -1
	for i, c := range t.Columns {
		cols = append(cols, destination.QuoteIdent(c.Name))
		if c.Name == schema.ColID {
			idIdx = i
		}
	}
	from := destination.QuoteIdent(t.Name)
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	order := " ORDER BY "
	if sortCol != nil {
		order += destination.QuoteIdent(sortCol.Name) + " " + dir + " NULLS LAST, "
	}
	order += key + " " + dir
	lim := " LIMIT " + strconv.Itoa(limit+1)
	query := "SELECT " + strings.Join(cols, ", ") + " FROM " + from + cond + order + lim
	if sortCol != nil && key == "rowid" {
		// Sorting by a column without an index sorts the whole table:
		// sort only (column, rowid) pairs, then read the page's rows by
		// rowid, which is several times faster than sorting whole rows.
		query = "SELECT " + strings.Join(cols, ", ") + " FROM " + from + " WHERE rowid IN (SELECT rowid FROM " + from + cond + order + lim + ")" + order
	}

	page := &Page{Table: t, Columns: t.Columns}
	extra := 1
	if sortCol != nil {
		extra = 2
	}
	var last cursor
	err = b.r.Query(ctx, query, args, func(scan func(...any) error) error {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := scan(ptrs...); err != nil {
			return err
		}
		if len(page.Rows) == limit {
			page.Next = last.encode()
			return nil
		}
		last = cursor{Key: normalizeValue(vals[0])}
		if sortCol != nil {
			last.Sort = normalizeValue(vals[1])
		}
		row := Row{Cells: make([]Cell, len(t.Columns))}
		for i, v := range vals[extra:] {
			row.Cells[i] = cell(v)
		}
		if idIdx >= 0 {
			row.ID = row.Cells[idIdx].Text
		}
		page.Rows = append(page.Rows, row)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("browse: reading %s: %w", t.Name, err)
	}
	return page, nil
}

func unknownColumn(t *Table, name, field string) error {
	known := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		known[i] = c.Name
	}
	return &UnknownError{What: "column", Name: name, Known: known, Field: field}
}

// filterSQL turns f into a condition with `?` placeholders and its
// arguments, the value converted to the column's type.
func filterSQL(t *Table, f Filter) (string, []any, error) {
	c := t.Column(f.Column)
	if c == nil {
		return "", nil, unknownColumn(t, f.Column, "filter")
	}
	col := destination.QuoteIdent(c.Name)
	op := strings.ToLower(strings.TrimSpace(f.Op))
	switch op {
	case "is null":
		return col + " IS NULL", nil, nil
	case "is not null":
		return col + " IS NOT NULL", nil, nil
	case "contains":
		// the value is bound; LIKE's wildcards in it are escaped
		esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(f.Value)
		return "CAST(" + col + " AS TEXT) LIKE ? ESCAPE '\\'", []any{"%" + esc + "%"}, nil
	case "=", "!=", "<", "<=", ">", ">=":
		v, err := typedValue(c, f.Value)
		if err != nil {
			return "", nil, err
		}
		sqlOp := op
		if op == "!=" {
			sqlOp = "<>"
		}
		return col + " " + sqlOp + " ?", []any{v}, nil
	}
	return "", nil, &UnknownError{What: "operator", Name: f.Op, Known: Operators, Field: "filter"}
}

// typedValue converts a filter value to the column's type, so that it
// compares as the column's values do on every destination.
func typedValue(c *Column, s string) (any, error) {
	bad := func(kind string) error {
		return &BadValueError{Field: "filter", Msg: fmt.Sprintf("%q is not %s, the type of column %s", s, kind, c.Name)}
	}
	switch schema.DataType(c.DataType) {
	case schema.Bigint:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, bad("a bigint")
		}
		return n, nil
	case schema.Double:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, bad("a double")
		}
		return f, nil
	case schema.Bool:
		v, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return nil, bad("a bool (true or false)")
		}
		return v, nil
	}
	return s, nil
}

// cursor is the position after the last row of a page.
type cursor struct {
	Sort any `json:"s,omitempty"`
	Key  any `json:"k"`
}

// cursorValue keeps a value's Go type across the JSON of a cursor.
type cursorValue struct {
	T string `json:"t"`
	V string `json:"v"`
}

func toCursorValue(v any) *cursorValue {
	switch x := v.(type) {
	case nil:
		return nil
	case int64:
		return &cursorValue{"i", strconv.FormatInt(x, 10)}
	case float64:
		return &cursorValue{"f", strconv.FormatFloat(x, 'g', -1, 64)}
	case bool:
		return &cursorValue{"b", strconv.FormatBool(x)}
	case []byte:
		return &cursorValue{"x", base64.RawURLEncoding.EncodeToString(x)}
	case time.Time:
		return &cursorValue{"t", x.Format(time.RFC3339Nano)}
	}
	return &cursorValue{"s", fmt.Sprint(v)}
}

func (c *cursorValue) value() (any, error) {
	if c == nil {
		return nil, nil
	}
	switch c.T {
	case "i":
		return strconv.ParseInt(c.V, 10, 64)
	case "f":
		return strconv.ParseFloat(c.V, 64)
	case "b":
		return strconv.ParseBool(c.V)
	case "x":
		return base64.RawURLEncoding.DecodeString(c.V)
	case "t":
		// bound as text in the layout sluice stores timestamps in on
		// SQLite (where the driver hands text back as time.Time); DuckDB
		// casts the text to its TIMESTAMP column
		tm, err := time.Parse(time.RFC3339Nano, c.V)
		if err != nil {
			return nil, err
		}
		return tm.UTC().Format(timestampLayout), nil
	case "s":
		return c.V, nil
	}
	return nil, fmt.Errorf("unknown value type %q", c.T)
}

func (c cursor) encode() string {
	b, _ := json.Marshal(struct {
		S *cursorValue `json:"s,omitempty"`
		K *cursorValue `json:"k"`
	}{toCursorValue(c.Sort), toCursorValue(c.Key)})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	bad := &BadValueError{Field: "after", Msg: "the page cursor is not one this server made; start again from the first page"}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, bad
	}
	var w struct {
		S *cursorValue `json:"s"`
		K *cursorValue `json:"k"`
	}
	if err := json.Unmarshal(raw, &w); err != nil || w.K == nil {
		return cursor{}, bad
	}
	var c cursor
	if c.Sort, err = w.S.value(); err != nil {
		return cursor{}, bad
	}
	if c.Key, err = w.K.value(); err != nil {
		return cursor{}, bad
	}
	return c, nil
}

// normalizeValue turns what a driver scanned into a value that binds back
// as the same: integer kinds to int64.
func normalizeValue(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case uint32:
		return int64(x)
	case float32:
		return float64(x)
	}
	return v
}

// cell formats a scanned value for display.
func cell(v any) Cell {
	switch x := v.(type) {
	case nil:
		return Cell{Null: true, Text: "NULL"}
	case []byte:
		return Cell{Text: string(x)}
	case string:
		return Cell{Text: x}
	case time.Time:
		return Cell{Text: x.UTC().Format(timestampLayout)}
	case float64:
		return Cell{Text: strconv.FormatFloat(x, 'g', -1, 64)}
	case bool:
		return Cell{Text: strconv.FormatBool(x)}
	}
	return Cell{Text: fmt.Sprint(v)}
}
