package browse

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/schema"
)

// Load is one row of `_dlt_loads`, with the rows it left per table.
type Load struct {
	ID         string
	SchemaName string
	// Status is dlt's load status: 0 for a completed load.
	Status            int64
	InsertedAt        time.Time
	SchemaVersionHash string
	// Started is the time the load id encodes (dlt's load ids are the
	// Unix time the load began); zero if the id is not a number.
	Started time.Time
	// Duration is InsertedAt - Started (0 when Started is unknown).
	Duration time.Duration
	// Rows counts the rows of each data table that still carry this load:
	// root tables by `_dlt_load_id`, nested tables through their root
	// rows. Rows a later merge or replace removed are not counted.
	Rows []TableCount
}

// TableCount is the number of rows of one table.
type TableCount struct {
	Table string
	Rows  int64
	// OwnLoadID is set when the table has its own `_dlt_load_id` column
	// (root tables), so the load's rows can be filtered by it.
	OwnLoadID bool
}

// StatusText says what Status means.
func (l *Load) StatusText() string {
	if l.Status == 0 {
		return "loaded"
	}
	return "status " + strconv.FormatInt(l.Status, 10)
}

// Total is the sum of Rows.
func (l *Load) Total() int64 {
	var n int64
	for _, c := range l.Rows {
		n += c.Rows
	}
	return n
}

// Loads returns the loads of `_dlt_loads`, newest first, with their rows
// per table. A destination without `_dlt_loads` has none.
func (b *Browser) Loads(ctx context.Context) ([]*Load, error) {
	ok, err := b.r.TableExists(ctx, schema.LoadsTableName)
	if err != nil || !ok {
		return nil, err
	}
	var loads []*Load
	byID := map[string]*Load{}
	err = b.r.Query(ctx, `SELECT "load_id", "schema_name", "status", "inserted_at", "schema_version_hash" FROM "_dlt_loads" ORDER BY "load_id" DESC`, nil,
		func(scan func(...any) error) error {
			var id string
			var name, hash *string
			var status int64
			var at any
			if err := scan(&id, &name, &status, &at, &hash); err != nil {
				return err
			}
			l := &Load{ID: id, Status: status, InsertedAt: parseTime(at)}
			if name != nil {
				l.SchemaName = *name
			}
			if hash != nil {
				l.SchemaVersionHash = *hash
			}
			if f, err := strconv.ParseFloat(id, 64); err == nil {
				l.Started = time.Unix(0, int64(f*1e9)).UTC()
				if !l.InsertedAt.IsZero() && l.InsertedAt.After(l.Started) {
					l.Duration = l.InsertedAt.Sub(l.Started)
				}
			}
			loads = append(loads, l)
			byID[id] = l
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("browse: reading _dlt_loads: %w", err)
	}
	if len(loads) == 0 {
		return loads, nil
	}
	sch, err := b.Schema(ctx)
	if errors.Is(err, ErrNoSchema) {
		return loads, nil
	}
	if err != nil {
		return nil, err
	}
	tables, err := b.tables(ctx, sch, false)
	if err != nil {
		return nil, err
	}
	byName := map[string]*Table{}
	for _, t := range tables {
		byName[t.Name] = t
	}
	for _, t := range tables {
		query, ok := loadCountQuery(t, byName)
		if !ok {
			continue
		}
		err := b.r.Query(ctx, query, nil, func(scan func(...any) error) error {
			var id *string
			var n int64
			if err := scan(&id, &n); err != nil {
				return err
			}
			if id != nil && byID[*id] != nil {
				l := byID[*id]
				l.Rows = append(l.Rows, TableCount{Table: t.Name, Rows: n, OwnLoadID: t.Column(schema.ColLoadID) != nil})
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("browse: counting the rows per load of %s: %w", t.Name, err)
		}
	}
	return loads, nil
}

// loadCountQuery counts the rows of t per load id: by its own
// `_dlt_load_id`, or by joining up the parent chain (`_dlt_parent_id` →
// `_dlt_id`) to the first table that has one.
func loadCountQuery(t *Table, byName map[string]*Table) (string, bool) {
	if !t.Exists {
		return "", false
	}
	from := destination.QuoteIdent(t.Name) + " AS t0"
	cur, alias := t, "t0"
	for i := 1; cur.Column(schema.ColLoadID) == nil; i++ {
		p := byName[cur.Parent]
		if p == nil || !p.Exists || cur.Column(schema.ColParentID) == nil || p.Column(schema.ColID) == nil {
			return "", false
		}
		next := "t" + strconv.Itoa(i)
		from += fmt.Sprintf(" JOIN %s AS %s ON %s.%s = %s.%s", destination.QuoteIdent(p.Name), next,
			next, destination.QuoteIdent(schema.ColID), alias, destination.QuoteIdent(schema.ColParentID))
		cur, alias = p, next
	}
	col := alias + "." + destination.QuoteIdent(schema.ColLoadID)
	return "SELECT " + col + ", count(*) FROM " + from + " GROUP BY " + col, true
}

// parseTime reads a timestamp as a destination returns it: a time.Time
// (DuckDB) or text (SQLite: "2006-01-02 15:04:05.000000", UTC).
func parseTime(v any) time.Time {
	switch x := v.(type) {
	case time.Time:
		return x.UTC()
	case []byte:
		return parseTime(string(x))
	case string:
		s := strings.TrimSpace(x)
		for _, layout := range []string{"2006-01-02 15:04:05.999999999", time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC()
			}
		}
	}
	return time.Time{}
}
