package state

// ResourceState returns the state object of one resource, dlt's
// sources.<source>.resources.<resource>, or nil when it has none.
func (s *State) ResourceState(source, resource string) map[string]any {
	src, _ := s.Sources[source].(map[string]any)
	res, _ := src["resources"].(map[string]any)
	r, _ := res[resource].(map[string]any)
	return r
}

// SetResourceValue sets key in the state object of one resource, creating
// the objects on the way; a nil value deletes the key (and leaves no empty
// objects behind).
func (s *State) SetResourceValue(source, resource, key string, value any) {
	if value == nil {
		r := s.ResourceState(source, resource)
		if r == nil {
			return
		}
		delete(r, key)
		return
	}
	if s.Sources == nil {
		s.Sources = map[string]any{}
	}
	src, _ := s.Sources[source].(map[string]any)
	if src == nil {
		src = map[string]any{}
		s.Sources[source] = src
	}
	res, _ := src["resources"].(map[string]any)
	if res == nil {
		res = map[string]any{}
		src["resources"] = res
	}
	r, _ := res[resource].(map[string]any)
	if r == nil {
		r = map[string]any{}
		res[resource] = r
	}
	r[key] = value
}

// KVKey is the key of a resource's hook key-value store in its state
// object (sources.<source>.resources.<resource>.kv).
const KVKey = "kv"

// ResourceKV returns the key-value store a resource's hooks kept, or nil.
func (s *State) ResourceKV(source, resource string) map[string]any {
	kv, _ := s.ResourceState(source, resource)[KVKey].(map[string]any)
	return kv
}
