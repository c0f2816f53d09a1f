package inspect

import (
	"context"
	"fmt"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/load"
	"github.com/sluicehq/sluice/runtime/schema"
)

// Table is one data table of the stored schema.
type Table struct {
	Name string `json:"name"`
	// Parent is the table a nested table's rows point to with
	// `_dlt_parent_id`; "" for a root table.
	Parent string `json:"parent,omitempty"`
	// Children are the nested tables whose parent this is.
	Children []string `json:"children,omitempty"`
	// Resource and WriteDisposition are those of the root table (a nested
	// table shares its root's).
	Resource         string   `json:"resource,omitempty"`
	WriteDisposition string   `json:"write_disposition,omitempty"`
	Columns          []Column `json:"columns"`
	// Rows is the table's row count now; -1 when the schema knows the
	// table but the destination has no such table (it never got rows).
	Rows int64 `json:"rows"`
}

// Column is one column of a Table, with the type dlt gave it.
type Column struct {
	Name       string `json:"name"`
	DataType   string `json:"data_type"`
	Nullable   bool   `json:"nullable"`
	PrimaryKey bool   `json:"primary_key,omitempty"`
	MergeKey   bool   `json:"merge_key,omitempty"`
}

// Schema returns the newest stored schema called name (dlt's `_dlt_version`),
// or nil when there is none.
func Schema(ctx context.Context, r destination.Reader, name string) (*schema.Schema, error) {
	return load.StoredSchema(ctx, r, name)
}

// Tables lists the data tables of sch in schema order (a parent before its
// children), with their complete columns and row counts. The `_dlt_*`
// system tables are left out.
func Tables(ctx context.Context, r destination.Reader, sch *schema.Schema) ([]Table, error) {
	if sch == nil {
		return nil, nil
	}
	var out []Table
	idx := map[string]int{}
	for _, t := range sch.DataTables() {
		root := sch.Root(t.Name)
		tb := Table{Name: t.Name, Parent: t.Parent, Columns: []Column{}, Rows: -1}
		if root != nil {
			tb.Resource, tb.WriteDisposition = root.Resource, root.WriteDisposition
		}
		for _, c := range t.CompleteColumns() {
			tb.Columns = append(tb.Columns, Column{Name: c.Name, DataType: string(c.DataType), Nullable: c.Nullable, PrimaryKey: c.PrimaryKey, MergeKey: c.MergeKey})
		}
		ok, err := r.TableExists(ctx, t.Name)
		if err != nil {
			return nil, err
		}
		if ok {
			err := r.Query(ctx, `SELECT COUNT(*) FROM `+destination.QuoteIdent(t.Name), nil, func(scan func(...any) error) error {
				return scan(&tb.Rows)
			})
			if err != nil {
				return nil, fmt.Errorf("counting the rows of %s: %w", t.Name, err)
			}
		}
		idx[t.Name] = len(out)
		out = append(out, tb)
	}
	for _, t := range out {
		if i, ok := idx[t.Parent]; ok {
			out[i].Children = append(out[i].Children, t.Name)
		}
	}
	return out, nil
}
