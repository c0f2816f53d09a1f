package extension

import (
	"encoding/json"
	"fmt"
	"maps"
	"sync"
)

// Limits of a resource's key-value store: it lives in the pipeline state,
// which is written with every load, so it is meant for cursors, tokens and
// small maps, not for data.
const (
	MaxKVKey   = 256     // bytes in a key
	MaxKVBytes = 1 << 20 // bytes of all values, JSON-encoded
)

// MemoryKV is a KV kept in memory; the engine seeds it from the pipeline
// state and writes Snapshot back into the state before the load commits.
type MemoryKV struct {
	mu    sync.Mutex
	m     map[string]any
	sizes map[string]int
	total int
}

// NewMemoryKV returns a KV holding a copy of initial.
func NewMemoryKV(initial map[string]any) *MemoryKV {
	kv := &MemoryKV{m: map[string]any{}, sizes: map[string]int{}}
	for k, v := range initial {
		b, err := json.Marshal(v)
		if err != nil {
			continue
		}
		kv.m[k] = CloneJSON(v)
		kv.sizes[k] = len(b)
		kv.total += len(b)
	}
	return kv
}

// Get returns a copy of the value under key.
func (kv *MemoryKV) Get(key string) (any, bool) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	v, ok := kv.m[key]
	return CloneJSON(v), ok
}

// Set stores a copy of value under key; a nil value deletes the key. It
// fails on a key that is empty or too long, a value that is not JSON, and
// a store that would grow past MaxKVBytes.
func (kv *MemoryKV) Set(key string, value any) error {
	if key == "" || len(key) > MaxKVKey {
		return fmt.Errorf("kv: a key must have 1 to %d bytes", MaxKVKey)
	}
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if value == nil {
		kv.total -= kv.sizes[key]
		delete(kv.m, key)
		delete(kv.sizes, key)
		return nil
	}
	b, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("kv: the value of %q is not JSON: %w", key, err)
	}
	if total := kv.total - kv.sizes[key] + len(b); total > MaxKVBytes {
		return fmt.Errorf("kv: setting %q would grow the store to %d bytes, over its limit of %d", key, total, MaxKVBytes)
	}
	kv.total += len(b) - kv.sizes[key]
	kv.sizes[key] = len(b)
	kv.m[key] = CloneJSON(value)
	return nil
}

// Snapshot returns a copy of the whole store, nil when it is empty.
func (kv *MemoryKV) Snapshot() map[string]any {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if len(kv.m) == 0 {
		return nil
	}
	out := maps.Clone(kv.m)
	for k, v := range out {
		out[k] = CloneJSON(v)
	}
	return out
}

var _ KV = (*MemoryKV)(nil)
