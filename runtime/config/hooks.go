package config

import (
	"fmt"
	"github.com/sluicehq/sluice/runtime/cursorvalue"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/sluicehq/sluice/runtime/jsonpath"
)

func posOf(n *yaml.Node) Pos {
	if n == nil {
		return Pos{}
	}
	return Pos{Line: n.Line, Column: n.Column}
}

// ---------------------------------------------------------------- hooks

var hookEngines = []string{EngineJS, EngineCEL, EngineWASM}

// parseHook reads a hook: a string (JavaScript) or one of {js: …},
// {cel: …}, {wasm: …, config: …}. ok is false when it is malformed (the
// problems are reported).
func (p *parser) parseHook(v *yaml.Node) (Hook, bool) {
	h := Hook{Path: p.origin[v], Pos: posOf(v)}
	if isString(v) {
		if strings.TrimSpace(v.Value) == "" {
			p.at(v, "a hook must not be empty", "write a JavaScript expression, or {js: …}, {cel: …}, {wasm: …}")
			return h, false
		}
		h.Engine, h.Source = EngineJS, v.Value
		return h, true
	}
	if v.Kind != yaml.MappingNode {
		p.at(v, fmt.Sprintf("expected a JavaScript expression or {js: …}, {cel: …}, {wasm: …}, got %s", describe(v)), "")
		return h, false
	}
	return p.hookObject(newObject(v, p.origin[v]), nil)
}

// hookObject reads the engine and config fields of o as a hook; the keys in
// other belong to the enclosing object (a response action's matchers) and
// are skipped.
func (p *parser) hookObject(o *object, other []string) (Hook, bool) {
	h := Hook{Path: o.path, Pos: posOf(o.node)}
	ok := true
	var engines []string
	for _, k := range o.keys {
		x := o.get(k)
		switch {
		case slices.Contains(hookEngines, k):
			engines = append(engines, k)
			if !isString(x) {
				p.at(x, fmt.Sprintf("expected a string, got %s", describe(x)), "")
				ok = false
				continue
			}
			if strings.TrimSpace(x.Value) == "" {
				p.at(x, fmt.Sprintf("%s must not be empty", k), "")
				ok = false
				continue
			}
			h.Engine = k
			if k == EngineWASM {
				h.Module = x.Value
				h.Dir = p.res.dir
			} else {
				h.Source = x.Value
			}
		case k == "config":
			if isNull(x) {
				continue
			}
			if x.Kind != yaml.MappingNode {
				p.at(x, fmt.Sprintf("expected an object, got %s", describe(x)), "config is handed to the hook as an object")
				ok = false
				continue
			}
			h.Config = value(x).(map[string]any)
		case slices.Contains(other, k):
		default:
			hint := ""
			if c, found := closest(k, []string{"js", "cel", "wasm", "config"}); found {
				hint = fmt.Sprintf("did you mean %q?", c)
			}
			p.atPath(p.origin[o.key[k]], o.key[k], fmt.Sprintf("unknown field %q", k), hint)
			ok = false
		}
	}
	if len(engines) != 1 {
		msg := "a hook needs exactly one of: js, cel, wasm"
		if len(engines) > 1 {
			msg += fmt.Sprintf(" (got %s)", strings.Join(engines, ", "))
		}
		p.atPath(o.path, o.node, msg, "")
		return h, false
	}
	return h, ok
}

// ---------------------------------------------------------------- processing steps

func (p *parser) processingSteps(n *yaml.Node) []ProcessingStep {
	if n == nil || isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.at(n, fmt.Sprintf("expected a list of steps, got %s", describe(n)), "e.g. [{filter: \"item.active\"}, {map: {cel: \"…\"}}]")
		return nil
	}
	var out []ProcessingStep
	for _, c := range n.Content {
		if c.Kind != yaml.MappingNode {
			p.at(c, fmt.Sprintf("expected a step object (filter, map or flat_map), got %s", describe(c)), "")
			continue
		}
		o := newObject(c, p.origin[c])
		p.checkKeys(o, lvProcessingStep)
		if len(o.keys) == 0 {
			p.at(c, "a step needs one of: filter, map, flat_map", "")
			continue
		}
		// dlt applies the functions of one entry in this fixed order,
		// whatever order they are written in.
		for _, k := range processingStepKeys {
			v := o.get(k)
			if v == nil {
				continue
			}
			if h, ok := p.parseHook(v); ok {
				p.checkHook("step", &h, k)
				out = append(out, ProcessingStep{Kind: k, Hook: h, Path: p.origin[c], Pos: posOf(c)})
			}
		}
	}
	return out
}

// ---------------------------------------------------------------- response actions

var (
	builtinActions = []string{ActionIgnore, ActionRetry, ActionFail}
	actionWordRE   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

func (p *parser) responseActions(n *yaml.Node) []ResponseAction {
	if n.Kind != yaml.SequenceNode {
		p.at(n, fmt.Sprintf("expected a list of response actions, got %s", describe(n)), "e.g. [{status_code: 404, action: ignore}]")
		return nil
	}
	var out []ResponseAction
	for _, c := range n.Content {
		if c.Kind != yaml.MappingNode {
			p.at(c, fmt.Sprintf("expected an object {status_code, content, action}, got %s", describe(c)), "")
			continue
		}
		o := newObject(c, p.origin[c])
		p.checkKeys(o, lvResponseAction)
		ra := ResponseAction{Path: o.path, Pos: posOf(c)}
		ok := true
		if sc := o.get("status_code"); sc != nil && !isNull(sc) {
			ra.StatusCodes, ok = p.statusCodes(sc)
		}
		if s := o.get("content"); s != nil && !isNull(s) {
			if !isString(s) {
				p.at(s, fmt.Sprintf("expected a string, got %s", describe(s)), "")
				ok = false
			} else {
				ra.Content = s.Value
			}
		}
		inline := slices.ContainsFunc(o.keys, func(k string) bool { return slices.Contains(hookEngines, k) })
		a := o.get("action")
		switch {
		case inline && a != nil:
			p.atPath(p.origin[o.key["action"]], o.key["action"], "a response action has either action or a hook (js, cel, wasm), not both", "")
			ok = false
		case inline:
			// the entry is a hook itself: {js: …} runs on every response
			// (or on those the matchers select)
			h, hok := p.hookObject(o, []string{"status_code", "content", "action"})
			ra.Action, ok = h, ok && hok
		case a == nil || isNull(a):
			p.atPath(o.path, c, `missing required field "action"`, "e.g. {status_code: 404, action: ignore}")
			ok = false
		default:
			h, hok := p.action(a)
			ra.Action, ok = h, ok && hok
			if hok && ra.Action.Builtin() && isNull(o.get("status_code")) && isNull(o.get("content")) {
				p.at(a, fmt.Sprintf("action %s needs status_code or content: without them it applies to every response", ra.Action.Engine),
					"e.g. {status_code: 404, action: ignore}")
				ok = false
			}
		}
		if ok {
			p.checkHook("action", &ra.Action, "")
			out = append(out, ra)
		}
	}
	return out
}

// action reads a response action's action: a built-in (ignore, retry,
// fail), a JavaScript expression or a hook object. A bare word that is not a
// built-in is taken for a misspelt one rather than a JavaScript variable.
func (p *parser) action(a *yaml.Node) (Hook, bool) {
	if isString(a) {
		if slices.Contains(builtinActions, a.Value) {
			return Hook{Engine: a.Value, Path: p.origin[a], Pos: posOf(a)}, true
		}
		if actionWordRE.MatchString(a.Value) {
			hint := "write a JavaScript expression over response, or {js: …}, {cel: …}, {wasm: …}"
			if c, ok := closest(a.Value, builtinActions); ok {
				hint = fmt.Sprintf("did you mean %q?", c)
			}
			p.at(a, fmt.Sprintf("unknown action %q; expected one of: %s, or a hook", a.Value, strings.Join(builtinActions, ", ")), hint)
			return Hook{}, false
		}
	}
	return p.parseHook(a)
}

// statusCodes reads 404, "404", "4xx" or a list of those.
func (p *parser) statusCodes(n *yaml.Node) ([]StatusMatch, bool) {
	if n.Kind == yaml.SequenceNode {
		if len(n.Content) == 0 {
			p.at(n, "status_code must not be an empty list", "")
			return nil, false
		}
		var out []StatusMatch
		ok := true
		for _, c := range n.Content {
			if c.Kind == yaml.SequenceNode {
				p.at(c, fmt.Sprintf("expected a status code (404) or a class (4xx), got %s", describe(c)), "")
				ok = false
				continue
			}
			m, cok := p.statusCodes(c)
			out = append(out, m...)
			ok = ok && cok
		}
		return out, ok
	}
	if v, ok := p.intValue(n); ok {
		if v < 100 || v > 599 {
			p.at(n, fmt.Sprintf("%d is not an HTTP status code", v), "")
			return nil, false
		}
		return []StatusMatch{{Code: int(v)}}, true
	}
	if isString(n) {
		s := strings.ToLower(n.Value)
		if len(s) == 3 && s[0] >= '1' && s[0] <= '5' {
			if s[1:] == "xx" {
				return []StatusMatch{{Class: int(s[0] - '0')}}, true
			}
			if c, err := strconv.Atoi(s); err == nil && s[1] >= '0' && s[2] >= '0' {
				return []StatusMatch{{Code: c}}, true
			}
		}
	}
	p.at(n, fmt.Sprintf("expected a status code (404), a class (4xx) or a list of them, got %s", describe(n)), "")
	return nil, false
}

// ---------------------------------------------------------------- incremental

var (
	lastValueFuncs       = []string{"max", "min"}
	rowOrders            = []string{"asc", "desc"}
	onCursorValueMissing = []string{"raise", "include", "exclude"}
	rangeBounds          = []string{"open", "closed"}
)

// simpleKeyRE is a cursor path that dlt looks up as a plain key.
var simpleKeyRE = regexp.MustCompile(`^[^.\[\]$*?()'"]+$`)

// parseIncremental reads an endpoint's incremental object, or (param set)
// a legacy param-level one, which also carries type. It reports dlt's
// checks (reference §6.1) and returns nil when cursor_path is missing.
func (p *parser) parseIncremental(o *object, param string) *Incremental {
	inc := &Incremental{
		Param: param, Path: o.path, Pos: posOf(o.node),
		LastValueFunc: "max", OnCursorValueMissing: "raise", RangeStart: "closed", RangeEnd: "open",
	}
	if param != "" {
		rest := &object{node: o.node, path: o.path, key: o.key, value: o.value}
		for _, k := range o.keys {
			if k != "type" {
				rest.keys = append(rest.keys, k)
			}
		}
		p.checkKeys(rest, lvIncremental)
		for _, k := range []string{"end_value", "end_param"} {
			if o.has(k) {
				p.atPath(p.origin[o.key[k]], o.key[k], fmt.Sprintf("Only `start_param` and `initial_value` are allowed in the configuration of param: `%s`", param),
					"use endpoint.incremental for an end value")
			}
		}
	} else {
		p.checkKeys(o, lvIncremental)
	}
	ok := true
	if cp := o.get("cursor_path"); cp == nil || isNull(cp) {
		p.atPath(o.path, o.node, `missing required field "cursor_path"`, "cursor_path names the field of each record that advances, e.g. updated_at")
		ok = false
	} else if !isString(cp) {
		p.at(cp, fmt.Sprintf("expected a string, got %s", describe(cp)), "")
		ok = false
	} else if cp.Value == "" {
		p.at(cp, "cursor_path must not be empty", "")
		ok = false
	} else {
		inc.CursorPath = cp.Value
		if !simpleKeyRE.MatchString(cp.Value) {
			if _, err := jsonpath.Compile(cp.Value); err != nil {
				p.at(cp, err.Error(), "a plain field name (updated_at) or a JSONPath ($.meta.updated_at)")
				ok = false
			}
		}
	}
	if v, found := p.oneOf(o, "last_value_func", lastValueFuncs); found {
		inc.LastValueFunc = v
	}
	if v, found := p.oneOf(o, "row_order", rowOrders); found {
		inc.RowOrder = v
	}
	if v, found := p.oneOf(o, "on_cursor_value_missing", onCursorValueMissing); found {
		inc.OnCursorValueMissing = v
	}
	if v, found := p.oneOf(o, "range_start", rangeBounds); found {
		inc.RangeStart = v
	}
	if v, found := p.oneOf(o, "range_end", rangeBounds); found {
		inc.RangeEnd = v
	}
	inc.StartParam, _ = p.str(o, "start_param")
	inc.EndParam, _ = p.str(o, "end_param")
	if b, found := p.boolField(o, "allow_external_schedulers"); found {
		inc.AllowExternalSchedulers = b
	}
	if b, found := p.boolField(o, "per_parent"); found {
		inc.PerParent = b
	}
	if l := o.get("lag"); l != nil && !isNull(l) {
		if f, found := p.floatValue(l); !found {
			p.at(l, fmt.Sprintf("expected a number, got %s", describe(l)), "lag is in seconds (days for date-only cursors)")
		} else if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
			p.at(l, fmt.Sprintf("lag must be a finite number not below 0 (got %v)", f), "lag is in seconds (days for date-only cursors)")
		} else {
			inc.Lag = &f
		}
	}
	if pk := o.get("primary_key"); pk != nil && !isNull(pk) {
		inc.PrimaryKey, _ = p.stringOrList(pk)
		inc.HasPrimaryKey = true
	}
	iv, ev := o.get("initial_value"), o.get("end_value")
	if iv != nil && !isNull(iv) {
		inc.InitialValue = p.cursorValue(iv)
	}
	if ev != nil && !isNull(ev) && param == "" {
		inc.EndValue = p.cursorValue(ev)
		if inc.InitialValue == nil {
			p.at(ev, "end_value requires initial_value", "a backfill runs from initial_value to end_value")
		} else if inc.EndValue != nil {
			p.checkRange(inc, ev)
		}
	}
	conv, tr := o.get("convert"), o.get("transform")
	if conv != nil && !isNull(conv) && tr != nil && !isNull(tr) {
		p.at(tr, "transform is the old name of convert: give one of them", "")
	}
	for _, n := range []*yaml.Node{conv, tr} {
		if n != nil && !isNull(n) && inc.Convert == nil {
			if h, hok := p.parseHook(n); hok {
				p.checkHook("convert", &h, "")
				inc.Convert = &h
			}
		}
	}
	if !ok {
		return nil
	}
	return inc
}

// cursorValue reads an initial or end value: a string, a number or a
// timestamp (kept as its text).
func (p *parser) cursorValue(n *yaml.Node) any {
	if n.Kind != yaml.ScalarNode {
		p.at(n, fmt.Sprintf("expected a string, a number or a timestamp, got %s", describe(n)), "")
		return nil
	}
	return value(n)
}

// checkRange reports an end_value on the wrong side of initial_value:
// dlt requires last_value_func([end_value, initial_value]) == end_value.
func (p *parser) checkRange(inc *Incremental, ev *yaml.Node) {
	c, ok := cursorvalue.Compare(inc.EndValue, inc.InitialValue)
	if !ok {
		p.at(ev, fmt.Sprintf("end_value %v (%s) cannot be compared with initial_value %v (%s)",
			quoteIf(inc.EndValue), kindOf(inc.EndValue), quoteIf(inc.InitialValue), kindOf(inc.InitialValue)),
			"give both as numbers, both as RFC 3339 timestamps, or both as strings")
		return
	}
	switch {
	case inc.LastValueFunc == "max" && c < 0:
		p.at(ev, fmt.Sprintf("Incremental `initial_value=%v` is higher than `end_value=%v`", inc.InitialValue, inc.EndValue),
			"with last_value_func: max the cursor grows, so end_value must not be below initial_value; swap them, or use last_value_func: min")
	case inc.LastValueFunc == "min" && c > 0:
		p.at(ev, fmt.Sprintf("Incremental `initial_value=%v` is lower than `end_value=%v`", inc.InitialValue, inc.EndValue),
			"with last_value_func: min the cursor shrinks, so end_value must not be above initial_value; swap them, or use last_value_func: max")
	}
}

func quoteIf(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

func kindOf(v any) string {
	switch t := v.(type) {
	case int, int64, float64:
		return "a number"
	case bool:
		return "a boolean"
	case string:
		if _, ok := parseTimestamp(t); ok {
			return "a timestamp"
		}
		return "a string"
	}
	return fmt.Sprintf("%T", v)
}

func parseTimestamp(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
