package placeholder

import "fmt"

// Tree is a JSON value (a request body) whose keys and strings are
// templates. A string that is one placeholder and nothing else keeps the
// type of its value (dlt §5.5: `{"id": "{resources.users.id}"}` sends the
// number), every other string is rendered.
type Tree struct {
	node any // *Template, map[*Template]*Tree in key order, []*Tree, or a scalar
}

type treeMap struct {
	keys []*Template
	vals []*Tree
}

// ParseTree parses every key and string of v.
func ParseTree(v any) (*Tree, error) {
	switch t := v.(type) {
	case string:
		tp, err := Parse(t)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", t, err)
		}
		return &Tree{node: tp}, nil
	case map[string]any:
		m := &treeMap{}
		for _, k := range sortedKeys(t) {
			kt, err := Parse(k)
			if err != nil {
				return nil, fmt.Errorf("key %q: %w", k, err)
			}
			vt, err := ParseTree(t[k])
			if err != nil {
				return nil, err
			}
			m.keys = append(m.keys, kt)
			m.vals = append(m.vals, vt)
		}
		return &Tree{node: m}, nil
	case []any:
		s := make([]*Tree, len(t))
		for i, e := range t {
			et, err := ParseTree(e)
			if err != nil {
				return nil, err
			}
			s[i] = et
		}
		return &Tree{node: s}, nil
	}
	return &Tree{node: v}, nil
}

// Fields returns every field of the tree's keys and strings.
func (t *Tree) Fields() []*Field {
	var out []*Field
	switch n := t.node.(type) {
	case *Template:
		out = append(out, n.Fields()...)
	case *treeMap:
		for i := range n.keys {
			out = append(out, n.keys[i].Fields()...)
			out = append(out, n.vals[i].Fields()...)
		}
	case []*Tree:
		for _, e := range n {
			out = append(out, e.Fields()...)
		}
	}
	return out
}

// Render builds the JSON value.
func (t *Tree) Render(look Lookup) (any, error) {
	switch n := t.node.(type) {
	case *Template:
		if f, ok := n.Single(); ok {
			return look(f.Name)
		}
		return n.Render(look, nil)
	case *treeMap:
		m := make(map[string]any, len(n.keys))
		for i := range n.keys {
			k, err := n.keys[i].Render(look, nil)
			if err != nil {
				return nil, err
			}
			v, err := n.vals[i].Render(look)
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		return m, nil
	case []*Tree:
		s := make([]any, len(n))
		for i, e := range n {
			v, err := e.Render(look)
			if err != nil {
				return nil, err
			}
			s[i] = v
		}
		return s, nil
	}
	return t.node, nil
}
