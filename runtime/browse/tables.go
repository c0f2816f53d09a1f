package browse

import (
	"context"
	"fmt"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/schema"
)

// Column is one column of a table as the stored schema describes it.
type Column struct {
	Name       string
	DataType   string
	Nullable   bool
	PrimaryKey bool
	MergeKey   bool
	Unique     bool
	// System marks dlt's own columns (`_dlt_id`, `_dlt_parent_id`, …).
	System bool
}

// Table is one data table: its place in the parent → child tree, its
// columns and its row count.
type Table struct {
	Name   string
	Parent string // "" for a root table
	// Depth is 0 for a root table, 1 for its children, and so on.
	Depth            int
	WriteDisposition string // of the root table
	Resource         string // of the root table
	Columns          []Column
	PrimaryKey       []string
	MergeKey         []string
	// Children are the tables whose parent this one is, in schema order.
	Children []string
	// Exists is false for a table the schema knows but the destination
	// lacks (no rows were ever loaded into it); Rows is then 0.
	Exists bool
	Rows   int64
}

// Column returns the column called name, or nil.
func (t *Table) Column(name string) *Column {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i]
		}
	}
	return nil
}

// HasChildren reports whether rows of the table can have child rows.
func (t *Table) HasChildren() bool { return len(t.Children) > 0 }

// Tables returns the data tables of the stored schema (dlt's system
// tables left out), each root followed by its descendants depth first,
// with their row counts.
func (b *Browser) Tables(ctx context.Context) ([]*Table, error) {
	s, err := b.Schema(ctx)
	if err != nil {
		return nil, err
	}
	return b.tables(ctx, s, true)
}

// Table returns one data table of the stored schema, without counting its
// rows. An unknown name is an *UnknownError.
func (b *Browser) Table(ctx context.Context, name string) (*Table, error) {
	s, err := b.Schema(ctx)
	if err != nil {
		return nil, err
	}
	ts, err := b.tables(ctx, s, false)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if t.Name == name {
			return t, nil
		}
	}
	var known []string
	for _, t := range ts {
		known = append(known, t.Name)
	}
	return nil, &UnknownError{What: "table", Name: name, Known: known}
}

func (b *Browser) tables(ctx context.Context, s *schema.Schema, counts bool) ([]*Table, error) {
	byName := map[string]*Table{}
	var roots []*Table
	var all []*Table
	for _, st := range s.DataTables() {
		t := &Table{Name: st.Name, Parent: st.Parent, WriteDisposition: st.WriteDisposition, Resource: st.Resource,
			PrimaryKey: st.PrimaryKey(), MergeKey: st.MergeKey()}
		for _, c := range st.CompleteColumns() {
			t.Columns = append(t.Columns, Column{Name: c.Name, DataType: string(c.DataType), Nullable: c.Nullable,
				PrimaryKey: c.PrimaryKey, MergeKey: c.MergeKey, Unique: c.Unique, System: isSystemColumn(c.Name)})
		}
		byName[t.Name] = t
		all = append(all, t)
	}
	for _, t := range all {
		if p := byName[t.Parent]; t.Parent != "" && p != nil {
			p.Children = append(p.Children, t.Name)
		} else {
			roots = append(roots, t)
		}
	}
	var out []*Table
	var walk func(t *Table, depth int)
	walk = func(t *Table, depth int) {
		t.Depth = depth
		root := t
		for root.Parent != "" && byName[root.Parent] != nil {
			root = byName[root.Parent]
		}
		t.WriteDisposition, t.Resource = root.WriteDisposition, root.Resource
		out = append(out, t)
		for _, c := range t.Children {
			walk(byName[c], depth+1)
		}
	}
	for _, r := range roots {
		walk(r, 0)
	}
	for _, t := range out {
		ok, err := b.r.TableExists(ctx, t.Name)
		if err != nil {
			return nil, fmt.Errorf("browse: %w", err)
		}
		t.Exists = ok
		if ok && counts {
			if t.Rows, err = b.count(ctx, `SELECT count(*) FROM `+destination.QuoteIdent(t.Name)); err != nil {
				return nil, fmt.Errorf("browse: counting the rows of %s: %w", t.Name, err)
			}
		}
	}
	return out, nil
}

func isSystemColumn(name string) bool {
	return len(name) > 5 && name[:5] == "_dlt_"
}
