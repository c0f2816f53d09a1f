package pipeline

import (
	"fmt"
	"sync"

	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/extract"
	"github.com/sluicehq/sluice/runtime/incremental"
	"github.com/sluicehq/sluice/runtime/state"
)

// The keys of a resource's state object that hold its cursors: dlt's
// incremental.<cursor_path>, and sluice's per-parent cursors of a
// dependent resource, incremental_by_parent.<parent key>.<cursor_path>.
const (
	incrementalKey = "incremental"
	byParentKey    = "incremental_by_parent"
)

// cursors are the incremental cursors of one resource during a run: one
// shared by every request chain (dlt's), or, with incremental.per_parent,
// one per parent record. A dependent resource's chains run concurrently,
// so every call goes through one lock; the cursor's decisions depend on
// the run's fixed start value, not on the order of the calls, so the
// result is the same in any order.
type cursors struct {
	cfg    *config.Incremental
	pk     []string
	saved  map[string]any // the resource's state object, as stored
	mu     sync.Mutex
	shared *incremental.Cursor
	byKey  map[string]*incremental.Cursor
}

// newCursors binds the incremental of r, if it has one, to the stored
// state; nil means r is not incremental.
func newCursors(r *config.Resource, st *state.State) (*cursors, error) {
	cfg := r.Endpoint.Incremental
	if r.Endpoint.ParamIncremental != nil {
		cfg = r.Endpoint.ParamIncremental // dlt: the param's wins
	}
	if cfg == nil {
		return nil, nil
	}
	c := &cursors{cfg: cfg, pk: r.PrimaryKey, saved: st.ResourceState(SchemaName, r.Name)}
	if !cfg.PerParent {
		cur, err := incremental.New(cfg, r.PrimaryKey, c.savedAt(c.saved[incrementalKey]))
		if err != nil {
			return nil, err
		}
		c.shared = cur
	} else {
		c.byKey = map[string]*incremental.Cursor{}
	}
	return c, nil
}

// savedAt returns the cursor's object under an `incremental` object.
func (c *cursors) savedAt(v any) map[string]any {
	m, _ := v.(map[string]any)
	s, _ := m[c.cfg.CursorPath].(map[string]any)
	return s
}

// For returns the cursor of a request chain (extract.Resource.Cursors).
func (c *cursors) For(parentKey string) (extract.Cursor, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.shared != nil {
		return &locked{mu: &c.mu, c: c.shared}, nil
	}
	cur := c.byKey[parentKey]
	if cur == nil {
		byParent, _ := c.saved[byParentKey].(map[string]any)
		var err error
		if cur, err = incremental.New(c.cfg, c.pk, c.savedAt(byParent[parentKey])); err != nil {
			return nil, fmt.Errorf("parent %s: %w", parentKey, err)
		}
		c.byKey[parentKey] = cur
	}
	return &locked{mu: &c.mu, c: cur}, nil
}

// store writes the cursors' state into the resource's state object and
// reports whether it changed. A cursor with no state to keep (an
// end_value backfill) leaves the stored one as it was.
func (c *cursors) store(st *state.State, resource string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	put := func(obj map[string]any, cur *incremental.Cursor) (map[string]any, bool) {
		s := cur.State()
		if s == nil || !cur.Changed() {
			return obj, false
		}
		if obj == nil {
			obj = map[string]any{}
		}
		obj[c.cfg.CursorPath] = s
		return obj, true
	}
	if c.shared != nil {
		obj, _ := c.saved[incrementalKey].(map[string]any)
		obj, changed := put(obj, c.shared)
		if changed {
			st.SetResourceValue(SchemaName, resource, incrementalKey, obj)
		}
		return changed
	}
	byParent, _ := c.saved[byParentKey].(map[string]any)
	stored := false
	for key, cur := range c.byKey {
		obj, _ := byParent[key].(map[string]any)
		obj, changed := put(obj, cur)
		if changed {
			if byParent == nil {
				byParent = map[string]any{}
			}
			byParent[key] = obj
			stored = true
		}
	}
	if stored {
		st.SetResourceValue(SchemaName, resource, byParentKey, byParent)
	}
	return stored
}

// locked serializes the calls on a cursor shared by concurrent chains.
type locked struct {
	mu *sync.Mutex
	c  *incremental.Cursor
}

func (l *locked) Values() map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.c.Values()
}

func (l *locked) Filter(records []any) ([]any, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.c.Filter(records)
}
