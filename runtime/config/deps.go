package config

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/sluicehq/sluice/runtime/placeholder"
)

// formatFields returns the field names of the replacement fields in s, read
// with Python's str.format rules by the parser requests are rendered with
// (package placeholder), and a description of the first syntax error, if
// any.
func formatFields(s string) ([]string, string) {
	t, err := placeholder.Parse(s)
	if err != nil {
		return nil, err.Error()
	}
	var fields []string
	for _, f := range t.Fields() {
		fields = append(fields, f.Name)
	}
	return fields, ""
}

const escapeHint = "write {{ and }} for literal braces"

// depCheck gathers what one resource's endpoint refers to.
type depCheck struct {
	p        *parser
	info     *resInfo
	contexts []string // valid first segments outside the path
	parents  []string
	parentAt map[string]*yaml.Node
}

func (d *depCheck) addParent(name string, at *yaml.Node) {
	if _, ok := d.parentAt[name]; ok {
		return
	}
	d.parentAt[name] = at
	d.parents = append(d.parents, name)
}

// resourceRef records a {resources.<parent>.<field>} reference.
func (d *depCheck) resourceRef(field string, at *yaml.Node) {
	parts := strings.SplitN(field, ".", 3)
	if len(parts) < 3 || parts[1] == "" || parts[2] == "" {
		d.p.at(at, fmt.Sprintf("Invalid definition of `%s`. Expected format: 'resources.<resource>.<field>'", field), "")
		return
	}
	d.addParent(parts[1], at)
}

// expressions checks the placeholders of a string in params, json, data
// or headers (where is that name).
func (d *depCheck) expressions(s string, at *yaml.Node, where string) {
	fields, bad := formatFields(s)
	if bad != "" {
		d.p.at(at, fmt.Sprintf("invalid placeholder in `%s`: %s", where, bad), escapeHint)
	}
	for _, f := range fields {
		switch {
		case strings.HasPrefix(f, "resources."):
			d.resourceRef(f, at)
		case strings.HasPrefix(f, "incremental.") && slices.Contains(d.contexts, "incremental"):
		default:
			quoted := make([]string, len(d.contexts))
			for i, c := range d.contexts {
				quoted[i] = "'" + c + "'"
			}
			hint := escapeHint
			if strings.HasPrefix(f, "incremental.") {
				hint = "{incremental.…} needs endpoint.incremental (with cursor_path); or " + escapeHint
			}
			d.p.at(at, fmt.Sprintf("Expression `%s` defined in `%s` is not valid. Valid expressions must start with one of: `{%s}`. If you need to use literal curly braces in your expression, escape them by doubling them: {{ and }}",
				f, where, strings.Join(quoted, ", ")), hint)
		}
	}
}

// walkStrings calls f for every string key and value under n.
func walkStrings(n *yaml.Node, keys bool, f func(s string, at *yaml.Node)) {
	switch n.Kind {
	case yaml.ScalarNode:
		if isString(n) {
			f(n.Value, n)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if keys {
				f(n.Content[i].Value, n.Content[i])
			}
			walkStrings(n.Content[i+1], keys, f)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			walkStrings(c, keys, f)
		}
	}
}

// checkDependencies runs dlt's semantic checks that need no HTTP (§1.9):
// placeholders, parents, include_from_parent, duplicate incremental
// params, and dependency cycles. It sets Resource.Parent.
func (p *parser) checkDependencies(infos []*resInfo) {
	names := map[string]*resInfo{}
	for _, in := range infos {
		if in.r.Name != "" {
			if _, dup := names[in.r.Name]; !dup {
				names[in.r.Name] = in
			}
		}
	}
	edges := map[*resInfo][]*resInfo{}
	for _, in := range infos {
		d := &depCheck{p: p, info: in, contexts: []string{"resources"}, parentAt: map[string]*yaml.Node{}}
		ep := in.endpoint
		if ep != nil {
			if inc := ep.get("incremental"); inc != nil && !isNull(inc) {
				d.contexts = []string{"incremental", "resources"}
			}
			p.checkEndpointRefs(d, ep)
		}
		r := in.r
		switch {
		case len(d.parents) > 1:
			var where *yaml.Node
			if ep != nil {
				where = ep.node
			}
			p.atPath(childPath(r.Path, "endpoint"), where, fmt.Sprintf("Multiple parent resources for resource `%s`: `%s`", r.Name, strings.Join(d.parents, "`, `")),
				"a resource can depend on one parent only")
		case len(d.parents) == 1:
			r.Parent = d.parents[0]
		}
		for _, parent := range d.parents {
			pi, ok := names[parent]
			if !ok {
				hint := ""
				if c, ok := closest(parent, keysOfInfos(names)); ok {
					hint = fmt.Sprintf("did you mean %q?", c)
				}
				p.at(d.parentAt[parent], fmt.Sprintf("A dependent resource `%s` refers to non existing parent resource `%s`", r.Name, parent), hint)
				continue
			}
			edges[in] = append(edges[in], pi)
		}
		p.checkParentOptions(in, len(d.parents) > 0)
		if len(r.IncludeFromParent) > 0 && len(d.parents) == 0 {
			p.at(in.ifp, fmt.Sprintf("Resource `%s` has `include_from_parent` but is not dependent on another resource", r.Name),
				"reference the parent in the endpoint, e.g. path: \"posts/{resources.posts.id}/comments\"")
		}
	}
	p.checkCycles(infos, edges)
}

func keysOfInfos(m map[string]*resInfo) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (p *parser) checkEndpointRefs(d *depCheck, ep *object) {
	r := d.info.r
	paramsObj := (*object)(nil)
	if pn := ep.get("params"); pn != nil && pn.Kind == yaml.MappingNode {
		paramsObj = newObject(pn, p.origin[pn])
	}

	// path
	var pathFields []string
	if pn := ep.get("path"); pn != nil && isString(pn) {
		fields, bad := formatFields(pn.Value)
		if bad != "" {
			p.at(pn, "invalid placeholder in `path`: "+bad, escapeHint)
		}
		pathFields = fields
		for _, f := range fields {
			switch {
			case !strings.Contains(f, "."):
				if paramsObj == nil || !paramsObj.has(f) {
					given := "{}"
					if paramsObj != nil {
						given = "{" + strings.Join(paramsObj.keys, ", ") + "}"
					}
					p.at(pn, fmt.Sprintf("The path '%s' defined in resource '%s' requires a param named '%s', but it was not found in 'endpoint.params': %s",
						pn.Value, r.Name, f, given), fmt.Sprintf("add params: {%s: …}, or reference a parent with {resources.<parent>.<field>}", f))
				}
			case strings.HasPrefix(f, "resources."):
				d.resourceRef(f, pn)
			case strings.HasPrefix(f, "incremental."):
				if !slices.Contains(d.contexts, "incremental") {
					p.at(pn, fmt.Sprintf("The path '%s' uses `%s` but the endpoint has no incremental", pn.Value, f),
						"add endpoint.incremental with a cursor_path")
				}
			default:
				p.at(pn, fmt.Sprintf("The path '%s' defined in resource '%s' contains a placeholder `%s`. This placeholder is not a valid name. Valid names are: ['resources', 'incremental'].",
					pn.Value, r.Name, f), escapeHint)
			}
		}
	}

	// params
	if paramsObj != nil {
		var incrementals []string
		for _, k := range paramsObj.keys {
			v := paramsObj.value[k]
			if v.Kind == yaml.MappingNode {
				po := newObject(v, p.origin[v])
				t := po.get("type")
				if t == nil || !isString(t) {
					continue // reported by checkParamObject
				}
				switch t.Value {
				case "resolve":
					if res := po.get("resource"); isString(res) {
						d.addParent(res.Value, res)
					}
					if !slices.Contains(pathFields, k) {
						pathStr := ""
						if pn := ep.get("path"); isString(pn) {
							pathStr = pn.Value
						}
						p.at(v, fmt.Sprintf("Resource `%s` defines resolve params `['%s']` that are not bound in path `%s`. To reference parent resource in query params use syntax 'resources.<parent_resource>.<field>'",
							r.Name, k, pathStr), fmt.Sprintf("use {%s} in the path, or write the param as \"{resources.<parent>.<field>}\"", k))
					}
				case "incremental":
					incrementals = append(incrementals, k)
				}
				continue
			}
			walkStrings(v, false, func(s string, at *yaml.Node) { d.expressions(s, at, "params") })
		}
		if len(incrementals) > 1 {
			p.at(paramsObj.node, fmt.Sprintf("Only a single incremental parameter is allowed per endpoint. Found parameters: `['%s']`", strings.Join(incrementals, "', '")), "")
		}
	}

	for _, where := range []string{"json", "data", "headers"} {
		if n := ep.get(where); n != nil && !isNull(n) {
			walkStrings(n, where != "data" || n.Kind == yaml.MappingNode, func(s string, at *yaml.Node) { d.expressions(s, at, where) })
		}
	}
}

// checkCycles reports each dependency cycle once.
func (p *parser) checkCycles(infos []*resInfo, edges map[*resInfo][]*resInfo) {
	const (
		white = iota
		grey
		black
	)
	color := map[*resInfo]int{}
	var stack []*resInfo
	var visit func(n *resInfo)
	visit = func(n *resInfo) {
		color[n] = grey
		stack = append(stack, n)
		for _, m := range edges[n] {
			switch color[m] {
			case white:
				visit(m)
			case grey:
				i := slices.Index(stack, m)
				cycle := stack[i:]
				names := make([]string, 0, len(cycle)+1)
				for _, c := range cycle {
					names = append(names, c.r.Name)
				}
				// the child depends on the parent: print parent first
				slices.Reverse(names)
				names = append(names, names[0])
				at := cycle[0]
				if len(cycle) == 1 {
					p.at(at.nameNode, fmt.Sprintf("Resource `%s` depends on itself", at.r.Name), "a resource cannot use its own fields in its endpoint")
				} else {
					p.at(at.nameNode, "dependency cycle: "+strings.Join(names, " -> "), "parents must form a tree: remove one of the references")
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[n] = black
	}
	for _, in := range infos {
		if color[in] == white {
			visit(in)
		}
	}
}

// checkParentOptions checks the options that only a dependent resource
// can have: endpoint.parent_batch and incremental.per_parent, and what
// they need from each other.
func (p *parser) checkParentOptions(in *resInfo, dependent bool) {
	r := in.r
	b := r.Endpoint.ParentBatch
	inc := r.Endpoint.Incremental
	if r.Endpoint.ParamIncremental != nil {
		inc = r.Endpoint.ParamIncremental
	}
	perParent := inc != nil && inc.PerParent
	if !dependent {
		if b != nil {
			p.atPos(b.Path, b.Pos, fmt.Sprintf("resource `%s` has parent_batch but is not dependent on another resource", r.Name),
				"parent_batch groups the parent records of a dependent resource: reference the parent with {resources.<parent>.<field>}")
		}
		if perParent {
			p.atPos(childPath(inc.Path, "per_parent"), inc.Pos, fmt.Sprintf("resource `%s` has incremental.per_parent but is not dependent on another resource", r.Name),
				"per_parent keeps one cursor per parent record; a top-level resource has one cursor anyway")
		}
		return
	}
	if b != nil && perParent {
		// one request serves several parents, so it cannot carry each
		// parent's own start value
		p.atPos(childPath(inc.Path, "per_parent"), inc.Pos, fmt.Sprintf("resource `%s` has incremental.per_parent and parent_batch: a batched request cannot carry each parent's own cursor", r.Name),
			"use one of them: per_parent (one request per parent) or parent_batch (one shared cursor)")
		return
	}
	if b == nil || b.Match != "" {
		return
	}
	if len(r.IncludeFromParent) > 0 {
		p.atPos(b.Path, b.Pos, fmt.Sprintf("resource `%s` has include_from_parent and parent_batch without match: a child record of a batched request cannot be told apart from its parent", r.Name),
			"add parent_batch.match: the field of each child record that holds the parent's value (e.g. match: user_id)")
	}
}
