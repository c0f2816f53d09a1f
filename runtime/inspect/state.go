package inspect

import (
	"context"
	"sort"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/load"
	"github.com/sluicehq/sluice/runtime/state"
)

// The keys of a resource's state object that hold its cursors, as package
// pipeline writes them: dlt's incremental.<cursor_path>, and the
// per-parent cursors of a dependent resource,
// incremental_by_parent.<parent key>.<cursor_path>.
const (
	incrementalKey = "incremental"
	byParentKey    = "incremental_by_parent"
)

// State returns the pipeline state committed with the newest completed
// load of pipeline (`_dlt_pipeline_state`), or nil when there is none.
func State(ctx context.Context, r destination.Reader, pipeline string) (*state.State, error) {
	b, err := load.StoredState(ctx, r, pipeline)
	if err != nil || b == nil {
		return nil, err
	}
	return state.Parse(b)
}

// ResourceState is what the state keeps for one resource.
type ResourceState struct {
	Resource string `json:"resource"`
	// Cursors are the resource's incremental cursors: one, or with
	// incremental.per_parent one per parent (ParentKey set).
	Cursors []Cursor `json:"cursors,omitempty"`
	// KV is the key-value store its hooks kept, if any.
	KV map[string]any `json:"kv,omitempty"`
}

// Cursor is one incremental cursor as stored.
type Cursor struct {
	CursorPath string `json:"cursor_path"`
	// ParentKey names the parent record of a per-parent cursor (its
	// rendered parent field values, joined by /); "" otherwise.
	ParentKey    string `json:"parent_key,omitempty"`
	InitialValue any    `json:"initial_value"`
	LastValue    any    `json:"last_value"`
	StartValue   any    `json:"start_value,omitempty"`
	// UniqueHashes counts the hashes of the records at the last value
	// that are kept to skip them next time.
	UniqueHashes int `json:"unique_hashes"`
}

// Resources returns the state of every resource of source in st, sorted by
// name.
func Resources(st *state.State, source string) []ResourceState {
	if st == nil {
		return nil
	}
	src, _ := st.Sources[source].(map[string]any)
	res, _ := src["resources"].(map[string]any)
	names := make([]string, 0, len(res))
	for n := range res {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]ResourceState, 0, len(names))
	for _, n := range names {
		obj, _ := res[n].(map[string]any)
		rs := ResourceState{Resource: n}
		rs.Cursors = append(rs.Cursors, cursorsOf(obj[incrementalKey], "")...)
		byParent, _ := obj[byParentKey].(map[string]any)
		keys := make([]string, 0, len(byParent))
		for k := range byParent {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			rs.Cursors = append(rs.Cursors, cursorsOf(byParent[k], k)...)
		}
		if kv, ok := obj[state.KVKey].(map[string]any); ok && len(kv) > 0 {
			rs.KV = kv
		}
		out = append(out, rs)
	}
	return out
}

// cursorsOf reads an `incremental` object: cursor path → cursor state.
func cursorsOf(v any, parentKey string) []Cursor {
	m, _ := v.(map[string]any)
	paths := make([]string, 0, len(m))
	for p := range m {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var out []Cursor
	for _, p := range paths {
		c, _ := m[p].(map[string]any)
		hashes, _ := c["unique_hashes"].([]any)
		out = append(out, Cursor{CursorPath: p, ParentKey: parentKey, InitialValue: c["initial_value"], LastValue: c["last_value"],
			StartValue: c["start_value"], UniqueHashes: len(hashes)})
	}
	return out
}
