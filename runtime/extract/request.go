package extract

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/placeholder"
)

// Vars are what the placeholders of one request chain see: the parent
// record(s) of a dependent resource and the incremental cursor's values.
type Vars struct {
	// Parent names the parent resource; Records are its record (one) or
	// its batch of records (endpoint.parent_batch); nil for a top-level
	// resource.
	Parent  string
	Records []any
	// Separator joins a batch's values in text (default ",").
	Separator string
	// Incremental are the cursor's values (initial_value, start_value,
	// last_value, end_value, lag); nil without incremental.
	Incremental map[string]any
	// resolve maps a legacy `type: resolve` param name to its parent field.
	resolve map[string]string
	// static are the path's static params (dlt §5.6).
	static map[string]any
}

// RequestTemplate is an endpoint compiled once per resource: every
// placeholder parsed, the static path params bound. Build fills it for one
// request chain.
type RequestTemplate struct {
	method  string
	base    string
	path    *placeholder.Template
	fullURL bool // the path is one placeholder: an absolute URL is kept as is
	query   []queryParam
	headers []headerTemplate
	json    *placeholder.Tree
	form    []formField
	raw     *placeholder.Template
	client  map[string]string
	resolve map[string]string
	static  map[string]any
	inc     *config.Incremental // the incremental whose start/end params go in the query
	// parentFields are the parent fields the endpoint uses, in order
	parentFields []string
}

type queryParam struct {
	key  *placeholder.Template
	vals []*placeholder.Template // a list repeats the key
	lit  []string                // scalar values, already rendered
	inc  bool                    // {type: incremental}: the start value
}

type headerTemplate struct{ key, val *placeholder.Template }

type formField struct{ key, val *placeholder.Template }

// CompileRequest compiles the request of an endpoint (reference §2): the
// joined URL, the query (lists repeated, nulls dropped), client headers
// overridden by endpoint headers, and a JSON, form or raw body.
func CompileRequest(client *config.Client, ep *config.Endpoint) (*RequestTemplate, error) {
	t := &RequestTemplate{method: ep.Method, base: client.BaseURL, client: client.Headers}
	if t.method == "" {
		t.method = http.MethodGet
	}
	var err error
	if t.path, err = placeholder.Parse(ep.Path); err != nil {
		return nil, fmt.Errorf("path %q: %w", ep.Path, err)
	}
	if f, ok := t.path.Single(); ok && strings.HasPrefix(f.Name, "resources.") {
		t.fullURL = true
	}
	inPath := map[string]bool{}
	for _, f := range t.path.Fields() {
		inPath[f.Name] = true
	}
	for _, k := range paramOrder(ep) {
		v := ep.Params[k]
		if obj, ok := v.(map[string]any); ok {
			switch obj["type"] {
			case "resolve":
				if t.resolve == nil {
					t.resolve = map[string]string{}
				}
				field, _ := obj["field"].(string)
				res, _ := obj["resource"].(string)
				t.resolve[k] = "resources." + res + "." + field
				continue // used in the path only (dlt)
			case "incremental":
				kt, err := placeholder.Parse(k)
				if err != nil {
					return nil, fmt.Errorf("param %q: %w", k, err)
				}
				t.query = append(t.query, queryParam{key: kt, inc: true})
				continue
			}
			return nil, fmt.Errorf("param %q: an object value needs type: resolve or type: incremental", k)
		}
		if inPath[k] && staticParam(v) {
			if t.static == nil {
				t.static = map[string]any{}
			}
			t.static[k] = v
			continue // consumed by the path (dlt §5.6)
		}
		if v == nil {
			continue // dlt drops null parameters
		}
		kt, err := placeholder.Parse(k)
		if err != nil {
			return nil, fmt.Errorf("param %q: %w", k, err)
		}
		q := queryParam{key: kt}
		items, isList := v.([]any)
		if !isList {
			items = []any{v}
		}
		for _, e := range items {
			switch s := e.(type) {
			case nil:
			case string:
				vt, err := placeholder.Parse(s)
				if err != nil {
					return nil, fmt.Errorf("param %q: %w", k, err)
				}
				q.vals = append(q.vals, vt)
			default:
				q.lit = append(q.lit, placeholder.String(s))
			}
		}
		t.query = append(t.query, q)
	}
	keys := make([]string, 0, len(ep.Headers))
	for k := range ep.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		kt, err := placeholder.Parse(k)
		if err != nil {
			return nil, fmt.Errorf("header %q: %w", k, err)
		}
		vt, err := placeholder.Parse(ep.Headers[k])
		if err != nil {
			return nil, fmt.Errorf("header %q: %w", k, err)
		}
		t.headers = append(t.headers, headerTemplate{kt, vt})
	}
	if ep.JSON != nil && ep.Data != nil && !isEmpty(ep.JSON) && !isEmpty(ep.Data) {
		return nil, errors.New("cannot use both 'json' and 'data' in one endpoint")
	}
	switch {
	case ep.JSON != nil:
		if t.json, err = placeholder.ParseTree(ep.JSON); err != nil {
			return nil, fmt.Errorf("json: %w", err)
		}
	case ep.Data != nil:
		switch d := ep.Data.(type) {
		case string:
			if t.raw, err = placeholder.Parse(d); err != nil {
				return nil, fmt.Errorf("data: %w", err)
			}
		case map[string]any:
			dk := make([]string, 0, len(d))
			for k := range d {
				dk = append(dk, k)
			}
			sort.Strings(dk)
			for _, k := range dk {
				kt, err := placeholder.Parse(k)
				if err != nil {
					return nil, fmt.Errorf("data %q: %w", k, err)
				}
				vt, err := placeholder.Parse(placeholder.String(d[k]))
				if err != nil {
					return nil, fmt.Errorf("data %q: %w", k, err)
				}
				t.form = append(t.form, formField{kt, vt})
			}
		default:
			t.raw, _ = placeholder.Parse(strings.NewReplacer("{", "{{", "}", "}}").Replace(placeholder.String(d)))
		}
	}
	inc := ep.Incremental
	if ep.ParamIncremental != nil {
		inc = ep.ParamIncremental
	}
	t.inc = inc
	t.parentFields = t.parentFieldNames()
	return t, nil
}

// Build makes the first request of a chain.
func (t *RequestTemplate) Build(v *Vars) (*extension.Request, error) {
	if v == nil {
		v = &Vars{}
	}
	v.resolve, v.static = t.resolve, t.static
	look := v.lookup
	text := v.textLookup
	path, err := t.path.Render(text, func(name, s string) string {
		if _, ok := t.static[name]; ok {
			return url.PathEscape(s) // a value written in the file is one segment
		}
		return pathEscape(s)
	})
	if t.fullURL && err == nil {
		// a path that is one parent field holding a whole URL (dlt's
		// `path: "{resources.repos.url}"`) is used as it is
		if raw, lerr := t.path.Render(text, nil); lerr == nil && isAbsolute(raw) {
			path = raw
		}
	}
	if err != nil {
		return nil, err
	}
	req := &extension.Request{Method: t.method, URL: JoinURL(t.base, path), Header: http.Header{}}
	for k, val := range t.client {
		req.Header.Set(k, val)
	}
	for _, h := range t.headers {
		k, err := h.key.Render(text, nil)
		if err != nil {
			return nil, err
		}
		val, err := h.val.Render(text, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set(k, val)
	}
	add := func(k, val string) {
		if req.Query == nil {
			req.Query = url.Values{}
		}
		req.Query.Add(k, val)
	}
	for _, q := range t.query {
		k, err := q.key.Render(text, nil)
		if err != nil {
			return nil, err
		}
		if q.inc {
			if sv := v.Incremental["start_value"]; sv != nil {
				add(k, placeholder.String(sv))
			}
			continue
		}
		for _, s := range q.lit {
			add(k, s)
		}
		for _, vt := range q.vals {
			if f, ok := vt.Single(); ok {
				// a param that is one placeholder whose value is null is
				// dropped, as a null param is
				x, err := look(f.Name)
				if err != nil {
					return nil, err
				}
				if x == nil {
					continue
				}
			}
			s, err := vt.Render(text, nil)
			if err != nil {
				return nil, err
			}
			add(k, s)
		}
	}
	if t.inc != nil && v.Incremental != nil {
		if p := t.inc.StartParam; p != "" && v.Incremental["start_value"] != nil {
			add(p, placeholder.String(v.Incremental["start_value"]))
		}
		if p := t.inc.EndParam; p != "" && v.Incremental["end_value"] != nil {
			add(p, placeholder.String(v.Incremental["end_value"]))
		}
	}
	switch {
	case t.json != nil:
		if req.JSON, err = t.json.Render(look); err != nil {
			return nil, err
		}
	case t.raw != nil:
		s, err := t.raw.Render(text, nil)
		if err != nil {
			return nil, err
		}
		req.Body = []byte(s)
	case len(t.form) > 0:
		form := url.Values{}
		for _, f := range t.form {
			k, err := f.key.Render(text, nil)
			if err != nil {
				return nil, err
			}
			val, err := f.val.Render(text, nil)
			if err != nil {
				return nil, err
			}
			form.Add(k, val)
		}
		req.Body = []byte(form.Encode())
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return req, nil
}

// BuildRequest builds the first request of a top-level resource without
// incremental values from the client and endpoint configuration.
func BuildRequest(client *config.Client, ep *config.Endpoint) (*extension.Request, error) {
	t, err := CompileRequest(client, ep)
	if err != nil {
		return nil, err
	}
	return t.Build(nil)
}

// lookup returns the value of a placeholder: a parent field (a list for a
// batch), an incremental value, a resolve param or a static path param.
func (v *Vars) lookup(name string) (any, error) {
	if f, ok := v.resolve[name]; ok {
		name = f
	}
	if sv, ok := v.static[name]; ok {
		return sv, nil
	}
	switch {
	case strings.HasPrefix(name, "resources."):
		rest := strings.TrimPrefix(name, "resources.")
		parent, field, _ := strings.Cut(rest, ".")
		if v.Records == nil {
			return nil, fmt.Errorf("{%s} needs a parent record, and this request has none", name)
		}
		if parent != v.Parent {
			return nil, fmt.Errorf("{%s} names resource %s, but the parent of this resource is %s", name, parent, v.Parent)
		}
		if len(v.Records) == 1 {
			return parentField(parent, field, v.Records[0])
		}
		vals := make([]any, len(v.Records))
		for i, rec := range v.Records {
			x, err := parentField(parent, field, rec)
			if err != nil {
				return nil, err
			}
			vals[i] = x
		}
		return vals, nil
	case strings.HasPrefix(name, "incremental."):
		if v.Incremental == nil {
			return nil, fmt.Errorf("{%s} needs endpoint.incremental", name)
		}
		return v.Incremental[strings.TrimPrefix(name, "incremental.")], nil
	}
	if !strings.Contains(name, ".") {
		return "{" + name + "}", nil // a path field whose param is null stays as written (dlt)
	}
	return nil, fmt.Errorf("placeholder {%s} has no value: it is no parent field ({resources.<parent>.<field>}), incremental value or param", name)
}

// textLookup is lookup for text: a batch's values are joined by the
// separator.
func (v *Vars) textLookup(name string) (any, error) {
	x, err := v.lookup(name)
	if err != nil || len(v.Records) < 2 || !strings.HasPrefix(v.resolveName(name), "resources.") {
		return x, err
	}
	vals, _ := x.([]any)
	parts := make([]string, len(vals))
	for i, e := range vals {
		parts[i] = placeholder.String(e)
	}
	sep := v.Separator
	if sep == "" {
		sep = ","
	}
	return strings.Join(parts, sep), nil
}

func (v *Vars) resolveName(name string) string {
	if f, ok := v.resolve[name]; ok {
		return f
	}
	return name
}

// pathEscape escapes a value for a URL path, keeping its slashes: a space,
// ?, # or % in a parent's value can no longer break the URL (dlt sends
// them as they are, #3065), while a value that is a path ("repos/a/b")
// still is one.
func pathEscape(s string) string {
	parts := strings.Split(s, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

func isAbsolute(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// staticParam reports whether a param value can be bound into the path.
func staticParam(v any) bool {
	switch v.(type) {
	case nil, map[string]any:
		return false
	}
	return true
}

func paramOrder(ep *config.Endpoint) []string {
	if len(ep.ParamOrder) == len(ep.Params) {
		return ep.ParamOrder
	}
	keys := make([]string, 0, len(ep.Params))
	for k := range ep.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func isEmpty(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		return len(t) == 0
	case []any:
		return len(t) == 0
	case string:
		return t == ""
	}
	return v == nil
}
