package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/sluicehq/sluice/runtime/extension"
)

// parsePlugin reads a paginator or an auth (kind "paginator" or "auth"):
// a type name, or an object with `type` and arguments. It returns nil when
// there is none (absent type of a paginator means auto) and null=true for
// an explicit null. With Options.Registries set, the type and arguments are
// checked by building one.
func (p *parser) parsePlugin(n *yaml.Node, kind string) (pl *Plugin, null bool) {
	if isNull(n) {
		return nil, true
	}
	path := p.origin[n]
	pos := Pos{Line: n.Line, Column: n.Column}
	switch {
	case isString(n):
		if n.Value == "" {
			p.at(n, fmt.Sprintf("%s type must not be empty", kind), "")
			return nil, false
		}
		if kind == "paginator" && n.Value == "auto" {
			return nil, false
		}
		pl = &Plugin{Type: n.Value, Path: path, Pos: pos}
		p.checkPlugin(kind, pl, n, n)
		return pl, false
	case n.Kind != yaml.MappingNode:
		p.at(n, fmt.Sprintf("expected %s type name or an object with type, got %s", article(kind), describe(n)), "")
		return nil, false
	}
	o := newObject(n, path)
	pl = &Plugin{Path: path, Pos: pos}
	typeNode := o.get("type")
	switch {
	case typeNode == nil || isNull(typeNode):
		if kind == "auth" {
			pl.Type = "bearer" // dlt: an auth object without type is bearer
		} else {
			pl.Type = "auto"
		}
	case !isString(typeNode):
		p.at(typeNode, fmt.Sprintf("expected a string, got %s", describe(typeNode)), "")
		return nil, false
	default:
		pl.Type = typeNode.Value
	}
	for _, k := range o.keys {
		if k == "type" {
			continue
		}
		if pl.Args == nil {
			pl.Args = map[string]any{}
		}
		pl.Args[k] = value(o.value[k])
	}
	if _, ok := pl.Args[extension.HookModule]; ok {
		pl.Args[HookDir] = p.res.dir // a relative module is read from the pipeline file's folder
	}
	if kind == "paginator" && pl.Type == "auto" {
		if len(pl.Args) > 0 {
			msg := `the "auto" paginator takes no other fields`
			hint := "give the paginator a type, e.g. type: json_link"
			if typeNode == nil || isNull(typeNode) {
				msg = `missing field "type" (without it the paginator is "auto", which takes no other fields)`
				p.atPath(childPath(path, "type"), n, msg, hint)
			} else {
				p.at(typeNode, msg, hint)
			}
		}
		return nil, false
	}
	if typeNode == nil || isNull(typeNode) {
		p.checkPlugin(kind, pl, n, n)
	} else {
		p.checkPlugin(kind, pl, n, typeNode)
	}
	return pl, false
}

// checkPlugin parses pl with the registries — the side-effect-free half
// of the extension lifecycle: nothing is built, compiled or opened — and
// turns what goes wrong into problems: an unknown type at <path>.type,
// each bad argument at <path>.<field> (at the field's line, or the
// object's when it is absent). The values of the fields the type's spec
// marks secret become secrets, however they were written.
func (p *parser) checkPlugin(kind string, pl *Plugin, n, typeNode *yaml.Node) {
	reg := p.opts.Registries
	if reg == nil || p.checked[n] {
		return
	}
	p.checked[n] = true
	var (
		err  error
		spec extension.Spec
	)
	switch kind {
	case "paginator":
		if reg.Paginators == nil {
			return
		}
		_, err = reg.Paginators.Parse(pl.Type, pl.Args)
		spec, _ = reg.Paginators.Spec(pl.Type)
	case "auth":
		if reg.Auths == nil {
			return
		}
		_, err = reg.Auths.Parse(pl.Type, pl.Args)
		spec, _ = reg.Auths.Spec(pl.Type)
	}
	var args *object
	if n.Kind == yaml.MappingNode {
		args = newObject(n, pl.Path)
	}
	for _, f := range spec.SecretFields() {
		switch v := pl.Args[f].(type) {
		case nil:
		case string:
			// A ${NAME} that could not be resolved (its problem is
			// reported) still reads "${NAME}": the variable's name, which
			// the problem must show, not a secret.
			if args == nil || !p.unresolved[args.value[f]] {
				p.addSecret(v)
			}
		case map[string]any, []any:
		default:
			// a mistyped secret (token: 12345678) is still a secret: the
			// problem that says so must not print it
			p.addSecret(fmt.Sprint(v))
		}
	}
	if err == nil {
		return
	}
	var ute *extension.UnknownTypeError
	if errors.As(err, &ute) {
		hint := ""
		if c, ok := closest(ute.Type, ute.Known); ok {
			hint = fmt.Sprintf("did you mean %q?", c)
		}
		path := childPath(pl.Path, "type")
		if msg, h, ok := notYetDLT(kind, ute.Type, ute.Known); ok {
			p.atPath(path, typeNode, msg, h)
			return
		}
		p.atPath(path, typeNode, fmt.Sprintf("unknown %s type %q; known types: %s", kind, ute.Type, strings.Join(ute.Known, ", ")), hint)
		return
	}
	errs, ok := argErrors(err)
	if !ok {
		p.atPath(pl.Path, n, fmt.Sprintf("invalid %s %q: %v", kind, pl.Type, err), "")
		return
	}
	var o *object
	if n.Kind == yaml.MappingNode {
		o = newObject(n, pl.Path)
	}
	for _, ae := range errs {
		if ae == nil {
			continue
		}
		if ae.Field == "" {
			p.atPath(pl.Path, n, fmt.Sprintf("invalid %s %q: %s", kind, pl.Type, ae.Msg), "")
			continue
		}
		if o != nil && p.unresolved[o.value[ae.Field]] {
			continue
		}
		path, at := p.argLocation(o, pl.Path, ae.Field, n)
		hint := ""
		if ae.Msg == "unknown field" && o != nil {
			fields := spec.FieldNames()
			if c, ok := closest(ae.Field, fields); ok {
				hint = fmt.Sprintf("did you mean %q?", c)
			} else if len(fields) > 0 {
				hint = fmt.Sprintf("%s %s takes: %s", pl.Type, kind, strings.Join(fields, ", "))
			}
		}
		msg := ae.Msg
		if msg == "unknown field" {
			msg = fmt.Sprintf("unknown field %q", ae.Field)
		}
		p.atPath(path, at, msg, hint)
	}
}

// checkHook parses a hook (a processing step of kind, an incremental
// convert, a scripted response action) with its registry — side-effect
// free, as for paginators — so that code that does not compile, an engine
// this build lacks or a wrong config is a problem of validate, at the
// hook's line.
func (p *parser) checkHook(point string, h *Hook, kind string) {
	reg := p.opts.Registries
	if reg == nil || h.Builtin() {
		return
	}
	pl := h.Plugin(kind)
	var err error
	switch point {
	case "step":
		if reg.Steps == nil {
			return
		}
		_, err = reg.Steps.Parse(pl.Type, pl.Args)
	case "convert":
		if reg.Converts == nil {
			return
		}
		_, err = reg.Converts.Parse(pl.Type, pl.Args)
	case "action":
		if reg.Actions == nil {
			return
		}
		_, err = reg.Actions.Parse(pl.Type, pl.Args)
	}
	if err == nil {
		return
	}
	var ute *extension.UnknownTypeError
	if errors.As(err, &ute) {
		var engines []string
		for _, k := range ute.Known {
			if slices.Contains(hookEngines, k) {
				engines = append(engines, k)
			}
		}
		have := "none"
		if len(engines) > 0 {
			have = strings.Join(engines, ", ")
		}
		p.atPos(h.Path, h.Pos, fmt.Sprintf("this build of sluice runs no %s hooks here (its engines: %s)", h.Engine, have),
			"write the hook in one of those engines")
		return
	}
	errs, ok := argErrors(err)
	if !ok {
		p.atPos(h.Path, h.Pos, fmt.Sprintf("%s hook: %v", h.Engine, err), "")
		return
	}
	for _, ae := range errs {
		if ae == nil {
			continue
		}
		path := h.Path
		if ae.Field == extension.HookConfig || strings.HasPrefix(ae.Field, extension.HookConfig+".") {
			path = childPath(h.Path, ae.Field)
		}
		p.atPos(path, h.Pos, fmt.Sprintf("%s hook: %s", h.Engine, ae.Msg), "")
	}
}

// argErrors returns the field problems a parse step reported, as a list;
// ok is false for any other error.
func argErrors(err error) (errs extension.ArgErrors, ok bool) {
	var one *extension.ArgError
	switch {
	case errors.As(err, &errs):
		return errs, true
	case errors.As(err, &one):
		return extension.ArgErrors{one}, true
	}
	return nil, false
}

// argLocation finds the node of a (possibly dotted) argument field.
func (p *parser) argLocation(o *object, base, field string, fallback *yaml.Node) (string, *yaml.Node) {
	path := childPath(base, field)
	if o == nil {
		return path, fallback
	}
	if k, ok := o.key[field]; ok {
		return p.originOr(o.value[field], path), k
	}
	// a dotted field: walk down as far as the nodes go
	parts := strings.Split(field, ".")
	cur, at := o, fallback
	curPath := base
	for _, part := range parts {
		curPath = childPath(curPath, part)
		if cur == nil {
			break
		}
		k, ok := cur.key[part]
		if !ok {
			break
		}
		at = k
		v := cur.value[part]
		if v.Kind == yaml.MappingNode {
			cur = newObject(v, curPath)
		} else {
			cur = nil
		}
	}
	return path, at
}

func (p *parser) originOr(n *yaml.Node, def string) string {
	if s, ok := p.origin[n]; ok && s != "" {
		return s
	}
	return def
}

func article(w string) string {
	if strings.ContainsRune("aeiou", rune(w[0])) {
		return "an " + w
	}
	return "a " + w
}
