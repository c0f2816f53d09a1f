package cassette

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/load"
	"github.com/sluicehq/sluice/runtime/schema"
)

// IgnoredColumns differ from load to load whatever the data: a summary
// lists them with their type but hashes none of them. A nested row is
// tied to its parent by the parent's position in content order instead of
// _dlt_parent_id.
var IgnoredColumns = []string{"_dlt_load_id", "_dlt_id", "_dlt_parent_id", "_dlt_root_id"}

// Summary describes what a load left in a destination, without anything
// that changes from run to run: the golden summary of `sluice test`.
type Summary struct {
	Pipeline string                   `yaml:"pipeline"`
	Tables   map[string]*TableSummary `yaml:"tables"`
}

// TableSummary describes one data table.
type TableSummary struct {
	// Parent is the table a nested table hangs from; empty for a root
	// table.
	Parent string `yaml:"parent,omitempty"`
	Rows   int64  `yaml:"rows"`
	// Hash covers every row's values and its parent row, in content
	// order, without IgnoredColumns.
	Hash    string                    `yaml:"hash"`
	Columns map[string]*ColumnSummary `yaml:"columns"`
}

// ColumnSummary is a column's dlt data type and a hash of its values
// (sorted, so that it does not depend on row order); no hash for
// IgnoredColumns.
type ColumnSummary struct {
	Type string `yaml:"type"`
	Hash string `yaml:"hash,omitempty"`
}

// Summarize reads the data tables of the rest_api schema stored in dest
// and summarizes them.
func Summarize(ctx context.Context, dest destination.Reader, pipelineName string) (*Summary, error) {
	sch, err := load.StoredSchema(ctx, dest, "rest_api")
	if err != nil {
		return nil, err
	}
	sum := &Summary{Pipeline: pipelineName, Tables: map[string]*TableSummary{}}
	if sch == nil {
		return sum, nil
	}
	idents := map[string]map[string]string{} // table → _dlt_id → position
	for _, t := range sch.DataTables() {
		ok, err := dest.TableExists(ctx, t.Name)
		if err != nil {
			return nil, err
		}
		cols := t.CompleteColumns()
		if !ok || len(cols) == 0 {
			continue
		}
		ts, ids, err := summarizeTable(ctx, dest, t, cols, idents[t.Parent])
		if err != nil {
			return nil, fmt.Errorf("summarizing table %s: %w", t.Name, err)
		}
		sum.Tables[t.Name] = ts
		idents[t.Name] = ids
	}
	return sum, nil
}

func summarizeTable(ctx context.Context, dest destination.Reader, t *schema.Table, all []*schema.Column, parentIdents map[string]string) (*TableSummary, map[string]string, error) {
	ts := &TableSummary{Parent: t.Parent, Columns: map[string]*ColumnSummary{}}
	var cols []string
	hasID, hasParent := false, false
	for _, c := range all {
		ts.Columns[c.Name] = &ColumnSummary{Type: string(c.DataType)}
		switch {
		case c.Name == "_dlt_id":
			hasID = true
		case c.Name == "_dlt_parent_id":
			hasParent = true
		case slices.Contains(IgnoredColumns, c.Name):
		default:
			cols = append(cols, c.Name)
		}
	}
	sort.Strings(cols)
	sel := make([]string, 0, len(cols)+2)
	for _, c := range cols {
		sel = append(sel, destination.QuoteIdent(c))
	}
	idCol, parentCol := "NULL", "NULL"
	if hasID {
		idCol = destination.QuoteIdent("_dlt_id")
	}
	if hasParent {
		parentCol = destination.QuoteIdent("_dlt_parent_id")
	}
	sel = append(sel, idCol, parentCol)
	q := "SELECT " + strings.Join(sel, ", ") + " FROM " + destination.QuoteIdent(t.Name)

	type row struct {
		key string
		id  string
		v   []string
	}
	var rows []row
	colVals := make([][]string, len(cols))
	err := dest.Query(ctx, q, nil, func(scan func(...any) error) error {
		vals := make([]any, len(sel))
		ptrs := make([]any, len(sel))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := scan(ptrs...); err != nil {
			return err
		}
		r := row{v: make([]string, 0, len(cols)+1)}
		parent := ""
		if p := vals[len(cols)+1]; p != nil {
			parent = "?"
			if id, ok := parentIdents[asString(p)]; ok {
				parent = id
			}
		}
		r.v = append(r.v, strconv.Quote(parent))
		for i := range cols {
			c := canonical(vals[i])
			r.v = append(r.v, c)
			colVals[i] = append(colVals[i], c)
		}
		if id := vals[len(cols)]; id != nil {
			r.id = asString(id)
		}
		r.key = "[" + strings.Join(r.v, ",") + "]"
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].key < rows[j].key })
	ids := make(map[string]string, len(rows))
	h := sha256.New()
	for i, r := range rows {
		if r.id != "" {
			ids[r.id] = strconv.Itoa(i)
		}
		h.Write([]byte(r.key))
		h.Write([]byte{'\n'})
	}
	ts.Rows = int64(len(rows))
	ts.Hash = short(h.Sum(nil))
	for i, c := range cols {
		vs := colVals[i]
		sort.Strings(vs)
		ch := sha256.New()
		for _, v := range vs {
			ch.Write([]byte(v))
			ch.Write([]byte{'\n'})
		}
		ts.Columns[c].Hash = short(ch.Sum(nil))
	}
	return ts, ids, nil
}

func short(sum []byte) string { return hex.EncodeToString(sum[:8]) }

func asString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []byte:
		return string(t)
	}
	return fmt.Sprint(v)
}

// canonical renders a database value as JSON, the same way whatever the
// driver returned: times in UTC, bytes as text when UTF-8 (else base64).
func canonical(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case []byte:
		if utf8.Valid(t) {
			v = string(t)
		} else {
			v = base64.StdEncoding.EncodeToString(t)
		}
	case time.Time:
		v = t.UTC().Format(time.RFC3339Nano)
	case float64:
		return strconv.FormatFloat(t, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(t), 'g', -1, 32)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return strconv.Quote(fmt.Sprint(v))
	}
	return string(b)
}

// goldenHeader opens every golden file.
const goldenHeader = `# Golden summary for sluice test: the tables a replay of the cassette loads,
# their columns with dlt data types, row counts and content hashes (without
# _dlt_load_id and the random _dlt_id, _dlt_parent_id, _dlt_root_id).
# Rewrite it with: sluice test PIPELINE.yaml --update
`

// Marshal returns s as the content of a golden file.
func (s *Summary) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(goldenHeader)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ParseSummary reads a golden file.
func ParseSummary(data []byte) (*Summary, error) {
	var s Summary
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("not a golden summary: %v", err)
	}
	if s.Tables == nil {
		s.Tables = map[string]*TableSummary{}
	}
	for name, t := range s.Tables {
		if t == nil {
			return nil, fmt.Errorf("tables.%s is empty", name)
		}
		if t.Columns == nil {
			t.Columns = map[string]*ColumnSummary{}
		}
		for c, col := range t.Columns {
			if col == nil {
				return nil, fmt.Errorf("tables.%s.columns.%s is empty", name, c)
			}
		}
	}
	return &s, nil
}

// Diff lists, table by table and column by column, how got differs from
// golden; nil when they are the same.
func Diff(golden, got *Summary) []string {
	var out []string
	for _, name := range unionKeys(golden.Tables, got.Tables) {
		g, n := golden.Tables[name], got.Tables[name]
		switch {
		case n == nil:
			out = append(out, fmt.Sprintf("table %s: missing (the golden summary has it, with %d rows)", name, g.Rows))
			continue
		case g == nil:
			out = append(out, fmt.Sprintf("table %s: new table, %d rows, columns %s", name, n.Rows, strings.Join(sortedKeys(n.Columns), ", ")))
			continue
		}
		before := len(out)
		if g.Rows != n.Rows {
			out = append(out, fmt.Sprintf("table %s: %d rows, the golden summary has %d", name, n.Rows, g.Rows))
		}
		if g.Parent != n.Parent {
			out = append(out, fmt.Sprintf("table %s: nested in %q, the golden summary has %q", name, n.Parent, g.Parent))
		}
		for _, c := range unionKeys(g.Columns, n.Columns) {
			gc, nc := g.Columns[c], n.Columns[c]
			switch {
			case nc == nil:
				out = append(out, fmt.Sprintf("table %s, column %s: missing (the golden summary has it, type %s)", name, c, gc.Type))
			case gc == nil:
				out = append(out, fmt.Sprintf("table %s, column %s: new column (type %s)", name, c, nc.Type))
			case gc.Type != nc.Type:
				out = append(out, fmt.Sprintf("table %s, column %s: type %s, the golden summary has %s", name, c, nc.Type, gc.Type))
			case gc.Hash != nc.Hash:
				out = append(out, fmt.Sprintf("table %s, column %s: values differ", name, c))
			}
		}
		if len(out) == before && g.Hash != n.Hash {
			out = append(out, fmt.Sprintf("table %s: the same column values, combined into other rows or tied to other parent rows", name))
		}
	}
	return out
}

func unionKeys[V any](a, b map[string]V) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range []map[string]V{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
