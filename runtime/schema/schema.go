// Package schema holds what sluice knows about the tables it loads: the
// tables, their columns and data types, and the version of that knowledge.
// It is the vocabulary shared by the normalizer (which infers and grows the
// schema from data) and the destinations (which turn schema changes into DDL).
//
// The model and its JSON form follow dlt's stored schema (engine version
// 11), so the JSON kept in `_dlt_version.schema` reads like dlt's: a
// `tables` object whose `columns` objects keep column order, `data_type`,
// `nullable`, `primary_key`, `variant`, … per column, and `parent`,
// `write_disposition`, `resource` and `x-normalizer` per table.
//
// A Schema is not safe for concurrent mutation: the normalizer that grows it
// owns it during a run.
package schema

import (
	"fmt"
	"slices"
)

// DataType is a dlt data type.
type DataType string

// The dlt data types. Values from JSON infer only Text, Bigint, Double, Bool,
// Timestamp (ISO-8601 datetime strings) and JSON; the others come from
// column hints.
const (
	Text      DataType = "text"
	Bigint    DataType = "bigint"
	Double    DataType = "double"
	Bool      DataType = "bool"
	Timestamp DataType = "timestamp"
	Date      DataType = "date"
	Time      DataType = "time"
	JSON      DataType = "json"
	Decimal   DataType = "decimal"
	Wei       DataType = "wei"
	Binary    DataType = "binary"
)

// Valid reports whether t is a known data type.
func (t DataType) Valid() bool {
	switch t {
	case Text, Bigint, Double, Bool, Timestamp, Date, Time, JSON, Decimal, Wei, Binary:
		return true
	}
	return false
}

// Write dispositions.
const (
	Append  = "append"
	Replace = "replace"
	Merge   = "merge"
	Skip    = "skip"
)

// Names of the dlt system columns and tables.
const (
	ColID       = "_dlt_id"
	ColLoadID   = "_dlt_load_id"
	ColParentID = "_dlt_parent_id"
	ColListIdx  = "_dlt_list_idx"
	ColRootID   = "_dlt_root_id"
	ColValue    = "value"

	VersionTableName       = "_dlt_version"
	LoadsTableName         = "_dlt_loads"
	PipelineStateTableName = "_dlt_pipeline_state"
)

// EngineVersion is the dlt schema engine version written to `_dlt_version`.
const EngineVersion = 11

// Column is one column of a table. A column without a DataType is
// incomplete: it carries hints (say a primary key named before any data was
// seen) and is not created in the destination until data gives it a type.
type Column struct {
	Name       string
	DataType   DataType
	Nullable   bool
	PrimaryKey bool
	MergeKey   bool
	Unique     bool
	Variant    bool
	RowKey     bool
	ParentKey  bool
	RootKey    bool
	// Precision and Scale are kept as given by hints (nil when unset).
	Precision *int
	Scale     *int
	// Extra keeps any other column property (from hints or a restored
	// schema) so that it survives a round trip.
	Extra map[string]any
}

// Complete reports whether the column has a data type.
func (c *Column) Complete() bool { return c.DataType != "" }

func (c *Column) clone() *Column {
	cp := *c
	if c.Extra != nil {
		cp.Extra = make(map[string]any, len(c.Extra))
		for k, v := range c.Extra {
			cp.Extra[k] = v
		}
	}
	return &cp
}

// Table is one table: a root table (no Parent) made from a resource, or a
// nested (child) table made from a list inside the records.
type Table struct {
	Name             string
	Parent           string // "" for a root table
	WriteDisposition string // root tables only
	Resource         string // root tables only
	Description      string
	// MaxNesting is the table's max_table_nesting (dlt's
	// `x-normalizer.max_nesting`); nil means the default.
	MaxNesting *int
	// SeenData is set once rows were normalized into the table (dlt's
	// `x-normalizer.seen-data`).
	SeenData bool
	// Columns in creation order.
	Columns []*Column
	// Extra keeps unknown table properties of a restored schema.
	Extra map[string]any

	index map[string]int
}

// NewTable returns an empty table.
func NewTable(name, parent string) *Table {
	return &Table{Name: name, Parent: parent, index: make(map[string]int)}
}

// Column returns the column called name, or nil.
func (t *Table) Column(name string) *Column {
	if i, ok := t.index[name]; ok {
		return t.Columns[i]
	}
	return nil
}

// AddColumn appends c, or replaces the column of the same name in place.
// It returns the column now in the table.
func (t *Table) AddColumn(c *Column) *Column {
	if t.index == nil {
		t.reindex()
	}
	if i, ok := t.index[c.Name]; ok {
		t.Columns[i] = c
		return c
	}
	t.index[c.Name] = len(t.Columns)
	t.Columns = append(t.Columns, c)
	return c
}

// CompleteColumns returns the columns that have a data type, in order.
func (t *Table) CompleteColumns() []*Column {
	out := make([]*Column, 0, len(t.Columns))
	for _, c := range t.Columns {
		if c.Complete() {
			out = append(out, c)
		}
	}
	return out
}

// PrimaryKey returns the names of the primary key columns, in order.
func (t *Table) PrimaryKey() []string {
	return t.columnsWith(func(c *Column) bool { return c.PrimaryKey })
}

// MergeKey returns the names of the merge key columns, in order.
func (t *Table) MergeKey() []string { return t.columnsWith(func(c *Column) bool { return c.MergeKey }) }

func (t *Table) columnsWith(f func(*Column) bool) []string {
	var out []string
	for _, c := range t.Columns {
		if f(c) {
			out = append(out, c.Name)
		}
	}
	return out
}

func (t *Table) reindex() {
	t.index = make(map[string]int, len(t.Columns))
	for i, c := range t.Columns {
		t.index[c.Name] = i
	}
}

// Clone returns a deep copy of t.
func (t *Table) Clone() *Table {
	cp := *t
	cp.Columns = make([]*Column, len(t.Columns))
	for i, c := range t.Columns {
		cp.Columns[i] = c.clone()
	}
	if t.MaxNesting != nil {
		n := *t.MaxNesting
		cp.MaxNesting = &n
	}
	cp.reindex()
	return &cp
}

// Schema is a named set of tables with a version.
type Schema struct {
	Name string
	// Version counts content changes; VersionHash identifies the content.
	// Both are set by Bump.
	Version        int64
	VersionHash    string
	PreviousHashes []string
	// Tables in creation order (a parent always precedes its children).
	Tables []*Table

	// settings and normalizers of a restored schema, kept verbatim.
	settings    map[string]any
	normalizers map[string]any
	index       map[string]*Table
}

// New returns a schema with dlt's standard tables `_dlt_version` and
// `_dlt_loads`, as a new dlt schema has.
func New(name string) *Schema {
	s := &Schema{Name: name, index: make(map[string]*Table)}
	s.AddTable(VersionTable())
	s.AddTable(LoadsTable())
	return s
}

// Table returns the table called name, or nil.
func (s *Schema) Table(name string) *Table {
	if s.index == nil {
		s.reindex()
	}
	return s.index[name]
}

// AddTable adds t (replacing a table of the same name in place) and returns it.
func (s *Schema) AddTable(t *Table) *Table {
	if s.index == nil {
		s.reindex()
	}
	if t.index == nil {
		t.reindex()
	}
	if old, ok := s.index[t.Name]; ok {
		for i, x := range s.Tables {
			if x == old {
				s.Tables[i] = t
			}
		}
	} else {
		s.Tables = append(s.Tables, t)
	}
	s.index[t.Name] = t
	return t
}

func (s *Schema) reindex() {
	s.index = make(map[string]*Table, len(s.Tables))
	for _, t := range s.Tables {
		s.index[t.Name] = t
	}
}

// Root returns the root table of the table called name (itself if it is a
// root), or nil if name is unknown.
func (s *Schema) Root(name string) *Table {
	t := s.Table(name)
	for i := 0; t != nil && t.Parent != "" && i < 1000; i++ {
		t = s.Table(t.Parent)
	}
	return t
}

// Descendants returns the nested tables below root, parents before children.
func (s *Schema) Descendants(root string) []*Table {
	in := map[string]bool{root: true}
	var out []*Table
	for _, t := range s.Tables {
		if t.Parent != "" && in[t.Parent] {
			in[t.Name] = true
			out = append(out, t)
		}
	}
	return out
}

// DataTables returns the tables that are not dlt system tables.
func (s *Schema) DataTables() []*Table {
	var out []*Table
	for _, t := range s.Tables {
		if !IsSystemTable(t.Name) {
			out = append(out, t)
		}
	}
	return out
}

// IsSystemTable reports whether name is one of dlt's `_dlt_*` tables.
func IsSystemTable(name string) bool {
	return name == VersionTableName || name == LoadsTableName || name == PipelineStateTableName
}

// Clone returns a deep copy of s.
func (s *Schema) Clone() *Schema {
	cp := &Schema{
		Name:           s.Name,
		Version:        s.Version,
		VersionHash:    s.VersionHash,
		PreviousHashes: slices.Clone(s.PreviousHashes),
		settings:       s.settings,
		normalizers:    s.normalizers,
	}
	for _, t := range s.Tables {
		cp.Tables = append(cp.Tables, t.Clone())
	}
	cp.reindex()
	return cp
}

// ChangeKind says what a Change does.
type ChangeKind uint8

const (
	// CreateTable makes sure the table exists with at least Columns: a
	// destination creates it if missing and adds the columns it lacks, so a
	// CreateTable is safe to apply to an existing table.
	CreateTable ChangeKind = iota + 1
	// AddColumns adds Columns to an existing table (skipping any that
	// already exist).
	AddColumns
)

func (k ChangeKind) String() string {
	switch k {
	case CreateTable:
		return "create table"
	case AddColumns:
		return "add columns"
	}
	return fmt.Sprintf("ChangeKind(%d)", k)
}

// Change is one DDL step needed before rows can be inserted. Changes are
// produced in order: a parent table's creation precedes its children's.
type Change struct {
	Kind   ChangeKind
	Table  string
	Parent string
	// Columns are complete (have a data type), in table order.
	Columns []Column
}

func (c Change) String() string {
	names := make([]string, len(c.Columns))
	for i, col := range c.Columns {
		names[i] = col.Name + " " + string(col.DataType)
	}
	return fmt.Sprintf("%s %s %v", c.Kind, c.Table, names)
}

// TableRows is a batch of rows for one table, ready to insert.
//
// Every row is indexed like Columns; a row may be shorter than Columns, in
// which case the missing trailing values are NULL (columns found later in a
// batch do not force earlier rows to be copied). Types gives each column's
// data type. Values are nil, string, int64, float64, bool, []byte or
// time.Time:
//
//   - text, decimal, wei, time: string (decimal text; "15:04:05.000000")
//   - bigint: int64; double: float64; bool: bool; binary: []byte
//   - timestamp: time.Time in UTC; date: time.Time at midnight UTC
//   - json: string holding compact JSON text
//
// The slices belong to the batch: a destination must not keep them after
// Insert returns.
type TableRows struct {
	Table   string
	Columns []string
	Types   []DataType
	Rows    [][]any
}

// Len returns the number of rows.
func (r *TableRows) Len() int { return len(r.Rows) }
