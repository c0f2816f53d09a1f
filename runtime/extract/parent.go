package extract

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/sluicehq/sluice/runtime/jsonpath"
	"github.com/sluicehq/sluice/runtime/placeholder"
)

// fieldPaths caches the compiled JSONPath of each parent field: every
// child chain reads its parent's fields, concurrently.
var fieldPaths sync.Map // field → *jsonpath.Path

// parentField reads field (a JSONPath into the record, dlt §5.1) of a
// parent record; a missing field is dlt's error, with the fields the
// record has.
func parentField(parent, field string, rec any) (any, error) {
	var p *jsonpath.Path
	if v, ok := fieldPaths.Load(field); ok {
		p = v.(*jsonpath.Path)
	} else {
		c, err := jsonpath.Compile(field)
		if err != nil {
			return nil, fmt.Errorf("{resources.%s.%s}: %w", parent, field, err)
		}
		fieldPaths.Store(field, c)
		p = c
	}
	if v, ok := p.First(rec); ok {
		return v, nil
	}
	return nil, fmt.Errorf("a record of resource %s has no field `%s` (for {resources.%s.%s}); its fields are: [%s]",
		parent, field, parent, field, strings.Join(fieldNames(rec), ", "))
}

// fieldNames lists the top-level keys of a record, sorted.
func fieldNames(rec any) []string {
	m, _ := rec.(map[string]any)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// parentFieldNames lists the parent fields ("resources.<p>.<field>") a
// template refers to, in order of first appearance, legacy resolve params
// included.
func (t *RequestTemplate) parentFieldNames() []string {
	var names []string
	add := func(fs []*placeholder.Field) {
		for _, f := range fs {
			n := f.Name
			if r, ok := t.resolve[n]; ok {
				n = r
			}
			if strings.HasPrefix(n, "resources.") && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	add(t.path.Fields())
	for _, q := range t.query {
		add(q.key.Fields())
		for _, v := range q.vals {
			add(v.Fields())
		}
	}
	for _, h := range t.headers {
		add(h.key.Fields())
		add(h.val.Fields())
	}
	if t.json != nil {
		add(t.json.Fields())
	}
	if t.raw != nil {
		add(t.raw.Fields())
	}
	for _, f := range t.form {
		add(f.key.Fields())
		add(f.val.Fields())
	}
	return names
}

// parentKey names the parent of a request chain for per-parent
// incremental state: its values of the fields the endpoint uses, joined
// by "/". It is "" for a top-level chain and for a resource whose cursor
// is shared by all parents.
func (x *Extractor) parentKey(r *Resource, v *Vars) string {
	inc := r.Config.Endpoint.Incremental
	if r.Config.Endpoint.ParamIncremental != nil {
		inc = r.Config.Endpoint.ParamIncremental
	}
	if inc == nil || !inc.PerParent || len(v.Records) != 1 {
		return ""
	}
	var parts []string
	for _, n := range r.tmpl.parentFields {
		val, err := v.lookup(n)
		if err != nil {
			continue
		}
		parts = append(parts, placeholder.String(val))
	}
	return strings.Join(parts, "/")
}

// includeFromParent copies the listed top-level keys of the parent record
// into every child record as `_<parent>_<key>` (dlt §5.4; the normalizer
// then names the column). In a batch, each child record's parent is the
// one whose value of the endpoint's first parent field equals the child's
// parent_batch.match field.
func includeFromParent(r *Resource, v *Vars, records []any) error {
	keys := r.Config.IncludeFromParent
	var byValue map[string]map[string]any
	if len(v.Records) > 1 {
		b := r.Config.Endpoint.ParentBatch
		if b == nil || b.Match == "" || len(r.tmpl.parentFields) == 0 {
			return fmt.Errorf("include_from_parent needs parent_batch.match in a batched request")
		}
		byValue = make(map[string]map[string]any, len(v.Records))
		field := strings.SplitN(r.tmpl.parentFields[0], ".", 3)[2]
		for _, rec := range v.Records {
			val, err := parentField(v.Parent, field, rec)
			if err != nil {
				return err
			}
			m, _ := rec.(map[string]any)
			byValue[placeholder.String(val)] = m
		}
	}
	for i, rec := range records {
		child, ok := rec.(map[string]any)
		if !ok {
			return fmt.Errorf("include_from_parent: record %d of resource %s is not an object", i+1, r.Config.Name)
		}
		var parent map[string]any
		if byValue == nil {
			parent, _ = v.Records[0].(map[string]any)
		} else {
			m := r.Config.Endpoint.ParentBatch.Match
			mv, ok := child[m]
			if !ok {
				return fmt.Errorf("record %d of resource %s has no field %q (parent_batch.match), so its parent is unknown", i+1, r.Config.Name, m)
			}
			if parent = byValue[placeholder.String(mv)]; parent == nil {
				return fmt.Errorf("record %d of resource %s has %s = %s, which no parent record of this batch has", i+1, r.Config.Name, m, placeholder.String(mv))
			}
		}
		for _, k := range keys {
			pv, ok := parent[k]
			if !ok {
				return fmt.Errorf("Resource expects a field `%s` to be present in the incoming data from resource %s in order to include it in child records under `_%s_%s`. Available parent fields are: [%s]",
					k, v.Parent, v.Parent, k, strings.Join(fieldNames(parent), ", "))
			}
			child["_"+v.Parent+"_"+k] = pv
		}
	}
	return nil
}
