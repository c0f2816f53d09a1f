package browse

import (
	"context"
	"fmt"
	"time"

	"github.com/sluicehq/sluice/runtime/load"
	"github.com/sluicehq/sluice/runtime/schema"
)

// Version is one stored schema version of `_dlt_version` and what it
// changed since the previous version of the same schema.
type Version struct {
	SchemaName    string
	Version       int64
	EngineVersion int64
	Hash          string
	InsertedAt    time.Time
	// AddedTables are the data tables this version has and the previous
	// one lacked (every table for the first version).
	AddedTables []string
	// AddedColumns are the columns added to tables the previous version
	// already had, by table in schema order.
	AddedColumns []TableColumns
}

// TableColumns names columns of one table.
type TableColumns struct {
	Table   string
	Columns []string
}

// Versions returns the stored schema versions, newest first, each with
// its changes from the version before it.
func (b *Browser) Versions(ctx context.Context) ([]*Version, error) {
	ok, err := b.r.TableExists(ctx, schema.VersionTableName)
	if err != nil || !ok {
		return nil, err
	}
	type stored struct {
		v *Version
		s *schema.Schema
	}
	var all []stored
	err = b.r.Query(ctx, `SELECT "version", "engine_version", "inserted_at", "schema_name", "version_hash", "schema" FROM "_dlt_version" ORDER BY "schema_name", "inserted_at", "version"`, nil,
		func(scan func(...any) error) error {
			v := &Version{}
			var at any
			var text string
			if err := scan(&v.Version, &v.EngineVersion, &at, &v.SchemaName, &v.Hash, &text); err != nil {
				return err
			}
			v.InsertedAt = parseTime(at)
			data := []byte(text)
			if len(data) > 0 && data[0] != '{' {
				if dec, err := load.DecompressState(text); err == nil {
					data = dec
				}
			}
			s, err := schema.FromJSON(data)
			if err != nil {
				return fmt.Errorf("the stored schema %s version %d: %w", v.SchemaName, v.Version, err)
			}
			all = append(all, stored{v, s})
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("browse: reading _dlt_version: %w", err)
	}
	var prev *schema.Schema
	for i, st := range all {
		if i == 0 || all[i-1].v.SchemaName != st.v.SchemaName {
			prev = nil
		}
		st.v.AddedTables, st.v.AddedColumns = diff(prev, st.s)
		prev = st.s
	}
	out := make([]*Version, len(all))
	for i, st := range all {
		out[len(all)-1-i] = st.v
	}
	return out, nil
}

// diff lists the data tables and columns (with a type) that cur has and
// prev lacks.
func diff(prev, cur *schema.Schema) ([]string, []TableColumns) {
	var tables []string
	var cols []TableColumns
	for _, t := range cur.DataTables() {
		var old *schema.Table
		if prev != nil {
			old = prev.Table(t.Name)
		}
		if old == nil {
			tables = append(tables, t.Name)
			continue
		}
		var added []string
		for _, c := range t.CompleteColumns() {
			if oc := old.Column(c.Name); oc == nil || !oc.Complete() {
				added = append(added, c.Name)
			}
		}
		if len(added) > 0 {
			cols = append(cols, TableColumns{Table: t.Name, Columns: added})
		}
	}
	return tables, cols
}
