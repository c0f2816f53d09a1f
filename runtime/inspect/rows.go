package inspect

import (
	"context"
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/schema"
)

// Rows returns up to limit rows (limit <= 0: 100) of a data table of sch
// from offset, in the destination's scan order, with the names of the
// table's columns (its complete columns, in schema order). Text columns
// come back as strings, numbers as int64 or float64, timestamps as the
// destination returns them. A table sch does not know is an error: only
// schema names reach the SQL, quoted.
func Rows(ctx context.Context, r destination.Reader, sch *schema.Schema, table string, limit, offset int) (columns []string, rows [][]any, err error) {
	t := (*schema.Table)(nil)
	if sch != nil {
		t = sch.Table(table)
	}
	if t == nil || schema.IsSystemTable(table) {
		return nil, nil, fmt.Errorf("no data table %q in the stored schema", table)
	}
	if limit <= 0 {
		limit = 100
	}
	for _, c := range t.CompleteColumns() {
		columns = append(columns, c.Name)
	}
	ok, err := r.TableExists(ctx, table)
	if err != nil || !ok || len(columns) == 0 {
		return columns, nil, err
	}
	quoted := make([]string, len(columns))
	for i, c := range columns {
		quoted[i] = destination.QuoteIdent(c)
	}
	q := fmt.Sprintf(`SELECT %s FROM %s LIMIT ? OFFSET ?`, strings.Join(quoted, ", "), destination.QuoteIdent(table))
	err = r.Query(ctx, q, []any{limit, max(offset, 0)}, func(scan func(...any) error) error {
		vals := make([]any, len(columns))
		ptrs := make([]any, len(columns))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b)
			}
		}
		rows = append(rows, vals)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", table, err)
	}
	return columns, rows, nil
}
