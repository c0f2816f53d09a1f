package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// parser holds the state of one Parse: the problems found so far, the YAML
// path of every node, and the secrets collected.
type parser struct {
	opts Options
	res  *resolver

	probs []Problem
	// origin is the YAML path of every node of the document (key nodes get
	// the path of their value), so that a value merged from
	// resource_defaults is still reported where it is written.
	origin map[*yaml.Node]string
	// subst marks string scalars that came (at least in part) from a
	// ${VAR}: numeric fields accept them as numbers.
	subst map[*yaml.Node]bool

	secrets   []string
	secretSet map[string]bool

	// unresolved marks string scalars with a ${VAR} that could not be
	// resolved: that is reported once, and other problems at the same
	// value are dropped.
	unresolved map[*yaml.Node]bool

	// checked marks paginator/auth nodes already given to the registries.
	checked map[*yaml.Node]bool
	// prepped marks nodes already walked by prep (shared through aliases).
	prepped map[*yaml.Node]bool
	// baseURLNode is client.base_url when it passed checkBaseURL.
	baseURLNode *yaml.Node
}

func newParser(opts Options, dir string) *parser {
	if opts.LookupEnv == nil {
		opts.LookupEnv = lookupEnvOS
	}
	return &parser{
		opts:       opts,
		res:        &resolver{lookupEnv: opts.LookupEnv, dir: dir},
		origin:     map[*yaml.Node]string{},
		subst:      map[*yaml.Node]bool{},
		unresolved: map[*yaml.Node]bool{},
		secretSet:  map[string]bool{},
		checked:    map[*yaml.Node]bool{},
		prepped:    map[*yaml.Node]bool{},
	}
}

func (p *parser) addSecret(s string) {
	if s == "" || p.secretSet[s] {
		return
	}
	p.secretSet[s] = true
	p.secrets = append(p.secrets, s)
}

// ---------------------------------------------------------------- paths

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_\-]*$`)

func childSeg(key string) string {
	if identRE.MatchString(key) {
		return "." + key
	}
	return "[" + strconv.Quote(key) + "]"
}

// childPath is the path of key inside the object at path.
func childPath(path, key string) string {
	seg := childSeg(key)
	if path == "" && seg[0] == '.' {
		return key
	}
	return path + seg
}

// parentOf strips key's segment from path.
func parentOf(path, key string) string {
	if path == key {
		return ""
	}
	return strings.TrimSuffix(path, childSeg(key))
}

func indexPath(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}

// ---------------------------------------------------------------- problems

// at reports a problem at node n (its path and position).
func (p *parser) at(n *yaml.Node, msg, hint string) {
	p.atPath(p.origin[n], n, msg, hint)
}

// atPath reports a problem at path, positioned at node n (which may be nil).
func (p *parser) atPath(path string, n *yaml.Node, msg, hint string) {
	if n != nil && p.unresolved[n] {
		return // the missing ${VAR} is the problem reported there
	}
	pr := Problem{Path: path, Msg: msg, Hint: hint}
	if n != nil {
		pr.Line, pr.Column = n.Line, n.Column
	}
	p.probs = append(p.probs, pr)
}

// atPos reports a problem at a value whose node is no longer at hand.
func (p *parser) atPos(path string, pos Pos, msg, hint string) {
	p.probs = append(p.probs, Problem{Path: path, Line: pos.Line, Column: pos.Column, Msg: msg, Hint: hint})
}

// ---------------------------------------------------------------- prep

const maxDepth = 200

// prep walks the document once: it dereferences aliases and expands `<<`
// merge keys, reports duplicate and non-string keys, records the path of
// every node and resolves ${VAR} references in string scalars (whose
// values become secrets). The literal values of an extension's secret
// fields become secrets when it is parsed (checkPlugin), by its Spec.
func (p *parser) prep(n *yaml.Node, path string, depth int) *yaml.Node {
	if n == nil {
		return nil
	}
	if depth > maxDepth {
		p.atPath(path, n, "the document is nested too deeply", "")
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: n.Line, Column: n.Column}
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: n.Line, Column: n.Column}
		}
		t := n.Alias
		if !p.prepped[t] {
			t = p.prep(t, path, depth+1)
		}
		return t
	}
	if p.prepped[n] {
		return n
	}
	p.prepped[n] = true
	if _, ok := p.origin[n]; !ok {
		p.origin[n] = path
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) > 0 {
			return p.prep(n.Content[0], path, depth+1)
		}
		return nil
	case yaml.MappingNode:
		p.expandMerges(n, depth)
		seen := map[string]*yaml.Node{}
		var content []*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.AliasNode && k.Alias != nil {
				k = k.Alias
			}
			if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!null" {
				p.atPath(path, k, "keys must be strings", "")
				continue
			}
			if first, dup := seen[k.Value]; dup {
				p.atPath(childPath(path, k.Value), k, fmt.Sprintf("duplicate key %q", k.Value),
					fmt.Sprintf("it is already set at line %d; remove one of them", first.Line))
				continue
			}
			seen[k.Value] = k
			cp := childPath(path, k.Value)
			if _, ok := p.origin[k]; !ok {
				p.origin[k] = cp
			}
			v = p.prep(v, cp, depth+1)
			if v == nil {
				v = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: k.Line, Column: k.Column}
				p.origin[v] = cp
			}
			content = append(content, k, v)
		}
		n.Content = content
	case yaml.SequenceNode:
		for i, c := range n.Content {
			c = p.prep(c, indexPath(path, i), depth+1)
			if c == nil {
				c = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
			}
			n.Content[i] = c
		}
	case yaml.ScalarNode:
		if n.ShortTag() == "!!str" && !hookCodeRE.MatchString(path) {
			p.resolveScalar(n, path)
		}
	}
	return n
}

// expandMerges replaces `<<: *anchor` (or a list of anchors) by the pairs
// of the referenced mappings; keys given explicitly win, and among merged
// mappings the first one wins, as YAML specifies.
func (p *parser) expandMerges(n *yaml.Node, depth int) {
	has := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge" {
			has = true
		}
	}
	if !has {
		return
	}
	isMerge := func(k *yaml.Node) bool {
		return k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge"
	}
	explicit := map[string]bool{}
	var own, merged []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; !isMerge(k) {
			if k.Kind == yaml.ScalarNode {
				explicit[k.Value] = true
			}
			own = append(own, k, n.Content[i+1])
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !isMerge(k) {
			continue
		}
		var sources []*yaml.Node
		if v.Kind == yaml.SequenceNode {
			sources = v.Content
		} else {
			sources = []*yaml.Node{v}
		}
		for _, s := range sources {
			if s.Kind == yaml.AliasNode && s.Alias != nil {
				s = s.Alias
			}
			if s.Kind != yaml.MappingNode {
				p.atPath("", s, "a << merge key needs a mapping or a list of mappings", "")
				continue
			}
			if depth < maxDepth {
				p.expandMerges(s, depth+1)
			}
			for j := 0; j+1 < len(s.Content); j += 2 {
				sk := s.Content[j]
				if sk.Kind != yaml.ScalarNode || explicit[sk.Value] {
					continue
				}
				explicit[sk.Value] = true
				merged = append(merged, sk, s.Content[j+1])
			}
		}
	}
	n.Content = append(own, merged...)
}

// hookCodeRE matches the paths of hook code: a processing step's
// expression, an incremental convert, a scripted response action, the
// script of a js paginator or auth. Code is never ${…}-interpolated: `${x}`
// there is JavaScript's template literal, and values reach a hook through
// its config (host.config), where ${…} works as everywhere else.
var hookCodeRE = regexp.MustCompile(`(processing_steps\[\d+\]\.(filter|map|flat_map|yield_map)(\.(js|cel))?$)|(\.(convert|transform)(\.(js|cel))?$)|(response_actions\[\d+\](\.action)?\.(js|cel)$)|(\.(paginator|auth)\.(script|source)$)`)

// resolveScalar expands ${VAR} references in a string scalar in place.
func (p *parser) resolveScalar(n *yaml.Node, path string) {
	if !strings.Contains(n.Value, "$") {
		return
	}
	out, uses, errs := p.res.expand(n.Value)
	if p.res.loadProblem != nil {
		p.probs = append(p.probs, *p.res.loadProblem)
		p.res.loadProblem = nil
	}
	for _, u := range uses {
		if u.secret() {
			p.addSecret(u.Value)
		}
	}
	for _, e := range errs {
		hint := e.Hint
		if e.Name != "" && looksLikeScript(path) {
			hint += "; if this is a JavaScript template literal, write $${…}"
		}
		p.atPath(path, n, e.Msg, hint)
	}
	if len(errs) > 0 {
		p.unresolved[n] = true
	}
	if len(uses) > 0 {
		p.subst[n] = true
	}
	n.Value = out
	n.Tag = "!!str"
}

func looksLikeScript(path string) bool {
	for _, s := range []string{"processing_steps", "script", ".js", ".cel", "convert", "response_actions"} {
		if strings.Contains(path, s) {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------- values

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// isString reports whether n is a string scalar. An unquoted timestamp
// counts: YAML decodes it into a string too.
func isString(n *yaml.Node) bool {
	if n == nil || n.Kind != yaml.ScalarNode {
		return false
	}
	t := n.ShortTag()
	return t == "!!str" || t == "!!timestamp"
}

// describe names the kind of a node for "expected …, got …" messages.
func describe(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "an object"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "null"
		case "!!bool":
			return "a boolean"
		case "!!int", "!!float":
			return "a number"
		case "!!str":
			return "a string"
		}
		return "a " + strings.TrimPrefix(n.ShortTag(), "!!")
	}
	return "something else"
}

// value converts a node to plain Go values: map[string]any, []any, string,
// bool, int, float64 or nil.
func value(n *yaml.Node) any {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = value(n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, c := range n.Content {
			s[i] = value(c)
		}
		return s
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil
		case "!!str":
			return n.Value
		case "!!bool", "!!int", "!!float":
			var v any
			if err := n.Decode(&v); err == nil {
				if u, ok := v.(uint64); ok && u <= 1<<63-1 {
					return int(u)
				}
				if i, ok := v.(int64); ok {
					return int(i)
				}
				return v
			}
		}
		return n.Value
	}
	return nil
}

// intValue reads an integer; a string from ${VAR} that holds one counts.
func (p *parser) intValue(n *yaml.Node) (int64, bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return 0, false
	}
	switch n.ShortTag() {
	case "!!int":
		var v int64
		if err := n.Decode(&v); err == nil {
			return v, true
		}
	case "!!float":
		var f float64
		if err := n.Decode(&f); err == nil && f == float64(int64(f)) {
			return int64(f), true
		}
	case "!!str":
		if p.subst[n] {
			if v, err := strconv.ParseInt(strings.TrimSpace(n.Value), 10, 64); err == nil {
				return v, true
			}
		}
	}
	return 0, false
}

// floatValue reads a number; a string from ${VAR} that holds one counts.
func (p *parser) floatValue(n *yaml.Node) (float64, bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return 0, false
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		var f float64
		if err := n.Decode(&f); err == nil {
			return f, true
		}
	case "!!str":
		if p.subst[n] {
			if v, err := strconv.ParseFloat(strings.TrimSpace(n.Value), 64); err == nil {
				return v, true
			}
		}
	}
	return 0, false
}

// boolValue reads true/false; a string from ${VAR} that holds one counts.
func (p *parser) boolValue(n *yaml.Node) (bool, bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return false, false
	}
	switch n.ShortTag() {
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err == nil {
			return b, true
		}
	case "!!str":
		if p.subst[n] {
			if b, err := strconv.ParseBool(strings.TrimSpace(n.Value)); err == nil {
				return b, true
			}
		}
	}
	return false, false
}

// ---------------------------------------------------------------- objects

// object is a mapping node with its keys indexed.
type object struct {
	node  *yaml.Node
	path  string
	keys  []string
	key   map[string]*yaml.Node
	value map[string]*yaml.Node
}

func newObject(n *yaml.Node, path string) *object {
	o := &object{node: n, path: path, key: map[string]*yaml.Node{}, value: map[string]*yaml.Node{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if _, dup := o.key[k]; dup {
			continue
		}
		o.keys = append(o.keys, k)
		o.key[k] = n.Content[i]
		o.value[k] = n.Content[i+1]
	}
	return o
}

// asObject returns n as an object, or reports that an object was expected.
func (p *parser) asObject(n *yaml.Node, what string) (*object, bool) {
	if n == nil || n.Kind != yaml.MappingNode {
		p.at(n, fmt.Sprintf("expected %s, got %s", what, describe(n)), "")
		return nil, false
	}
	return newObject(n, p.origin[n]), true
}

// get returns the value of key, or nil when absent.
func (o *object) get(key string) *yaml.Node {
	if o == nil {
		return nil
	}
	return o.value[key]
}

func (o *object) has(key string) bool {
	_, ok := o.value[key]
	return ok
}

// str reads a string field; null and absent give "", false.
func (p *parser) str(o *object, key string) (string, bool) {
	v := o.get(key)
	if v == nil || isNull(v) {
		return "", false
	}
	if !isString(v) {
		p.at(v, fmt.Sprintf("expected a string, got %s", describe(v)), "")
		return "", false
	}
	return v.Value, true
}

// oneOf reads a string field that must be one of choices.
func (p *parser) oneOf(o *object, key string, choices []string) (string, bool) {
	v := o.get(key)
	if v == nil || isNull(v) {
		return "", false
	}
	return p.enum(v, choices)
}

// enum checks a scalar against choices.
func (p *parser) enum(v *yaml.Node, choices []string) (string, bool) {
	if !isString(v) {
		p.at(v, fmt.Sprintf("expected one of: %s, got %s", strings.Join(choices, ", "), describe(v)), "")
		return "", false
	}
	for _, c := range choices {
		if v.Value == c {
			return c, true
		}
	}
	hint := ""
	if c, ok := closest(v.Value, choices); ok {
		hint = fmt.Sprintf("did you mean %q?", c)
	}
	p.at(v, fmt.Sprintf("expected one of: %s (got %q)", strings.Join(choices, ", "), v.Value), hint)
	return "", false
}

// boolField reads a bool field.
func (p *parser) boolField(o *object, key string) (bool, bool) {
	v := o.get(key)
	if v == nil || isNull(v) {
		return false, false
	}
	b, ok := p.boolValue(v)
	if !ok {
		p.at(v, fmt.Sprintf("expected true or false, got %s", describe(v)), "")
	}
	return b, ok
}

// intField reads an integer field that must be at least lo.
func (p *parser) intField(o *object, key string, lo int64) (int64, bool) {
	v := o.get(key)
	if v == nil || isNull(v) {
		return 0, false
	}
	n, ok := p.intValue(v)
	if !ok {
		p.at(v, fmt.Sprintf("expected an integer, got %s", describe(v)), "")
		return 0, false
	}
	if n < lo {
		p.at(v, fmt.Sprintf("must be at least %d (got %d)", lo, n), "")
		return 0, false
	}
	return n, true
}

// numField reads a number field; positive requires > 0, otherwise ≥ 0.
func (p *parser) numField(o *object, key string, positive bool) (float64, bool) {
	v := o.get(key)
	if v == nil || isNull(v) {
		return 0, false
	}
	f, ok := p.floatValue(v)
	if !ok {
		p.at(v, fmt.Sprintf("expected a number, got %s", describe(v)), "")
		return 0, false
	}
	if positive && f <= 0 {
		p.at(v, fmt.Sprintf("must be greater than 0 (got %v)", f), "")
		return 0, false
	}
	if !positive && f < 0 {
		p.at(v, fmt.Sprintf("must not be negative (got %v)", f), "")
		return 0, false
	}
	return f, true
}

// stringOrList reads a string or a list of strings (primary_key, merge_key).
func (p *parser) stringOrList(v *yaml.Node) ([]string, bool) {
	if v == nil || isNull(v) {
		return nil, false
	}
	if isString(v) {
		return []string{v.Value}, true
	}
	if v.Kind == yaml.SequenceNode {
		out := make([]string, 0, len(v.Content))
		ok := true
		for _, c := range v.Content {
			if !isString(c) {
				p.at(c, fmt.Sprintf("expected a string, got %s", describe(c)), "")
				ok = false
				continue
			}
			out = append(out, c.Value)
		}
		return out, ok
	}
	p.at(v, fmt.Sprintf("expected a list of strings or a string, got %s", describe(v)), "")
	return nil, false
}

// stringList reads a list of strings.
func (p *parser) stringList(v *yaml.Node) ([]string, bool) {
	if v == nil || isNull(v) {
		return nil, false
	}
	if v.Kind != yaml.SequenceNode {
		hint := ""
		if isString(v) {
			hint = fmt.Sprintf("write a list: [%s]", v.Value)
		}
		p.at(v, fmt.Sprintf("expected a list of strings, got %s", describe(v)), hint)
		return nil, false
	}
	return p.stringOrList(v)
}

// ---------------------------------------------------------------- synthetic nodes

// synthString makes a string node positioned at like, with path path.
func (p *parser) synthString(s string, like *yaml.Node, path string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if like != nil {
		n.Line, n.Column = like.Line, like.Column
	}
	p.origin[n] = path
	return n
}

// synthMap makes a mapping node positioned at like, with path path.
func (p *parser) synthMap(like *yaml.Node, path string, content ...*yaml.Node) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: content}
	if like != nil {
		n.Line, n.Column = like.Line, like.Column
	}
	p.origin[n] = path
	return n
}
