package browse

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/sluicehq/sluice/runtime/load"
	"github.com/sluicehq/sluice/runtime/schema"
	"github.com/sluicehq/sluice/runtime/state"
)

// PipelineState is the newest committed state of one pipeline.
type PipelineState struct {
	Pipeline string
	// Version is the state's `_state_version`.
	Version int64
	// Resources are the resources with state, by source then name.
	Resources []ResourceState
	// JSON is the whole state document, indented.
	JSON string
}

// ResourceState is the state of one resource.
type ResourceState struct {
	Source   string
	Resource string
	// Cursors are the resource's incremental cursors, by cursor path.
	Cursors []Cursor
	// JSON is the resource's whole state object, indented.
	JSON string
}

// Cursor is one incremental cursor of a resource.
type Cursor struct {
	// Path is the cursor_path.
	Path string
	// Parent is the parent key of a per-parent cursor (dlt's
	// incremental_by_parent), "" for a resource's one cursor.
	Parent       string
	LastValue    string
	InitialValue string
	// UniqueHashes counts the hashes kept to skip records at LastValue.
	UniqueHashes int
}

// State returns the newest committed state of each pipeline that stored
// one in `_dlt_pipeline_state`, by pipeline name.
func (b *Browser) State(ctx context.Context) ([]*PipelineState, error) {
	for _, t := range []string{schema.PipelineStateTableName, schema.LoadsTableName} {
		ok, err := b.r.TableExists(ctx, t)
		if err != nil || !ok {
			return nil, err
		}
	}
	var names []string
	err := b.r.Query(ctx, `SELECT DISTINCT "pipeline_name" FROM "_dlt_pipeline_state" ORDER BY "pipeline_name"`, nil,
		func(scan func(...any) error) error {
			var n string
			if err := scan(&n); err != nil {
				return err
			}
			names = append(names, n)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("browse: reading _dlt_pipeline_state: %w", err)
	}
	var out []*PipelineState
	for _, n := range names {
		raw, err := load.StoredState(ctx, b.r, n)
		if err != nil {
			return nil, fmt.Errorf("browse: %w", err)
		}
		if raw == nil {
			continue
		}
		ps, err := parseState(n, raw)
		if err != nil {
			return nil, err
		}
		out = append(out, ps)
	}
	return out, nil
}

func parseState(name string, raw []byte) (*PipelineState, error) {
	st, err := state.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("browse: the stored state of %s: %w", name, err)
	}
	ps := &PipelineState{Pipeline: name, Version: st.Version, JSON: indent(st)}
	for _, src := range sortedKeys(st.Sources) {
		srcObj, _ := st.Sources[src].(map[string]any)
		res, _ := srcObj["resources"].(map[string]any)
		for _, r := range sortedKeys(res) {
			obj, _ := res[r].(map[string]any)
			rs := ResourceState{Source: src, Resource: r, JSON: indent(obj)}
			inc, _ := obj["incremental"].(map[string]any)
			rs.Cursors = append(rs.Cursors, cursors(inc, "")...)
			byParent, _ := obj["incremental_by_parent"].(map[string]any)
			for _, k := range sortedKeys(byParent) {
				p, _ := byParent[k].(map[string]any)
				rs.Cursors = append(rs.Cursors, cursors(p, k)...)
			}
			ps.Resources = append(ps.Resources, rs)
		}
	}
	return ps, nil
}

// cursors reads dlt's incremental object: {cursor_path: {last_value,
// initial_value, unique_hashes}}.
func cursors(inc map[string]any, parent string) []Cursor {
	var out []Cursor
	for _, path := range sortedKeys(inc) {
		c, _ := inc[path].(map[string]any)
		if c == nil {
			continue
		}
		cur := Cursor{Path: path, Parent: parent, LastValue: text(c["last_value"]), InitialValue: text(c["initial_value"])}
		if h, ok := c["unique_hashes"].([]any); ok {
			cur.UniqueHashes = len(h)
		}
		out = append(out, cur)
	}
	return out
}

func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func indent(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return ""
	}
	return string(b)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
