package guest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
)

// The handlers behind the exports: each takes the input envelope's bytes
// and returns the output envelope's (nil for "no result"). They are plain
// Go, so the host's tests run them without WASM.

// errorEnvelope is {"error": {"message": msg, "index": i}} (index left
// out when negative).
func errorEnvelope(err error, index int) []byte {
	b := []byte(`{"error":{"message":`)
	b = AppendString(b, err.Error())
	if index >= 0 {
		b = append(b, `,"index":`...)
		b = strconv.AppendInt(b, int64(index), 10)
	}
	return append(b, "}}"...)
}

// guard turns a panic in a hook into an error envelope.
func guard(index *int, out *[]byte) {
	if p := recover(); p != nil {
		*out = errorEnvelope(fmt.Errorf("panic: %v", p), *index)
	}
}

func handleDescribe() []byte {
	m := map[string]any{"name": hooks.name, "version": hooks.version, "abi": int64(1)}
	h := hookNames()
	l := make([]any, len(h))
	for i, n := range h {
		l[i] = n
	}
	m["hooks"] = l
	b, _ := Encode(nil, m)
	return b
}

func handleInit(in []byte) []byte {
	if len(in) == 0 {
		config = map[string]any{}
		return nil
	}
	v, err := Decode(in)
	if err != nil {
		return errorEnvelope(fmt.Errorf("config: %w", err), -1)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return errorEnvelope(errors.New("config: not an object"), -1)
	}
	config = m
	return nil
}

// handleStep runs a step over one page. The input is binary (binval.go):
// the kind ('m' map, 'f' filter, 'l' flat_map), then the records as an
// array value. The output is binary too: 'r' and the records (map), 'k',
// a u32 count and one byte 0/1 per record (filter), 'l' and an array of
// arrays (flat_map); or a JSON error envelope, which starts with '{'.
func handleStep(in []byte) (out []byte) {
	at := -1
	defer guard(&at, &out)
	if len(in) < 1 {
		return errorEnvelope(errors.New("step input: empty"), -1)
	}
	if out, ok := handleRecordStep(in, &at); ok {
		return out
	}
	r := binReader{b: in, s: string(in), i: 1}
	v, err := r.value(0)
	if err != nil {
		return errorEnvelope(fmt.Errorf("step input: %w", err), -1)
	}
	recs, _ := v.([]any)
	switch in[0] {
	case 'm':
		if hooks.mapFn == nil {
			return errorEnvelope(errors.New("this module registers no map (guest.Map)"), -1)
		}
		res := make([]any, len(recs))
		for i, r := range recs {
			at = i
			markRecord(i)
			m, ok := r.(map[string]any)
			if !ok {
				return errorEnvelope(errors.New("the record is not an object"), i)
			}
			o, err := hooks.mapFn(m)
			if err != nil {
				return errorEnvelope(err, i)
			}
			if o == nil {
				return errorEnvelope(errors.New("map returned nil: return a record"), i)
			}
			res[i] = o
		}
		return binResult('r', res, len(in))
	case 'f':
		if hooks.filterFn == nil {
			return errorEnvelope(errors.New("this module registers no filter (guest.Filter)"), -1)
		}
		b := make([]byte, 5, 5+len(recs))
		b[0] = 'k'
		b = appendU32(b[:1], len(recs))
		for i, r := range recs {
			at = i
			markRecord(i)
			m, ok := r.(map[string]any)
			if !ok {
				return errorEnvelope(errors.New("the record is not an object"), i)
			}
			keep, err := hooks.filterFn(m)
			if err != nil {
				return errorEnvelope(err, i)
			}
			if keep {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		}
		return b
	case 'l':
		if hooks.flatMapFn == nil {
			return errorEnvelope(errors.New("this module registers no flat_map (guest.FlatMap)"), -1)
		}
		res := make([]any, len(recs))
		for i, r := range recs {
			at = i
			markRecord(i)
			m, ok := r.(map[string]any)
			if !ok {
				return errorEnvelope(errors.New("the record is not an object"), i)
			}
			o, err := hooks.flatMapFn(m)
			if err != nil {
				return errorEnvelope(err, i)
			}
			l := make([]any, len(o))
			for j, e := range o {
				l[j] = e
			}
			res[i] = l
		}
		return binResult('l', res, len(in))
	}
	return errorEnvelope(fmt.Errorf("unknown step kind %q", in[0]), -1)
}

// handleRecordStep runs a MapRecord or FilterRecord hook over a page in
// place; ok is false when the module registers neither for the page's
// kind. A map answers 'p', a u32 count and each record's changes
// (appendRecordOps); a filter answers as handleStep's does.
func handleRecordStep(in []byte, at *int) (out []byte, ok bool) {
	var b []byte
	var each func(i int, rec *Record) error
	switch {
	case in[0] == 'm' && hooks.mapRecordFn != nil:
		b = append(make([]byte, 0, 1024), 'p', 0, 0, 0, 0)
		each = func(i int, rec *Record) error {
			if err := hooks.mapRecordFn(rec); err != nil {
				return err
			}
			var err error
			b, err = appendRecordOps(b, rec.ops)
			return err
		}
	case in[0] == 'f' && hooks.filterRecFn != nil:
		b = append(make([]byte, 0, 1024), 'k', 0, 0, 0, 0)
		each = func(i int, rec *Record) error {
			keep, err := hooks.filterRecFn(rec)
			if keep {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
			return err
		}
	default:
		return nil, false
	}
	count := 0
	i, err := pageRecords(in, func(i int, rec *Record) error {
		*at = i
		markRecord(i)
		count++
		return each(i, rec)
	})
	if err != nil {
		return errorEnvelope(err, i), true
	}
	binary.LittleEndian.PutUint32(b[1:], uint32(count))
	return b, true
}

func binResult(tag byte, v any, sizeHint int) []byte {
	b := make([]byte, 1, sizeHint+sizeHint/8+16)
	b[0] = tag
	b, err := appendBin(b, v, 0)
	if err != nil {
		return errorEnvelope(err, -1)
	}
	return b
}

func encodeField(name string, v any, at int) []byte {
	b := append([]byte(`{"`), name...)
	b = append(b, `":`...)
	b, err := Encode(b, v)
	if err != nil {
		return errorEnvelope(err, at)
	}
	return append(b, '}')
}

// envelope decodes a hook's JSON input envelope, or returns the error
// envelope to answer with: the module registers no such hook (registered
// false: hook names it and how to register it), or the input is not JSON.
func envelope(in []byte, registered bool, hook, what string) (map[string]any, []byte) {
	if !registered {
		return nil, errorEnvelope(errors.New("this module registers no "+hook), -1)
	}
	v, err := Decode(in)
	if err != nil {
		return nil, errorEnvelope(fmt.Errorf("%s input: %w", what, err), -1)
	}
	env, _ := v.(map[string]any)
	return env, nil
}

func handlePaginate(in []byte) (out []byte) {
	at := -1
	defer guard(&at, &out)
	env, fail := envelope(in, hooks.pagNext != nil, "paginator (guest.Paginator)", "paginate")
	if fail != nil {
		return fail
	}
	req := toRequest(env["request"])
	state, _ := env["state"].(map[string]any)
	if state == nil {
		state = map[string]any{}
	}
	var p *Patch
	var err error
	field := "request"
	switch env["phase"] {
	case "init":
		if hooks.pagInit != nil {
			p, err = hooks.pagInit(req)
		}
	case "next":
		field = "next"
		n, _ := Number(env["records"])
		p, err = hooks.pagNext(toResponse(env["response"]), req, int(n), state)
	default:
		return errorEnvelope(fmt.Errorf("unknown paginate phase %v", env["phase"]), -1)
	}
	if err != nil {
		return errorEnvelope(err, -1)
	}
	o := map[string]any{"state": state, field: nil}
	if p != nil {
		o[field] = p.value()
	}
	b, err := Encode(nil, o)
	if err != nil {
		return errorEnvelope(err, -1)
	}
	return b
}

func (p *Patch) value() map[string]any {
	m := map[string]any{}
	if p.URL != "" {
		m["url"] = p.URL
	}
	if p.Params != nil {
		m["params"] = p.Params
	}
	if p.Headers != nil {
		m["headers"] = p.Headers
	}
	if p.JSON != nil {
		m["json"] = p.JSON
	}
	return m
}

func handleAuth(in []byte) (out []byte) {
	at := -1
	defer guard(&at, &out)
	env, fail := envelope(in, hooks.authFn != nil, "auth (guest.Auth)", "auth")
	if fail != nil {
		return fail
	}
	ch, err := hooks.authFn(toRequest(env["request"]))
	if err != nil {
		return errorEnvelope(err, -1)
	}
	o := map[string]any{}
	if ch.SetHeaders != nil {
		o["set_headers"] = ch.SetHeaders
	}
	if ch.SetQuery != nil {
		o["set_query"] = ch.SetQuery
	}
	b, _ := Encode(nil, o)
	return b
}

func handleResponse(in []byte) (out []byte) {
	at := -1
	defer guard(&at, &out)
	env, fail := envelope(in, hooks.responseFn != nil, "response action (guest.ResponseAction)", "response")
	if fail != nil {
		return fail
	}
	a, err := hooks.responseFn(toResponse(env["response"]))
	if err != nil {
		return errorEnvelope(err, -1)
	}
	if a == "" {
		a = Continue
	}
	b, _ := Encode(nil, map[string]any{"action": a})
	return b
}

func handleConvert(in []byte) (out []byte) {
	at := -1
	defer guard(&at, &out)
	env, fail := envelope(in, hooks.convertFn != nil, "convert (guest.Convert)", "convert")
	if fail != nil {
		return fail
	}
	r, err := hooks.convertFn(env["value"])
	if err != nil {
		return errorEnvelope(err, -1)
	}
	b, err := Encode(nil, map[string]any{"value": r})
	if err != nil {
		return errorEnvelope(err, -1)
	}
	return b
}

func toRequest(v any) Request {
	m, _ := v.(map[string]any)
	r := Request{Query: map[string][]string{}, Headers: map[string]string{}}
	r.Method, _ = m["method"].(string)
	r.URL, _ = m["url"].(string)
	r.Path, _ = m["path"].(string)
	r.Body, _ = m["body"].(string)
	if q, ok := m["query"].(map[string]any); ok {
		for k, l := range q {
			if vs, ok := l.([]any); ok {
				for _, e := range vs {
					if s, ok := e.(string); ok {
						r.Query[k] = append(r.Query[k], s)
					}
				}
			}
		}
	}
	if h, ok := m["headers"].(map[string]any); ok {
		for k, e := range h {
			if s, ok := e.(string); ok {
				r.Headers[k] = s
			}
		}
	}
	return r
}

func toResponse(v any) Response {
	m, _ := v.(map[string]any)
	r := Response{Headers: map[string]string{}, Body: m["body"]}
	n, _ := Number(m["status"])
	r.Status = int(n)
	if h, ok := m["headers"].(map[string]any); ok {
		for k, e := range h {
			if s, ok := e.(string); ok {
				r.Headers[k] = s
			}
		}
	}
	return r
}
