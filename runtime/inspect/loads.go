package inspect

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/schema"
)

// Load is one row of `_dlt_loads`: a completed load (status 0) and the rows
// of each table that still carry its load id.
type Load struct {
	LoadID            string `json:"load_id"`
	SchemaName        string `json:"schema_name"`
	Status            int64  `json:"status"`
	InsertedAt        string `json:"inserted_at"`
	SchemaVersionHash string `json:"schema_version_hash,omitempty"`
	// Rows counts, per data table, the rows in the table now that came
	// with this load: rows a later merge replaced or a replace emptied
	// are no longer counted. Tables without rows of the load are left
	// out.
	Rows map[string]int64 `json:"rows"`
}

// Loads returns the newest limit loads (all when limit <= 0), newest
// first, each with its rows per table of sch (nil sch: no row counts).
// A destination without `_dlt_loads` has no loads: nil, no error.
func Loads(ctx context.Context, r destination.Reader, sch *schema.Schema, limit int) ([]Load, error) {
	ok, err := r.TableExists(ctx, schema.LoadsTableName)
	if err != nil || !ok {
		return nil, err
	}
	q := `SELECT "load_id", "schema_name", "status", "inserted_at", "schema_version_hash" FROM "_dlt_loads" ORDER BY "load_id" DESC`
	var args []any
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	var loads []Load
	err = r.Query(ctx, q, args, func(scan func(...any) error) error {
		var id string
		var name, hash *string
		var status int64
		var at any
		if err := scan(&id, &name, &status, &at, &hash); err != nil {
			return err
		}
		loads = append(loads, Load{LoadID: id, SchemaName: deref(name), Status: status, InsertedAt: timeText(at), SchemaVersionHash: deref(hash), Rows: map[string]int64{}})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading _dlt_loads: %w", err)
	}
	if sch == nil || len(loads) == 0 {
		return loads, nil
	}
	byID := make(map[string]*Load, len(loads))
	for i := range loads {
		byID[loads[i].LoadID] = &loads[i]
	}
	for _, t := range sch.DataTables() {
		counts, err := rowsPerLoad(ctx, r, sch, t)
		if err != nil {
			return nil, err
		}
		for id, n := range counts {
			if l := byID[id]; l != nil && n > 0 {
				l.Rows[t.Name] = n
			}
		}
	}
	return loads, nil
}

// rowsPerLoad counts the rows of t per load id. A nested table has no
// `_dlt_load_id` of its own (dlt's layout): its rows are joined up the
// `_dlt_parent_id` chain to the root row that has it.
func rowsPerLoad(ctx context.Context, r destination.Reader, sch *schema.Schema, t *schema.Table) (map[string]int64, error) {
	ok, err := r.TableExists(ctx, t.Name)
	if err != nil || !ok {
		return nil, err
	}
	chain := []*schema.Table{t}
	for p := t; p.Parent != ""; {
		p = sch.Table(p.Parent)
		if p == nil || len(chain) > 64 {
			return nil, nil // a broken chain: nothing to count by
		}
		chain = append(chain, p)
	}
	root := chain[len(chain)-1]
	if root.Column(schema.ColLoadID) == nil {
		return nil, nil
	}
	q := destination.QuoteIdent
	var from strings.Builder
	fmt.Fprintf(&from, `%s AS t0`, q(t.Name))
	for i := 1; i < len(chain); i++ {
		fmt.Fprintf(&from, ` JOIN %s AS t%d ON t%d.%s = t%d.%s`, q(chain[i].Name), i, i-1, q(schema.ColParentID), i, q(schema.ColID))
	}
	query := fmt.Sprintf(`SELECT t%d.%s, COUNT(*) FROM %s GROUP BY t%d.%s`, len(chain)-1, q(schema.ColLoadID), from.String(), len(chain)-1, q(schema.ColLoadID))
	out := map[string]int64{}
	err = r.Query(ctx, query, nil, func(scan func(...any) error) error {
		var id *string
		var n int64
		if err := scan(&id, &n); err != nil {
			return err
		}
		if id != nil {
			out[*id] += n
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("counting the rows of %s per load: %w", t.Name, err)
	}
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// timeText renders a timestamp as a destination returns it (a time.Time,
// or the text SQLite keeps) as RFC 3339 text in UTC where it can.
func timeText(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case time.Time:
		return t.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(t)
	case string:
		return t
	}
	return fmt.Sprint(v)
}
