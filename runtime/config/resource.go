package config

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/sluicehq/sluice/runtime/jsonpath"
	"github.com/sluicehq/sluice/runtime/naming"
)

// resInfo is a parsed resource with the nodes the dependency checks need.
type resInfo struct {
	r        *Resource
	nameNode *yaml.Node
	endpoint *object // the merged endpoint
	ifp      *yaml.Node
}

// expandResource turns the string form and the endpoint shorthands into a
// mapping whose endpoint is a mapping with a path (dlt's steps 1–2; the
// default path is the resource name, set before the defaults are merged).
// The original nodes are not changed.
func (p *parser) expandResource(item *yaml.Node, path string) (*yaml.Node, bool) {
	switch {
	case isString(item):
		if item.Value == "" {
			p.at(item, "a resource name must not be empty", "")
			return nil, false
		}
		ep := p.synthMap(item, childPath(path, "endpoint"),
			p.synthString("path", item, childPath(path, "endpoint")), p.synthString(item.Value, item, path))
		return p.synthMap(item, path,
			p.synthString("name", item, path), item,
			p.synthString("endpoint", item, path), ep), true
	case item.Kind != yaml.MappingNode:
		p.at(item, fmt.Sprintf("expected a resource name or an object with name and endpoint, got %s", describe(item)), "")
		return nil, false
	}
	o := newObject(item, path)
	if d, ep := o.get("data"), o.get("endpoint"); d != nil && ep != nil && !isNull(ep) {
		p.at(d, "a resource has either data (its rows, written here) or an endpoint, not both", "remove data to load from the API, or endpoint to load the rows written here")
	}
	nameNode := o.get("name")
	name := ""
	if isString(nameNode) {
		name = nameNode.Value
	}
	// a new mapping with the same pairs, so that the endpoint can be
	// replaced without touching the document
	content := slices.Clone(item.Content)
	epPath := childPath(path, "endpoint")
	ep := o.get("endpoint")
	var newEp *yaml.Node
	switch {
	case ep == nil || isNull(ep):
		like := item
		if ep != nil {
			like = ep
		}
		newEp = p.synthMap(like, epPath)
	case isString(ep):
		newEp = p.synthMap(ep, epPath, p.synthString("path", ep, epPath), ep)
	case ep.Kind == yaml.MappingNode:
		newEp = p.synthMap(ep, p.origin[ep], slices.Clone(ep.Content)...)
	}
	if newEp != nil {
		eo := newObject(newEp, epPath)
		if pv := eo.get("path"); (pv == nil || isNull(pv)) && name != "" {
			var pathNode *yaml.Node
			if nameNode != nil {
				pathNode = p.synthString(name, nameNode, childPath(epPath, "path"))
			}
			// replace a `path: null`, or add the path
			if pv != nil {
				for i := 0; i+1 < len(newEp.Content); i += 2 {
					if newEp.Content[i].Value == "path" {
						newEp.Content[i+1] = pathNode
					}
				}
			} else {
				newEp.Content = append(newEp.Content, p.synthString("path", nameNode, childPath(epPath, "path")), pathNode)
			}
		}
		if ep == nil {
			content = append(content, p.synthString("endpoint", item, epPath), newEp)
		} else {
			for i := 0; i+1 < len(content); i += 2 {
				if content[i].Value == "endpoint" {
					content[i+1] = newEp
				}
			}
		}
	}
	return p.synthMap(item, path, content...), true
}

// mergeDefaults merges resource_defaults into an expanded resource as dlt
// does (§1.4): top-level keys of the resource replace the defaults' whole;
// inside endpoint, keys replace as a whole except params and json, which
// are merged one level deep; columns are merged per column and per hint.
// An explicit null in the resource wins. Nodes keep their own paths.
func (p *parser) mergeDefaults(def, res *yaml.Node, path string) *yaml.Node {
	if def == nil || def.Kind != yaml.MappingNode {
		// still normalise the columns of the resource
		return p.mergePairs(nil, res, path, func(key string, d, r *yaml.Node) *yaml.Node {
			if key == "columns" && !isNull(r) {
				return p.mergeColumns(nil, r, childPath(path, "columns"))
			}
			return r
		})
	}
	return p.mergePairs(def, res, path, func(key string, d, r *yaml.Node) *yaml.Node {
		switch key {
		case "name":
			return r // a name in resource_defaults is an error reported there
		case "endpoint":
			if d != nil && isString(d) {
				d = p.synthMap(d, p.origin[d], p.synthString("path", d, p.origin[d]), d)
			}
			if d == nil || r == nil || d.Kind != yaml.MappingNode || r.Kind != yaml.MappingNode {
				break
			}
			epPath := childPath(path, "endpoint")
			return p.mergePairs(d, r, epPath, func(key string, d, r *yaml.Node) *yaml.Node {
				if (key == "params" || key == "json") && d != nil && r != nil &&
					d.Kind == yaml.MappingNode && r.Kind == yaml.MappingNode {
					return p.mergePairs(d, r, p.origin[r], nil)
				}
				if r != nil {
					return r
				}
				return d
			})
		case "columns":
			if r == nil || !isNull(r) {
				return p.mergeColumns(d, r, childPath(path, "columns"))
			}
		}
		if r != nil {
			return r
		}
		return d
	})
}

// mergePairs builds a mapping with the keys of d (in d's order) then the
// keys only in r; combine decides each value (nil combine: r wins).
func (p *parser) mergePairs(d, r *yaml.Node, path string, combine func(key string, d, r *yaml.Node) *yaml.Node) *yaml.Node {
	if combine == nil {
		combine = func(_ string, d, r *yaml.Node) *yaml.Node {
			if r != nil {
				return r
			}
			return d
		}
	}
	like := r
	if like == nil {
		like = d
	}
	out := p.synthMap(like, path)
	var ro *object
	if r != nil {
		ro = newObject(r, path)
	}
	done := map[string]bool{}
	if d != nil {
		for i := 0; i+1 < len(d.Content); i += 2 {
			k := d.Content[i]
			if done[k.Value] {
				continue
			}
			done[k.Value] = true
			var rv *yaml.Node
			key := k
			if ro != nil && ro.has(k.Value) {
				rv = ro.get(k.Value)
				key = ro.key[k.Value]
			}
			if v := combine(k.Value, d.Content[i+1], rv); v != nil {
				out.Content = append(out.Content, key, v)
			}
		}
	}
	if r != nil {
		for i := 0; i+1 < len(r.Content); i += 2 {
			k := r.Content[i]
			if done[k.Value] {
				continue
			}
			done[k.Value] = true
			if v := combine(k.Value, nil, r.Content[i+1]); v != nil {
				out.Content = append(out.Content, k, v)
			}
		}
	}
	return out
}

// columnEntry is one column of a columns map or list.
type columnEntry struct {
	name    string
	keyNode *yaml.Node // the map key, or the name field of a list entry
	hints   *yaml.Node // mapping
}

// columnEntries reads columns in map or list form.
func (p *parser) columnEntries(n *yaml.Node) []columnEntry {
	if n == nil || isNull(n) {
		return nil
	}
	var out []columnEntry
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if isNull(v) {
				v = p.synthMap(k, p.origin[k])
			}
			if v.Kind != yaml.MappingNode {
				p.at(v, fmt.Sprintf("expected an object of column hints, got %s", describe(v)), "e.g. {data_type: bigint, nullable: false}")
				continue
			}
			out = append(out, columnEntry{name: k.Value, keyNode: k, hints: v})
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if c.Kind != yaml.MappingNode {
				p.at(c, fmt.Sprintf("expected a column object with a name, got %s", describe(c)), "")
				continue
			}
			co := newObject(c, p.origin[c])
			nm := co.get("name")
			if nm == nil || isNull(nm) {
				p.atPath(co.path, c, `missing required field "name"`, "each column in a list needs a name")
				continue
			}
			if !isString(nm) {
				p.at(nm, fmt.Sprintf("expected a string, got %s", describe(nm)), "")
				continue
			}
			out = append(out, columnEntry{name: nm.Value, keyNode: co.key["name"], hints: c})
		}
	default:
		p.at(n, fmt.Sprintf("expected an object of columns or a list of column objects, got %s", describe(n)), "")
	}
	return out
}

// mergeColumns returns a mapping of column name to hints: the default
// columns first, each merged with the resource's hints of the same column,
// then the columns only the resource has.
func (p *parser) mergeColumns(d, r *yaml.Node, path string) *yaml.Node {
	if r != nil && !isNull(r) && r.Kind != yaml.MappingNode && r.Kind != yaml.SequenceNode {
		p.columnEntries(r) // reports the type error
		return r
	}
	de, re := p.columnEntries(d), p.columnEntries(r)
	like := r
	if like == nil {
		like = d
	}
	out := p.synthMap(like, path)
	rIdx := map[string]columnEntry{}
	for _, c := range re {
		rIdx[c.name] = c
	}
	done := map[string]bool{}
	for _, c := range de {
		if done[c.name] {
			continue
		}
		done[c.name] = true
		hints := c.hints
		key := c.keyNode
		if rc, ok := rIdx[c.name]; ok {
			hints = p.mergePairs(c.hints, rc.hints, p.origin[rc.hints], nil)
			key = rc.keyNode
		}
		out.Content = append(out.Content, p.synthColumnKey(c.name, key), hints)
	}
	for _, c := range re {
		if done[c.name] {
			continue
		}
		done[c.name] = true
		out.Content = append(out.Content, p.synthColumnKey(c.name, c.keyNode), c.hints)
	}
	return out
}

func (p *parser) synthColumnKey(name string, like *yaml.Node) *yaml.Node {
	return p.synthString(name, like, p.origin[like])
}

// ---------------------------------------------------------------- resource

var (
	writeDispositions = []string{"append", "replace", "merge", "skip"}
	mergeStrategies   = []string{"delete-insert", "upsert", "insert-only", "scd2"}
	replaceStrategies = []string{"truncate-and-insert", "insert-from-staging", "staging-optimized"}
	dataTypes         = []string{"text", "bigint", "double", "bool", "timestamp", "date", "time", "decimal", "wei", "json", "binary", "complex"}
)

// parseResource reads a merged resource (or, with defaults set, the
// resource_defaults object on its own).
func (p *parser) parseResource(n *yaml.Node, defaults bool) *resInfo {
	o := newObject(n, p.origin[n])
	lv := lvResource
	if defaults {
		lv = lvDefaults
	}
	p.checkKeys(o, lv)
	r := &Resource{Selected: true, WriteDisposition: "append"}
	info := &resInfo{r: r}

	if !defaults {
		nm := o.get("name")
		switch {
		case nm == nil || isNull(nm):
			p.atPath(o.path, n, `missing required field "name"`, "each resource needs a name (it is also the default path and table name)")
		case !isString(nm):
			p.at(nm, fmt.Sprintf("expected a string, got %s", describe(nm)), "")
		case nm.Value == "":
			p.at(nm, "a resource name must not be empty", "")
		default:
			r.Name = nm.Value
			info.nameNode = nm
		}
	}

	if ep := o.get("endpoint"); ep != nil && !isNull(ep) {
		if isString(ep) {
			ep = p.synthMap(ep, p.origin[ep], p.synthString("path", ep, p.origin[ep]), ep)
		}
		if eo, ok := p.asObject(ep, "a path or an endpoint object"); ok {
			info.endpoint = eo
			p.parseEndpoint(eo, &r.Endpoint)
		}
	}
	if r.Endpoint.Method == "" {
		r.Endpoint.Method = "GET"
	}

	if s, ok := p.str(o, "table_name"); ok {
		if s == "" {
			p.at(o.get("table_name"), "table_name must not be empty", "")
		}
		r.TableName = s
	}
	if r.TableName == "" {
		r.TableName = r.Name
	}
	if r.TableName != "" && (naming.Convention{}).NormalizeTablesPath(r.TableName) == "" {
		at := o.get("table_name")
		if at == nil {
			at = info.nameNode
		}
		p.at(at, fmt.Sprintf("%q gives no table name: it is blank once normalized (spaces and __ only)", r.TableName),
			"give the resource a table_name with a letter or digit")
	}
	if wd := o.get("write_disposition"); wd != nil && !isNull(wd) {
		p.parseWriteDisposition(wd, r)
	}
	if r.WriteDisposition == "merge" && r.MergeStrategy == "" {
		r.MergeStrategy = "delete-insert"
	}
	r.PrimaryKey, _ = p.stringOrList(o.get("primary_key"))
	r.MergeKey, _ = p.stringOrList(o.get("merge_key"))
	info.ifp = o.get("include_from_parent")
	r.IncludeFromParent, _ = p.stringList(info.ifp)
	r.ProcessingSteps = p.processingSteps(o.get("processing_steps"))
	if b, ok := p.boolField(o, "selected"); ok {
		r.Selected = b
	}
	if b, ok := p.boolField(o, "parallelized"); ok {
		r.Parallelized = b
	}
	if v, ok := p.intField(o, "max_table_nesting", 0); ok {
		m := int(v)
		r.MaxTableNesting = &m
	}
	if c := o.get("columns"); c != nil && !isNull(c) {
		if defaults {
			c = p.mergeColumns(nil, c, p.origin[c])
		}
		p.parseColumns(c, r)
	}
	if !defaults {
		p.checkMerge(o, r)
	}
	if l := o.get("limits"); l != nil && !isNull(l) {
		if lo, ok := p.asObject(l, "an object {timeout_ms, memory_mb}"); ok {
			p.checkKeys(lo, lvLimits)
			if v, ok := p.intField(lo, "timeout_ms", 1); ok {
				r.Limits.TimeoutMS = int(v)
			}
			if v, ok := p.intField(lo, "memory_mb", 1); ok {
				r.Limits.MemoryMB = int(v)
			}
		}
	}
	if nh := o.get("nested_hints"); nh != nil && !isNull(nh) {
		r.NestedHints = p.nestedHints(nh)
	}
	if d := o.get("data"); d != nil && !defaults {
		p.inlineData(d, o, r)
	}
	for _, k := range passThroughKeys {
		if v := o.get(k); v != nil && !isNull(v) {
			if r.Extra == nil {
				r.Extra = map[string]any{}
			}
			r.Extra[k] = value(v)
		}
	}
	if s, ok := p.str(o, "parent_table_name"); ok && s == "" {
		p.at(o.get("parent_table_name"), "parent_table_name must not be empty", "")
	}
	r.at = make(map[string]loc, len(o.keys))
	for _, k := range o.keys {
		if v := o.value[k]; !isNull(v) {
			kn := o.key[k]
			r.at[k] = loc{path: p.originOr(kn, childPath(o.path, k)), pos: posOf(kn)}
		}
	}
	return info
}

func (p *parser) parseWriteDisposition(wd *yaml.Node, r *Resource) {
	if isString(wd) {
		if slices.Contains(mergeStrategies, wd.Value) {
			p.at(wd, fmt.Sprintf("expected one of: %s (got %q)", strings.Join(writeDispositions, ", "), wd.Value),
				fmt.Sprintf("%s is a merge strategy: write {disposition: merge, strategy: %s}", wd.Value, wd.Value))
			return
		}
		if v, ok := p.enum(wd, writeDispositions); ok {
			r.WriteDisposition = v
		}
		return
	}
	if wd.Kind != yaml.MappingNode {
		p.at(wd, fmt.Sprintf("expected one of: %s, or an object {disposition, strategy}, got %s",
			strings.Join(writeDispositions, ", "), describe(wd)), "")
		return
	}
	o := newObject(wd, p.origin[wd])
	p.checkKeys(o, lvWriteDisposition)
	if !o.has("disposition") || isNull(o.get("disposition")) {
		p.atPath(o.path, wd, `missing required field "disposition"`, "e.g. {disposition: merge, strategy: upsert}")
	} else if v, ok := p.oneOf(o, "disposition", writeDispositions); ok {
		r.WriteDisposition = v
	}
	if s := o.get("strategy"); s != nil && !isNull(s) {
		switch r.WriteDisposition {
		case "merge":
			if v, ok := p.enum(s, mergeStrategies); ok {
				r.MergeStrategy = v
			}
		case "replace":
			if v, ok := p.enum(s, replaceStrategies); ok {
				r.ReplaceStrategy = v
			}
		default:
			p.at(s, fmt.Sprintf("a strategy applies to merge and replace, not to %s", r.WriteDisposition), "")
		}
	}
	for _, k := range o.keys {
		if k == "disposition" || k == "strategy" || !slices.Contains(writeDispositionKeys, k) {
			continue
		}
		if r.WriteDispositionOptions == nil {
			r.WriteDispositionOptions = map[string]any{}
		}
		r.WriteDispositionOptions[k] = value(o.get(k))
	}
}

// checkMerge checks what a merge strategy needs: upsert updates by primary
// key (from primary_key or a column hint) and has no use for merge_key;
// deduplicated is a bool.
func (p *parser) checkMerge(o *object, r *Resource) {
	wd := o.get("write_disposition")
	if r.WriteDisposition != "merge" || wd == nil {
		return
	}
	if v, ok := r.WriteDispositionOptions["deduplicated"]; ok {
		if _, isBool := v.(bool); !isBool {
			at := wd
			if wd.Kind == yaml.MappingNode {
				if n := newObject(wd, p.origin[wd]).get("deduplicated"); n != nil {
					at = n
				}
			}
			p.at(at, fmt.Sprintf("deduplicated must be true or false, got %v", v), "")
		}
	}
	if r.MergeStrategy != "upsert" {
		return
	}
	pk := len(r.PrimaryKey) > 0
	for _, c := range r.Columns {
		if b, _ := c["primary_key"].(bool); b {
			pk = true
		}
	}
	if !pk {
		p.at(wd, fmt.Sprintf("resource %s: the upsert strategy updates records by primary key, and the resource has none", r.Name),
			"set primary_key on the resource (e.g. primary_key: id), or use strategy delete-insert with a merge_key")
	}
	if len(r.MergeKey) > 0 {
		at := o.get("merge_key")
		if at == nil {
			at = wd
		}
		p.at(at, fmt.Sprintf("resource %s: the upsert strategy does not use merge_key", r.Name),
			"remove merge_key, or use strategy delete-insert, which deletes the records of each merge_key value before inserting")
	}
}

// nestedHints reads a resource's nested_hints: an object keyed by nested
// table paths (`orders`, `orders__items`) whose values hold
// max_table_nesting and columns. dlt's other nested hints are refused.
func (p *parser) nestedHints(n *yaml.Node) map[string]*NestedHint {
	o, ok := p.asObject(n, "an object keyed by nested table paths, such as {orders: {max_table_nesting: 0}}")
	if !ok {
		return nil
	}
	out := make(map[string]*NestedHint, len(o.keys))
	for _, k := range o.keys {
		v := o.value[k]
		path := childPath(o.path, k)
		if strings.Trim(k, "_ ") == "" {
			p.at(o.key[k], fmt.Sprintf("nested_hints key %q is not a table path", k), "name the list, such as orders, or orders__items for a list inside it")
			continue
		}
		ho, ok := p.asObject(v, "an object of table hints (max_table_nesting, columns)")
		if !ok {
			continue
		}
		h := &NestedHint{Path: path, Pos: Pos{Line: v.Line, Column: v.Column}}
		for _, hk := range ho.keys {
			if slices.Contains(nestedHintLaterKeys, hk) {
				p.atPath(childPath(path, hk), ho.key[hk], fmt.Sprintf("nested_hints: %s is not supported in this version yet", hk),
					"sluice applies max_table_nesting and columns to nested tables; remove "+hk)
			}
		}
		known := newObject(v, p.origin[v])
		known.keys = slices.DeleteFunc(slices.Clone(known.keys), func(k string) bool { return slices.Contains(nestedHintLaterKeys, k) })
		p.checkKeys(known, lvNestedHint)
		if m, ok := p.intField(ho, "max_table_nesting", 0); ok {
			mi := int(m)
			h.MaxTableNesting = &mi
		}
		if c := ho.get("columns"); c != nil && !isNull(c) {
			var r Resource
			p.parseColumns(p.mergeColumns(nil, c, p.origin[c]), &r)
			h.Columns, h.ColumnOrder = r.Columns, r.ColumnOrder
		}
		out[k] = h
	}
	return out
}

func (p *parser) parseColumns(n *yaml.Node, r *Resource) {
	if n == nil || n.Kind != yaml.MappingNode {
		return // reported by mergeColumns
	}
	r.Columns = map[string]map[string]any{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		name, hints := n.Content[i].Value, n.Content[i+1]
		ho := newObject(hints, p.origin[hints])
		p.checkKeys(ho, lvColumn)
		if dt := ho.get("data_type"); dt != nil && !isNull(dt) {
			p.enum(dt, dataTypes)
		}
		for _, b := range []string{"nullable", "primary_key", "merge_key", "unique", "sort", "partition", "cluster",
			"hard_delete", "variant", "row_key", "parent_key", "root_key", "incremental", "timezone"} {
			p.boolField(ho, b)
		}
		p.intField(ho, "precision", 0)
		p.intField(ho, "scale", 0)
		p.oneOf(ho, "dedup_sort", []string{"asc", "desc"})
		p.str(ho, "description")
		m := value(hints).(map[string]any)
		delete(m, "name")
		r.Columns[name] = m
		r.ColumnOrder = append(r.ColumnOrder, name)
	}
}

// ---------------------------------------------------------------- endpoint

var methods = []string{"GET", "POST"}

func (p *parser) parseEndpoint(o *object, e *Endpoint) {
	p.checkKeys(o, lvEndpoint)
	if s, ok := p.str(o, "path"); ok {
		e.Path = s
	}
	if m := o.get("method"); m != nil && !isNull(m) {
		if isString(m) && slices.Contains(methods, strings.ToUpper(m.Value)) && !slices.Contains(methods, m.Value) {
			p.at(m, fmt.Sprintf("expected one of: GET, POST (got %q)", m.Value), fmt.Sprintf("methods are case-sensitive: write %s", strings.ToUpper(m.Value)))
		} else if v, ok := p.enum(m, methods); ok {
			e.Method = v
		}
	}
	if pn := o.get("params"); pn != nil && !isNull(pn) {
		if po, ok := p.asObject(pn, "an object of query parameters"); ok {
			e.Params = make(map[string]any, len(po.keys))
			for _, k := range po.keys {
				v := po.value[k]
				if v.Kind == yaml.MappingNode {
					if inc := p.checkParamObject(k, newObject(v, p.origin[v])); inc != nil {
						if e.ParamIncremental == nil {
							e.ParamIncremental = inc
						}
					}
				}
				e.Params[k] = value(v)
				e.ParamOrder = append(e.ParamOrder, k)
			}
		}
	}
	if j := o.get("json"); j != nil && !isNull(j) {
		e.JSON = value(j)
	}
	if d := o.get("data"); d != nil && !isNull(d) {
		switch {
		case isString(d), d.Kind == yaml.MappingNode:
		case d.Kind == yaml.SequenceNode:
			for _, c := range d.Content {
				if c.Kind != yaml.SequenceNode || len(c.Content) != 2 {
					p.at(c, fmt.Sprintf("expected a [key, value] pair, got %s", describe(c)), "")
				}
			}
		default:
			p.at(d, fmt.Sprintf("expected an object, a list of [key, value] pairs or a string, got %s", describe(d)), "")
		}
		e.Data = value(d)
	}
	if nonEmpty(e.JSON) && nonEmpty(e.Data) {
		p.at(o.get("data"), "Cannot use both 'json' and 'data' parameters simultaneously", "send a JSON body with json or a form body with data, not both")
	}
	e.Headers = p.headers(o.get("headers"))
	if pg := o.get("paginator"); pg != nil {
		e.Paginator, _ = p.parsePlugin(pg, "paginator")
	}
	if s, ok := p.str(o, "data_selector"); ok {
		e.DataSelector = s
		// empty means detect, as null does
		if _, err := jsonpath.Compile(s); err != nil && s != "" {
			p.at(o.get("data_selector"), err.Error(), "e.g. data, $.data, $.results[*]")
		}
	}
	if ra := o.get("response_actions"); ra != nil && !isNull(ra) {
		e.ResponseActions = p.responseActions(ra)
	}
	if in := o.get("incremental"); in != nil && !isNull(in) {
		if io, ok := p.asObject(in, "an object with cursor_path"); ok {
			e.Incremental = p.parseIncremental(io, "")
		}
	}
	if a := o.get("auth"); a != nil {
		var null bool
		e.Auth, null = p.parsePlugin(a, "auth")
		e.NoAuth = null
	}
	if pb := o.get("parent_batch"); pb != nil && !isNull(pb) {
		e.ParentBatch = p.parentBatch(pb)
	}
}

// inlineData reads a resource's `data:`, its rows written in the file: a
// list of objects (or null for none). Such a resource has no endpoint.
func (p *parser) inlineData(d *yaml.Node, o *object, r *Resource) {
	r.HasData = true
	if isNull(d) {
		return
	}
	if d.Kind != yaml.SequenceNode {
		p.at(d, fmt.Sprintf("expected a list of rows (objects), got %s", describe(d)), "data: [{id: 1, name: a}, {id: 2, name: b}]")
		return
	}
	for _, c := range d.Content {
		if c.Kind != yaml.MappingNode {
			p.at(c, fmt.Sprintf("expected a row (an object), got %s", describe(c)), "each row is an object, e.g. {id: 1, name: a}")
			return
		}
	}
	rows, _ := jsonTypes(value(d)).([]any)
	r.Data = rows
	if rows == nil {
		r.Data = []any{}
	}
}

// jsonTypes gives a YAML value the types the JSON decoder gives API
// records: integers as int64, a timestamp as its text.
func jsonTypes(v any) any {
	switch t := v.(type) {
	case int:
		return int64(t)
	case map[string]any:
		for k, e := range t {
			t[k] = jsonTypes(e)
		}
	case []any:
		for i, e := range t {
			t[i] = jsonTypes(e)
		}
	}
	return v
}

// parentBatch reads endpoint.parent_batch: {size: 50, separator: ",",
// match: user_id}.
func (p *parser) parentBatch(n *yaml.Node) *ParentBatch {
	o, ok := p.asObject(n, "an object {size, separator, match}")
	if !ok {
		return nil
	}
	p.checkKeys(o, lvParentBatch)
	b := &ParentBatch{Separator: ",", Path: o.path, Pos: posOf(n)}
	if v, found := p.intField(o, "size", 1); found {
		b.Size = int(v)
	} else if !o.has("size") {
		p.atPath(o.path, n, `missing required field "size"`, "size is how many parent records go into one child request, e.g. 50")
	}
	if s, found := p.str(o, "separator"); found {
		b.Separator = s
	}
	if s, found := p.str(o, "match"); found {
		b.Match = s
	}
	return b
}

func nonEmpty(v any) bool {
	switch t := v.(type) {
	case nil:
		return false
	case map[string]any:
		return len(t) > 0
	case []any:
		return len(t) > 0
	case string:
		return t != ""
	}
	return true
}

// checkParamObject checks a param given as an object: dlt's legacy
// {type: resolve, resource, field} and {type: incremental, cursor_path, …};
// it returns the latter.
func (p *parser) checkParamObject(name string, o *object) *Incremental {
	t := o.get("type")
	if t == nil || !isString(t) || (t.Value != "resolve" && t.Value != "incremental") {
		got := "None"
		if t != nil && t.Kind == yaml.ScalarNode {
			got = t.Value
		}
		at := t
		if at == nil {
			at = o.node
		}
		p.atPath(childPath(o.path, "type"), at, fmt.Sprintf("Received invalid value `%s['type']`=%s: a param given as an object needs type resolve or incremental", name, got),
			"to send a structured value, use json; for a parent's field write \"{resources.<parent>.<field>}\"")
		return nil
	}
	if t.Value == "resolve" {
		for _, k := range o.keys {
			if k != "type" && k != "resource" && k != "field" {
				hint := ""
				if c, ok := closest(k, []string{"resource", "field"}); ok {
					hint = fmt.Sprintf("did you mean %q?", c)
				}
				p.atPath(p.origin[o.key[k]], o.key[k], fmt.Sprintf("unknown field %q", k), hint)
			}
		}
		for _, k := range []string{"resource", "field"} {
			if v := o.get(k); v == nil || isNull(v) {
				p.atPath(o.path, o.node, fmt.Sprintf("missing required field %q", k), "a resolve param is {type: resolve, resource: <parent>, field: <field>}")
			} else if !isString(v) {
				p.at(v, fmt.Sprintf("expected a string, got %s", describe(v)), "")
			}
		}
		return nil
	}
	return p.parseIncremental(o, name)
}
