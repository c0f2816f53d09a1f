package normalize

import (
	"github.com/sluicehq/sluice/runtime/naming"
	"github.com/sluicehq/sluice/runtime/schema"
)

// tableState is the normalizer's working view of one table.
type tableState struct {
	seq      int // creation order
	t        *schema.Table
	fullPath string // the table's path before shortening
	relPath  string // the path below the root table; "" for the root
	root     *rootState

	cols    map[string]*colState
	rowNode *node

	// slots are the columns that received values in this run, in the order
	// they did; rows are indexed by slot
	slots []*colState
	names []string
	types []schema.DataType
	rows  [][]any

	// collide is set when two key paths map to one column: such rows are
	// always processed in sorted key order (the last key wins)
	collide      bool
	touched      bool
	ensured      bool            // a CreateTable was emitted in this run
	materialized map[string]bool // columns known to exist in the destination
	required     []*colState     // NOT NULL data columns (primary keys)
}

// colState caches one column of a table (existing or not yet).
type colState struct {
	name      string
	col       *schema.Column // nil until the column exists in the schema
	typ       schema.DataType
	slot      int
	isVariant bool
	owners    int // key paths and variants that write to this column
	variants  map[schema.DataType]*colState
}

func (c *colState) isJSON() bool { return c.typ == schema.JSON }

// variant returns the variant column for values of type vt.
func (c *colState) variant(n *Normalizer, ts *tableState, vt schema.DataType) *colState {
	if v := c.variants[vt]; v != nil {
		return v
	}
	if c.variants == nil {
		c.variants = make(map[schema.DataType]*colState, 1)
	}
	v := ts.colState(n.conv.ShortenFragments(c.name, "v_"+string(vt)))
	v.isVariant = true
	if v.owners++; v.owners > 1 {
		ts.collide = true
	}
	c.variants[vt] = v
	return v
}

// node is one key path inside the rows of a table: the cache that maps a
// raw JSON key to its column without normalizing it again.
type node struct {
	path     string // normalized path before shortening; "" for the row itself
	col      *colState
	children map[string]*node
	table    *tableState // the child table of a list at this path
	// cap is the max_table_nesting of the nested table of a list at this
	// path (nested_hints), or -1
	cap int
}

func (n *Normalizer) tableState(t *schema.Table, fullPath string, root *rootState) *tableState {
	if ts := n.tables[t.Name]; ts != nil {
		return ts
	}
	ts := &tableState{
		seq:          len(n.order),
		t:            t,
		fullPath:     fullPath,
		root:         root,
		cols:         make(map[string]*colState),
		rowNode:      &node{cap: -1},
		materialized: make(map[string]bool),
	}
	n.tables[t.Name] = ts
	n.order = append(n.order, ts)
	ts.refreshRequired()
	return ts
}

func (ts *tableState) colState(name string) *colState {
	if c := ts.cols[name]; c != nil {
		return c
	}
	c := &colState{name: name, slot: -1}
	if col := ts.t.Column(name); col != nil {
		c.col, c.typ = col, col.DataType
		c.isVariant = col.Variant
	}
	ts.cols[name] = c
	return c
}

// syncCol refreshes the cached column after hints changed it.
func (ts *tableState) syncCol(name string) {
	if c := ts.cols[name]; c != nil {
		if col := ts.t.Column(name); col != nil {
			c.col = col
			if c.slot < 0 {
				c.typ = col.DataType
			}
		}
	}
}

// complete gives column c the type typ, adding it to the schema table.
func (ts *tableState) complete(c *colState, typ schema.DataType) {
	if c.col == nil {
		col := &schema.Column{Name: c.name, DataType: typ, Nullable: !defaultNotNull(c.name)}
		switch c.name {
		case schema.ColID:
			col.Unique, col.RowKey = true, true
		case schema.ColParentID:
			col.ParentKey = true
		case schema.ColRootID:
			col.RootKey = true
		}
		c.col = ts.t.AddColumn(col)
	} else {
		c.col.DataType = typ
	}
	if c.isVariant {
		c.col.Variant = true
	}
	c.typ = typ
}

func (ts *tableState) refreshRequired() {
	ts.required = ts.required[:0]
	for _, col := range ts.t.Columns {
		if !col.Nullable && !defaultNotNull(col.Name) {
			ts.required = append(ts.required, ts.colState(col.Name))
		}
	}
}

// child returns the node of key k below nd.
func (nd *node) child(n *Normalizer, ts *tableState, k string) *node {
	if c := nd.children[k]; c != nil {
		return c
	}
	norm := n.conv.NormalizePath(k)
	if norm == "" {
		norm = naming.EmptyKey
	}
	c := &node{cap: -1}
	var name string
	if nd.path == "" {
		c.path, name = norm, norm
	} else {
		c.path = nd.path + naming.PathSeparator + norm
		name = n.conv.Shorten(c.path)
	}
	c.col = ts.colState(name)
	if c.col.owners++; c.col.owners > 1 {
		ts.collide = true
	}
	if nh := ts.nestedHints(c.path); nh != nil && nh.MaxTableNesting != nil {
		c.cap = *nh.MaxTableNesting
	}
	if nd.children == nil {
		nd.children = make(map[string]*node)
	}
	nd.children[k] = c
	return c
}

// childTable returns the child table for a list at nd in rows of parent.
func (nd *node) childTable(n *Normalizer, parent *tableState) *tableState {
	if nd.table != nil {
		return nd.table
	}
	full := naming.MakePath(parent.fullPath, nd.path)
	name := n.conv.Shorten(full)
	t := n.s.Table(name)
	if t == nil {
		t = n.s.AddTable(schema.NewTable(name, parent.t.Name))
	}
	nd.table = n.tableState(t, full, parent.root)
	nd.table.relPath = naming.MakePath(parent.relPath, nd.path)
	if nh := parent.nestedHints(nd.path); nh != nil && len(nh.Columns) > 0 {
		// validated when the hints were applied to the root
		_ = n.applyColumnHints(nd.table, nh.Columns, nil)
	}
	return nd.table
}

// nestedHints returns the nested_hints of the table of a list at path (a
// node path in the rows of ts), or nil.
func (ts *tableState) nestedHints(path string) *NestedHints {
	if ts.root == nil || ts.root.nested == nil {
		return nil
	}
	return ts.root.nested[naming.MakePath(ts.relPath, path)]
}

// markNested records that the list at path (in rows of ts) met its hints.
func (ts *tableState) markNested(path string) {
	if ts.root != nil && ts.root.nested != nil {
		if p := naming.MakePath(ts.relPath, path); ts.root.nested[p] != nil {
			ts.root.nestedUsed[p] = true
		}
	}
}
