// Package normalize is dlt's relational JSON normalizer: it turns the
// records of a resource into rows of a root table and of nested (child)
// tables, infers column types, grows the schema, and reports the DDL the
// destination needs before the rows can be inserted.
//
// What it produces, exactly as dlt does (dlt-behaviour.md §8):
//
//   - the root table is the normalized resource table name; a record that is
//     not an object is wrapped as {"value": x};
//   - nested objects are flattened into the row with `__` (`address__geo__lat`);
//   - lists become child tables `<table>__<field>` whose rows carry
//     `_dlt_parent_id` (the parent row's `_dlt_id`) and `_dlt_list_idx`;
//     lists of scalars put each element in a `value` column; a list inside a
//     list goes through an intermediate row `{"list": …}` (table `…__list`);
//   - root rows get `_dlt_load_id` and a random `_dlt_id` (base64 of 10 random
//     bytes, 14 characters); child rows get a deterministic `_dlt_id`
//     (base64 of SHAKE128("<parent_id>_<child_table>_<idx>"), 10 bytes) and no
//     `_dlt_load_id`; under `merge` every child row also gets `_dlt_root_id`;
//   - a null never creates a column; empty objects and lists produce nothing;
//   - at `max_table_nesting` (default 1000; each object flattening and each
//     list descent counts one level) an object or list is kept whole as one
//     `json` column, as is any field whose column hint is `data_type: json`;
//   - the first non-null value decides a column's type (ISO-8601 datetime
//     strings are `timestamp`); a later value of another type is coerced if
//     dlt would coerce it, otherwise it goes to a variant column
//     `<col>__v_<type>`.
//
// # Order
//
// Columns are created in the document order of the record's keys, nested
// objects flattened in place, as dlt's normalizer walks a record; then
// `_dlt_load_id`, `_dlt_id` (root) or `_dlt_root_id`, `_dlt_parent_id`,
// `_dlt_list_idx`, `_dlt_id` (child) — dlt's order. Go maps have no key
// order, so NormalizePage takes the response body the records came from
// and asks jsondec.KeyOrder for the order only on the slow path (a record
// that adds a column, a variant or a child table, or a table whose keys
// collide); without a body, keys are sorted. Keys that normalize to the
// same name are one column: the last in document order wins, at the place
// of the first (dlt's dict semantics). An empty list adds no table.
//
// # Deliberate differences from dlt
//
//   - A blank key, or one that normalizes to nothing (such as "__"), is named
//     `_empty` also for lists (dlt names the child table after the parent).
//   - A record that carries its own `_dlt_id` keeps it, and child rows are
//     still linked to their parent (dlt drops the link for such rows).
package normalize

import (
	"crypto/rand"
	"crypto/sha3"
	"encoding/base64"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strconv"

	"github.com/sluicehq/sluice/runtime/jsondec"
	"github.com/sluicehq/sluice/runtime/naming"
	"github.com/sluicehq/sluice/runtime/schema"
)

// DefaultMaxNesting is dlt's default max_table_nesting.
const DefaultMaxNesting = 1000

// TableRows is a batch of rows for one table (see schema.TableRows).
type TableRows = schema.TableRows

// Options configure a Normalizer.
type Options struct {
	// LoadID is written to `_dlt_load_id` of every root row.
	LoadID string
	// MaxIdentifierLength is the destination's identifier limit; 0 means
	// naming.MaxSQLite.
	MaxIdentifierLength int
}

// TableHints describe the root table of one resource, as given by the
// resource's configuration. They are applied on every Normalize call.
type TableHints struct {
	// Name is the raw table name (the resource name by default); the
	// normalizer normalizes it.
	Name string
	// WriteDisposition is append (default), replace or merge.
	WriteDisposition string
	// PrimaryKey and MergeKey name columns (raw names, normalized here).
	// Primary key columns are NOT NULL.
	PrimaryKey []string
	MergeKey   []string
	// MergeStrategy is the strategy of a merge: delete-insert (default)
	// or upsert. It is kept in the table schema as dlt's
	// `x-merge-strategy`.
	MergeStrategy string
	// Deduplicated, under merge, tells the loader the rows need no
	// de-duplication by primary key (dlt's `deduplicated: true`, kept as
	// `x-stage-data-deduplicated`).
	Deduplicated bool
	// MaxTableNesting overrides the default nesting limit (1000).
	MaxTableNesting *int
	// Columns are column hints keyed by raw column name, with dlt column
	// properties as values, e.g. {"payload": {"data_type": "json"}}.
	Columns map[string]map[string]any
	// ColumnOrder is the order of the Columns keys (the YAML order): hinted
	// columns that do not exist yet are created in it. Keys it misses come
	// after it, sorted.
	ColumnOrder []string
	// Nested are the hints of nested tables (dlt's nested_hints), keyed by
	// the table's path below the root table: "orders" for the list
	// `orders` (table users__orders), "orders__items" for the list `items`
	// in its rows. Keys are raw names, normalized here.
	Nested map[string]*NestedHints
}

// NestedHints are the hints of one nested table.
type NestedHints struct {
	// MaxTableNesting limits the levels from the parent row down: 0 keeps
	// the list as one json column of the parent row (no nested table); 1
	// makes the nested table but keeps the lists and objects in its rows
	// as json; and so on. It never raises the limit of the root table.
	MaxTableNesting *int
	// Columns are column hints of the nested table, as TableHints.Columns.
	Columns map[string]map[string]any
}

// Batch is the result of normalizing the records of one resource.
type Batch struct {
	// Changes are the DDL steps to apply before inserting, parents first.
	Changes []schema.Change
	// Tables hold the rows, parent tables before their children.
	Tables []*TableRows
	// Records is the number of records normalized.
	Records int

	// Root is the normalized root table name of the resource.
	Root string
	// WriteDisposition of the root table (and so of its child tables).
	WriteDisposition string
	// PrimaryKey and MergeKey are the normalized key column names.
	PrimaryKey []string
	MergeKey   []string
	// MergeStrategy and Deduplicated are the hints' (merge only).
	MergeStrategy string
	Deduplicated  bool
	// Truncate, set on the first batch of a `replace` resource in a run,
	// lists the tables to empty before inserting: the root and every known
	// child table.
	Truncate []string
}

// Rows returns the total number of rows in the batch.
func (b *Batch) Rows() int {
	n := 0
	for _, t := range b.Tables {
		n += len(t.Rows)
	}
	return n
}

// Normalizer normalizes records into rows and grows a schema. It is meant
// for one run and one goroutine. After Normalize returns an error, the
// schema may hold columns of records that were not emitted: the run must
// fail (or start over from the stored schema).
type Normalizer struct {
	s      *schema.Schema
	conv   naming.Convention
	loadID any

	tables  map[string]*tableState
	order   []*tableState // creation order: parents first
	roots   map[string]*rootState
	touched []*tableState

	// cur is the row being built, indexed by slot; it lives in slab
	cur   []any
	keys  []string // key stack of the objects being collected
	ents  []entry  // fields of the rows being built, in document order
	lists []pending
	slab  []any

	// keyOrder gives the document order of the keys of the page being
	// normalized; nil: sorted order
	keyOrder *jsondec.KeyOrder

	rng      *mrand.ChaCha8
	shake    *sha3.SHAKE
	hashIn   []byte
	hashOut  [10]byte
	idBytes  [10]byte
	idBase64 [16]byte
}

// entry is one field of a row: a value (or a list, or an object kept as
// json) for the column at node nd, found at nesting level lvl.
type entry struct {
	nd  *node
	v   any
	lvl int
}

type pending struct {
	node *node
	l    []any
}

type rootState struct {
	table     *tableState
	truncated bool
	rootKey   bool
	// nested are the nested-table hints by normalized path below the root;
	// nestedKey maps those paths back to the keys as given, and nestedUsed
	// marks the paths that met a list
	nested     map[string]*NestedHints
	nestedKey  map[string]string
	nestedUsed map[string]bool
}

// New returns a normalizer that grows s.
func New(s *schema.Schema, opts Options) *Normalizer {
	max := opts.MaxIdentifierLength
	if max == 0 {
		max = naming.MaxSQLite
	}
	var seed [32]byte
	_, _ = rand.Read(seed[:])
	return &Normalizer{
		s:      s,
		conv:   naming.Convention{MaxLength: max},
		loadID: opts.LoadID,
		tables: make(map[string]*tableState),
		roots:  make(map[string]*rootState),
		rng:    mrand.NewChaCha8(seed),
		shake:  sha3.NewSHAKE128(),
	}
}

// Schema returns the schema the normalizer grows.
func (n *Normalizer) Schema() *schema.Schema { return n.s }

// Normalize turns the records of one resource into rows. It updates the
// schema and returns the DDL changes needed before the rows can be
// inserted. Calling it with no records still applies the hints and, for a
// `replace` resource, asks to truncate its tables (a replace resource that
// yields nothing empties its tables, as in dlt).
func (n *Normalizer) Normalize(h *TableHints, records []any) (*Batch, error) {
	return n.NormalizePage(h, records, nil)
}

// NormalizePage is Normalize for records decoded from body (a response
// body, or nil): new columns are created in the document order of the
// record's keys, as dlt does. The body is scanned only when a record adds
// columns or its keys collide after naming (see jsondec.KeyOrder); a record
// that no object of body matches (one that a processing step built or
// changed) takes its keys in the order they rank in body, unknown keys last
// and sorted; without a body, keys are taken in sorted order.
func (n *Normalizer) NormalizePage(h *TableHints, records []any, body []byte) (*Batch, error) {
	n.keyOrder = nil
	if body != nil {
		n.keyOrder = jsondec.NewKeyOrder(body)
	}
	defer func() { n.keyOrder = nil }()
	if h == nil {
		return nil, errors.New("normalize: no table hints")
	}
	rs, err := n.root(h)
	if err != nil {
		return nil, err
	}
	ts := rs.table
	t := ts.t
	b := &Batch{
		Root:             t.Name,
		WriteDisposition: t.WriteDisposition,
		PrimaryKey:       t.PrimaryKey(),
		MergeKey:         t.MergeKey(),
	}
	if t.WriteDisposition == schema.Merge {
		b.MergeStrategy = firstOf(h.MergeStrategy, "delete-insert")
		b.Deduplicated = h.Deduplicated
	}
	if t.WriteDisposition == schema.Replace && !rs.truncated {
		rs.truncated = true
		b.Truncate = append(b.Truncate, t.Name)
		for _, d := range n.s.Descendants(t.Name) {
			b.Truncate = append(b.Truncate, d.Name)
		}
		if len(records) == 0 && len(t.CompleteColumns()) == 0 {
			// dlt creates a new replace table with its normalizer columns
			// even when the resource yields nothing
			n.touch(ts)
			n.sysCol(ts, schema.ColLoadID)
			n.sysCol(ts, schema.ColID)
		}
	}
	for i, rec := range records {
		if err := n.record(rs, rec); err != nil {
			n.discard()
			return nil, fmt.Errorf("normalize %s: record %d: %w", t.Name, i, err)
		}
	}
	b.Records = len(records)
	n.finish(b)
	return b, nil
}

// finish moves the rows of touched tables into b and computes the changes.
func (n *Normalizer) finish(b *Batch) {
	slices.SortFunc(n.touched, func(x, y *tableState) int { return x.seq - y.seq })
	for _, ts := range n.touched {
		ts.touched = false
		if ch, ok := n.change(ts); ok {
			b.Changes = append(b.Changes, ch)
		}
		if len(ts.rows) == 0 {
			continue
		}
		if !ts.t.SeenData {
			ts.t.SeenData = true
		}
		k := len(ts.slots)
		b.Tables = append(b.Tables, &TableRows{
			Table:   ts.t.Name,
			Columns: ts.names[:k:k],
			Types:   ts.types[:k:k],
			Rows:    ts.rows,
		})
		ts.rows = nil
	}
	n.touched = n.touched[:0]
	n.slab = nil
}

// discard drops the rows of a failed batch.
func (n *Normalizer) discard() {
	for _, ts := range n.touched {
		ts.touched = false
		ts.rows = nil
	}
	n.touched = n.touched[:0]
	n.cur, n.slab = nil, nil
	n.keys, n.ents, n.lists = n.keys[:0], n.ents[:0], n.lists[:0]
}

// change returns the DDL that makes the destination table match ts.
func (n *Normalizer) change(ts *tableState) (schema.Change, bool) {
	if !ts.ensured {
		ch := schema.CreateChange(ts.t)
		if len(ch.Columns) == 0 {
			return ch, false
		}
		ts.ensured = true
		for _, c := range ch.Columns {
			ts.materialized[c.Name] = true
		}
		return ch, true
	}
	ch := schema.Change{Kind: schema.AddColumns, Table: ts.t.Name, Parent: ts.t.Parent}
	for _, c := range ts.t.Columns {
		if c.Complete() && !ts.materialized[c.Name] {
			ts.materialized[c.Name] = true
			ch.Columns = append(ch.Columns, *c)
		}
	}
	return ch, len(ch.Columns) > 0
}

// root resolves the root table of h and applies its hints.
func (n *Normalizer) root(h *TableHints) (*rootState, error) {
	name := n.conv.NormalizeTablesPath(h.Name)
	if name == "" {
		return nil, fmt.Errorf("normalize: table name %q is blank", h.Name)
	}
	rs := n.roots[name]
	if rs == nil {
		t := n.s.Table(name)
		if t == nil {
			t = schema.NewTable(name, "")
			t.Resource = h.Name
			t.WriteDisposition = schema.Append
			n.s.AddTable(t)
		} else if t.Parent != "" {
			return nil, fmt.Errorf("normalize: table %s of resource %q is a child table of %s", name, h.Name, t.Parent)
		}
		rs = &rootState{table: n.tableState(t, name, nil)}
		rs.table.root = rs
		n.roots[name] = rs
	}
	if err := n.applyHints(rs, h); err != nil {
		return nil, err
	}
	return rs, nil
}

func (n *Normalizer) applyHints(rs *rootState, h *TableHints) error {
	ts := rs.table
	t := ts.t
	if h.WriteDisposition != "" && h.WriteDisposition != t.WriteDisposition {
		switch h.WriteDisposition {
		case schema.Append, schema.Replace, schema.Merge, schema.Skip:
		default:
			return fmt.Errorf("normalize: table %s: unknown write disposition %q", t.Name, h.WriteDisposition)
		}
		t.WriteDisposition = h.WriteDisposition
	}
	if h.MaxTableNesting != nil && (t.MaxNesting == nil || *t.MaxNesting != *h.MaxTableNesting) {
		v := *h.MaxTableNesting
		t.MaxNesting = &v
	}
	// dlt propagates the root `_dlt_id` to nested tables for merge
	// (delete-insert, upsert) so that the nested rows of a replaced record
	// can be found
	rs.rootKey = t.WriteDisposition == schema.Merge
	setMergeHints(t, h)
	if len(h.PrimaryKey) > 0 || len(h.MergeKey) > 0 {
		// the hints name the whole key: columns no longer named lose the flag
		pk := make(map[string]bool, len(h.PrimaryKey))
		for _, k := range h.PrimaryKey {
			pk[n.columnName(k)] = true
		}
		mk := make(map[string]bool, len(h.MergeKey))
		for _, k := range h.MergeKey {
			mk[n.columnName(k)] = true
		}
		for _, c := range t.Columns {
			if c.PrimaryKey && len(h.PrimaryKey) > 0 && !pk[c.Name] {
				c.PrimaryKey, c.Nullable = false, true
			}
			if c.MergeKey && len(h.MergeKey) > 0 && !mk[c.Name] {
				c.MergeKey = false
			}
		}
	}
	for _, k := range h.PrimaryKey {
		name := n.columnName(k)
		c := t.Column(name)
		if c == nil {
			c = t.AddColumn(&schema.Column{Name: name})
		}
		c.PrimaryKey, c.Nullable = true, false
		ts.syncCol(name)
	}
	for _, k := range h.MergeKey {
		name := n.columnName(k)
		c := t.Column(name)
		if c == nil {
			c = t.AddColumn(&schema.Column{Name: name, Nullable: true})
		}
		c.MergeKey = true
		ts.syncCol(name)
	}
	if err := n.applyColumnHints(ts, h.Columns, h.ColumnOrder); err != nil {
		return err
	}
	if len(h.Nested) > 0 {
		rs.nested = make(map[string]*NestedHints, len(h.Nested))
		rs.nestedKey = make(map[string]string, len(h.Nested))
		if rs.nestedUsed == nil {
			rs.nestedUsed = map[string]bool{}
		}
		for k, nh := range h.Nested {
			path := n.conv.NormalizePath(k)
			if path == "" || nh == nil {
				return fmt.Errorf("normalize: table %s: nested hints for %q: the path is blank", t.Name, k)
			}
			if nh.MaxTableNesting != nil && *nh.MaxTableNesting < 0 {
				return fmt.Errorf("normalize: table %s: nested hints for %q: max_table_nesting is negative", t.Name, k)
			}
			for ck, cv := range nh.Columns {
				if _, err := schema.ColumnFromHints(n.columnName(ck), cv); err != nil {
					return fmt.Errorf("normalize: table %s: nested hints for %q: column hint %s: %w", t.Name, k, ck, err)
				}
			}
			rs.nested[path] = nh
			rs.nestedKey[path] = k
		}
	} else {
		rs.nested = nil
	}
	ts.refreshRequired()
	return nil
}

// setMergeHints records the merge strategy and deduplicated flag in the
// table schema under dlt's names.
func setMergeHints(t *schema.Table, h *TableHints) {
	set := func(k string, v any) {
		if v == nil {
			delete(t.Extra, k)
			return
		}
		if t.Extra == nil {
			t.Extra = map[string]any{}
		}
		t.Extra[k] = v
	}
	var strategy, dedup any
	if t.WriteDisposition == schema.Merge {
		strategy = firstOf(h.MergeStrategy, "delete-insert")
		if h.Deduplicated {
			dedup = true
		}
	}
	set("x-merge-strategy", strategy)
	set("x-stage-data-deduplicated", dedup)
}

func firstOf(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// applyColumnHints applies column hints (keyed by raw column name) to the
// table of ts.
func (n *Normalizer) applyColumnHints(ts *tableState, cols map[string]map[string]any, order []string) error {
	t := ts.t
	if len(cols) > 0 {
		keys := make([]string, 0, len(cols))
		for _, k := range order {
			if _, ok := cols[k]; ok && !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
		rest := len(keys)
		for k := range cols {
			if !slices.Contains(keys[:rest], k) {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys[rest:])
		for _, k := range keys {
			name := n.columnName(k)
			hc, err := schema.ColumnFromHints(name, cols[k])
			if err != nil {
				return fmt.Errorf("normalize: table %s: column hint %s: %w", t.Name, k, err)
			}
			c := t.Column(name)
			if c == nil {
				if _, set := cols[k]["nullable"]; !set && defaultNotNull(name) {
					hc.Nullable = false
				}
				t.AddColumn(hc)
			} else {
				if !c.Complete() {
					c.DataType = hc.DataType
				}
				if _, set := cols[k]["nullable"]; set {
					c.Nullable = hc.Nullable
				}
				c.PrimaryKey = c.PrimaryKey || hc.PrimaryKey
				c.MergeKey = c.MergeKey || hc.MergeKey
				c.Unique = c.Unique || hc.Unique
				if hc.Precision != nil {
					c.Precision = hc.Precision
				}
				if hc.Scale != nil {
					c.Scale = hc.Scale
				}
				for ek, ev := range hc.Extra {
					if c.Extra == nil {
						c.Extra = map[string]any{}
					}
					c.Extra[ek] = ev
				}
			}
			ts.syncCol(name)
		}
	}
	return nil
}

// UnmatchedNestedHints returns the keys of h.Nested (as given) that have
// met no list in the records normalized so far, sorted: a path with a typo
// would otherwise do nothing in silence.
func (n *Normalizer) UnmatchedNestedHints(h *TableHints) []string {
	rs := n.roots[n.conv.NormalizeTablesPath(h.Name)]
	if rs == nil {
		return nil
	}
	var out []string
	for path, k := range rs.nestedKey {
		if !rs.nestedUsed[path] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func (n *Normalizer) columnName(raw string) string {
	if name := n.conv.NormalizePath(raw); name != "" {
		return name
	}
	return naming.EmptyKey
}

// defaultNotNull is dlt's default `not_null` hint: the normalizer's system
// columns are NOT NULL.
func defaultNotNull(name string) bool {
	switch name {
	case schema.ColID, schema.ColRootID, schema.ColParentID, schema.ColListIdx, schema.ColLoadID:
		return true
	}
	return false
}

// record normalizes one root record.
func (n *Normalizer) record(rs *rootState, rec any) error {
	ts := rs.table
	n.touch(ts)
	n.startRow(ts)
	listBase := len(n.lists)
	lvl := DefaultMaxNesting
	if ts.t.MaxNesting != nil {
		lvl = *ts.t.MaxNesting
	}
	var err error
	if m, ok := rec.(map[string]any); ok {
		err = n.flattenRow(ts, m, lvl, listBase)
	} else {
		err = n.field(ts, ts.rowNode.child(n, ts, schema.ColValue), rec, lvl)
	}
	if err != nil {
		n.abortRow()
		return err
	}
	n.put(ts, n.sysCol(ts, schema.ColLoadID), n.loadID)
	id, err := n.rowID(ts, nil, 0, true)
	if err != nil {
		n.abortRow()
		return err
	}
	if err := n.checkRequired(ts); err != nil {
		n.abortRow()
		return err
	}
	end := n.emitRow(ts)
	var rootID any
	if rs.rootKey {
		rootID = id
	}
	return n.descend(ts, listBase, end, id, rootID, lvl-1)
}

// descend normalizes the lists found in a row (lists[base:]) into child
// tables, then drops them from the pending stack.
func (n *Normalizer) descend(ts *tableState, base, end int, parentID, rootID any, lvl int) error {
	for i := base; i < end; i++ {
		p := n.lists[i]
		if len(p.l) == 0 {
			continue // an empty list adds no table (dlt)
		}
		child := p.node.childTable(n, ts)
		l := lvl
		if c := p.node.cap; c > 0 && c-1 < l {
			l = c - 1 // nested_hints max_table_nesting
		}
		if err := n.list(child, p.l, parentID, rootID, l); err != nil {
			return err
		}
	}
	n.lists = n.lists[:base]
	return nil
}

// list normalizes the elements of a list into rows of table ts.
func (n *Normalizer) list(ts *tableState, l []any, parentID, rootID any, lvl int) error {
	if len(l) == 0 {
		return nil
	}
	n.touch(ts)
	valueNode := ts.rowNode.child(n, ts, schema.ColValue)
	for idx, v := range l {
		n.startRow(ts)
		listBase := len(n.lists)
		rowLvl := lvl
		var err error
		switch x := v.(type) {
		case map[string]any:
			err = n.flattenRow(ts, x, lvl, listBase)
		case []any:
			// a list in a list: an intermediate row {"list": x}, one level down
			rowLvl = lvl - 1
			err = n.field(ts, ts.rowNode.child(n, ts, "list"), x, rowLvl)
		default:
			err = n.field(ts, valueNode, v, lvl)
		}
		if err != nil {
			n.abortRow()
			return err
		}
		if rootID != nil {
			n.put(ts, n.sysCol(ts, schema.ColRootID), rootID)
		}
		id, err := n.rowID(ts, parentID, idx, false)
		if err != nil {
			n.abortRow()
			return err
		}
		end := n.emitRow(ts)
		if err := n.descend(ts, listBase, end, id, rootID, rowLvl-1); err != nil {
			return err
		}
	}
	return nil
}

// errSlow stops the fast path: the row would change the schema, so it must
// be processed in document key order.
var errSlow = errors.New("normalize: slow path")

// flattenRow flattens the object m into the row being built. Most rows of
// an API only fill columns that exist: for those the key order cannot
// change the result, and the fast path walks the map as it comes. A row
// that would create a column, a slot, a variant or a child table, and every
// row of a table where two keys map to one column, is done again in
// document key order, so that columns are created in that order and the
// last of colliding keys wins, as in dlt.
func (n *Normalizer) flattenRow(ts *tableState, m map[string]any, lvl, listBase int) error {
	if !ts.collide {
		err := n.flattenFast(ts, ts.rowNode, m, lvl)
		if err != errSlow {
			return err
		}
		n.abortRow()
		n.lists = n.lists[:listBase]
	}
	return n.flatten(ts, ts.rowNode, m, lvl)
}

// flattenFast is flatten for rows that fit the known columns; it returns
// errSlow as soon as a key or value needs anything new.
func (n *Normalizer) flattenFast(ts *tableState, parent *node, m map[string]any, lvl int) error {
	for k, v := range m {
		nd := parent.children[k]
		if nd == nil {
			return errSlow
		}
		c := nd.col
		switch x := v.(type) {
		case nil:
			if c.typ != "" && !c.col.Nullable {
				return errSlow // report it from the slow path
			}
			continue
		case map[string]any:
			if lvl > 0 && c.typ != schema.JSON {
				if err := n.flattenFast(ts, nd, x, lvl-1); err != nil {
					return err
				}
				continue
			}
		case []any:
			if lvl > 0 && nd.cap != 0 && c.typ != schema.JSON {
				if len(x) > 0 {
					if nd.table == nil {
						return errSlow
					}
					n.lists = append(n.lists, pending{node: nd, l: x})
				}
				continue
			}
		}
		if c.slot < 0 {
			return errSlow
		}
		vt := schema.TypeOf(v)
		if c.typ == vt && vt != schema.JSON && vt != schema.Wei {
			n.cur[c.slot] = v
			continue
		}
		if out, ok := schema.Coerce(c.typ, vt, v); ok {
			n.cur[c.slot] = out
			continue
		}
		vc := c.variants[vt]
		if vc == nil || vc.slot < 0 {
			return errSlow
		}
		out, ok := schema.Coerce(vc.typ, vt, v)
		if !ok {
			return errSlow
		}
		n.cur[vc.slot] = out
	}
	return nil
}

// flatten puts the fields of object m (at path node parent) into the row
// being built for ts, in document order, nested objects flattened in place
// (dlt's norm_row_dicts); lists are queued for descend.
func (n *Normalizer) flatten(ts *tableState, parent *node, m map[string]any, lvl int) error {
	base := len(n.ents)
	n.collect(ts, parent, m, lvl)
	err := n.apply(ts, base)
	n.ents = n.ents[:base]
	return err
}

// collect appends the fields of m to n.ents in document key order,
// descending into nested objects.
func (n *Normalizer) collect(ts *tableState, parent *node, m map[string]any, lvl int) {
	if len(m) == 0 {
		return
	}
	kb := len(n.keys)
	n.keys, _ = n.keyOrder.AppendKeys(n.keys, m)
	ke := len(n.keys)
	for i := kb; i < ke; i++ {
		k := n.keys[i]
		v := m[k]
		nd := parent.child(n, ts, k)
		if d, ok := v.(map[string]any); ok && lvl > 0 && !nd.col.isJSON() {
			n.collect(ts, nd, d, lvl-1)
			continue
		}
		n.ents = append(n.ents, entry{nd: nd, v: v, lvl: lvl})
	}
	n.keys = n.keys[:kb]
}

// apply stores the fields n.ents[base:] in the row. Keys that normalize to
// the same column (`userId`, `user_id`) are resolved as a Python dict
// resolves them in dlt: the last value in document order wins, and the
// column takes the place of the first.
func (n *Normalizer) apply(ts *tableState, base int) error {
	ents := n.ents[base:]
	for i := range ents {
		e := ents[i]
		if c := e.nd.col; c.owners > 1 {
			earlier := false
			for j := 0; j < i; j++ {
				if ents[j].nd.col == c {
					earlier = true
					break
				}
			}
			if earlier {
				continue
			}
			for j := len(ents) - 1; j > i; j-- {
				if ents[j].nd.col == c {
					e = ents[j]
					break
				}
			}
		}
		if err := n.field(ts, e.nd, e.v, e.lvl); err != nil {
			return err
		}
	}
	return nil
}

// field handles one non-object (or json-kept object) value at node nd.
func (n *Normalizer) field(ts *tableState, nd *node, v any, lvl int) error {
	switch x := v.(type) {
	case nil:
		if c := nd.col; c.typ != "" && !c.col.Nullable {
			return fmt.Errorf("column %s of table %s is NOT NULL but the value is null", c.name, ts.t.Name)
		}
		return nil
	case []any:
		if ts.root != nil && ts.root.nested != nil {
			ts.markNested(nd.path)
		}
		if lvl > 0 && nd.cap != 0 && !nd.col.isJSON() {
			n.lists = append(n.lists, pending{node: nd, l: x})
			return nil
		}
	case map[string]any:
		if lvl > 0 && !nd.col.isJSON() {
			return n.flatten(ts, nd, x, lvl-1)
		}
	}
	return n.setValue(ts, nd.col, v)
}

// setValue stores a non-null value in column c, coercing it to the column
// type or sending it to a variant column.
func (n *Normalizer) setValue(ts *tableState, c *colState, v any) error {
	vt := schema.TypeOf(v)
	if vt == "" {
		return fmt.Errorf("column %s: unsupported value type %T", c.name, v)
	}
	if c.typ == vt && vt != schema.JSON && vt != schema.Wei {
		n.put(ts, c, v)
		return nil
	}
	if c.typ != "" {
		if out, ok := schema.Coerce(c.typ, vt, v); ok {
			n.put(ts, c, out)
			return nil
		}
		vc := c.variant(n, ts, vt)
		if vc.typ != "" {
			out, ok := schema.Coerce(vc.typ, vt, v)
			if !ok {
				return fmt.Errorf("cannot coerce %s value %s into variant column %s (%s) of table %s",
					vt, preview(v), vc.name, vc.typ, ts.t.Name)
			}
			n.put(ts, vc, out)
			return nil
		}
		c = vc
	}
	// a new column (or an incomplete one, or a new variant): infer its type
	typ := schema.Infer(v)
	out, ok := schema.Coerce(typ, vt, v)
	if !ok {
		return fmt.Errorf("column %s of table %s: cannot store %s value %s", c.name, ts.t.Name, vt, preview(v))
	}
	ts.complete(c, typ)
	n.put(ts, c, out)
	return nil
}

func preview(v any) string {
	s := fmt.Sprint(v)
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}

// sysCol returns the system column name of ts, creating it when first used.
func (n *Normalizer) sysCol(ts *tableState, name string) *colState {
	c := ts.colState(name)
	if c.typ == "" {
		typ := schema.Text
		if name == schema.ColListIdx {
			typ = schema.Bigint
		}
		ts.complete(c, typ)
	}
	return c
}

// put stores v in the row being built, giving c a slot if it has none.
func (n *Normalizer) put(ts *tableState, c *colState, v any) {
	if c.slot < 0 {
		c.slot = len(ts.slots)
		ts.slots = append(ts.slots, c)
		ts.names = append(ts.names, c.name)
		ts.types = append(ts.types, c.typ)
	}
	if c.slot >= len(n.cur) {
		row := n.alloc(len(ts.slots))
		copy(row, n.cur)
		n.cur = row
	}
	n.cur[c.slot] = v
}

// get returns the value of slot i in the row being built.
func (n *Normalizer) get(i int) any {
	if i < 0 || i >= len(n.cur) {
		return nil
	}
	return n.cur[i]
}

// rowID sets `_dlt_id` (and the parent link of child rows) and returns it.
func (n *Normalizer) rowID(ts *tableState, parentID any, idx int, root bool) (any, error) {
	if !root {
		n.put(ts, n.sysCol(ts, schema.ColParentID), parentID)
		n.put(ts, n.sysCol(ts, schema.ColListIdx), int64(idx))
	}
	idc := n.sysCol(ts, schema.ColID)
	if v := n.get(idc.slot); v != nil {
		if s, ok := v.(string); ok && s != "" {
			return v, nil // the record brings its own _dlt_id
		}
	}
	var id any
	if root {
		id = n.randomID()
	} else {
		id = n.childID(parentID.(string), ts.t.Name, idx)
	}
	n.put(ts, idc, id)
	return id, nil
}

// randomID is dlt's generate_dlt_id: base64 of 10 random bytes, unpadded.
func (n *Normalizer) randomID() string {
	a, b := n.rng.Uint64(), n.rng.Uint64()
	for i := 0; i < 8; i++ {
		n.idBytes[i] = byte(a >> (8 * i))
	}
	n.idBytes[8], n.idBytes[9] = byte(b), byte(b>>8)
	base64.StdEncoding.Encode(n.idBase64[:], n.idBytes[:])
	return string(n.idBase64[:14])
}

// childID is dlt's get_nested_row_hash: base64 of 10 bytes of
// SHAKE128("<parent_id>_<table>_<idx>"), unpadded.
func (n *Normalizer) childID(parent, table string, idx int) string {
	b := append(n.hashIn[:0], parent...)
	b = append(b, '_')
	b = append(b, table...)
	b = append(b, '_')
	b = strconv.AppendInt(b, int64(idx), 10)
	n.hashIn = b
	n.shake.Reset()
	_, _ = n.shake.Write(b)
	_, _ = n.shake.Read(n.hashOut[:])
	base64.StdEncoding.Encode(n.idBase64[:], n.hashOut[:])
	return string(n.idBase64[:14])
}

// ChildID computes the `_dlt_id` of the row at index idx of child table
// table under the parent row parentID.
func ChildID(parentID, table string, idx int) string {
	sum := sha3.SumSHAKE128([]byte(parentID+"_"+table+"_"+strconv.Itoa(idx)), 10)
	return base64.RawStdEncoding.EncodeToString(sum)
}

func (n *Normalizer) checkRequired(ts *tableState) error {
	for _, c := range ts.required {
		if n.get(c.slot) == nil {
			kind := "NOT NULL"
			if c.col != nil && c.col.PrimaryKey {
				kind = "a primary key"
			}
			return fmt.Errorf("column %s of table %s is %s but the record has no value for it", c.name, ts.t.Name, kind)
		}
	}
	return nil
}

// startRow begins a row of ts.
func (n *Normalizer) startRow(ts *tableState) {
	n.cur = n.alloc(len(ts.slots))
}

// alloc carves a row of k values out of the slab: one allocation serves
// many rows.
func (n *Normalizer) alloc(k int) []any {
	if len(n.slab) < k {
		size := 8192
		if k > size {
			size = k
		}
		n.slab = make([]any, size)
	}
	row := n.slab[:k:k]
	n.slab = n.slab[k:]
	return row
}

// emitRow appends the row being built to the table's rows and returns the
// end of the lists queued so far.
func (n *Normalizer) emitRow(ts *tableState) int {
	ts.rows = append(ts.rows, n.cur)
	n.cur = nil
	return len(n.lists)
}

// abortRow empties the row being built.
func (n *Normalizer) abortRow() {
	clear(n.cur)
}

func (n *Normalizer) touch(ts *tableState) {
	if !ts.touched {
		ts.touched = true
		n.touched = append(n.touched, ts)
	}
}
