package extract

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/extension"
)

// BuildRequest builds the first request of a top-level resource from the
// client and endpoint configuration (reference §2): the joined URL, the
// query (lists repeated, nulls dropped), client headers overridden by
// endpoint headers, and a JSON, form or raw body.
func BuildRequest(client *config.Client, ep *config.Endpoint) (*extension.Request, error) {
	path, bound := bindPathParams(ep.Path, ep.Params)
	req := &extension.Request{
		Method: ep.Method,
		URL:    JoinURL(client.BaseURL, path),
		Header: http.Header{},
	}
	if req.Method == "" {
		req.Method = http.MethodGet
	}
	for k, v := range client.Headers {
		req.Header.Set(k, v)
	}
	for k, v := range ep.Headers {
		req.Header.Set(unescapeBraces(k), unescapeBraces(v))
	}
	if len(ep.Params) > 0 {
		req.Query = url.Values{}
		for _, k := range paramOrder(ep) {
			if bound[k] {
				continue // consumed by the path (dlt §5.6)
			}
			v := ep.Params[k]
			k = unescapeBraces(k)
			switch t := v.(type) {
			case nil:
				// dlt drops null parameters.
			case []any:
				for _, e := range t {
					if e != nil {
						req.Query.Add(k, unescapeBraces(paramString(e)))
					}
				}
			case map[string]any:
				return nil, fmt.Errorf("param %q: object values (type: resolve or incremental) are not supported yet", k)
			default:
				req.Query.Add(k, unescapeBraces(paramString(t)))
			}
		}
	}
	if ep.JSON != nil && ep.Data != nil && !isEmpty(ep.JSON) && !isEmpty(ep.Data) {
		return nil, fmt.Errorf("cannot use both 'json' and 'data' in one endpoint")
	}
	if ep.JSON != nil {
		req.JSON = unescapeJSON(ep.JSON)
	} else if ep.Data != nil {
		switch t := ep.Data.(type) {
		case string:
			req.Body = []byte(unescapeBraces(t))
		case map[string]any:
			if len(t) > 0 {
				form := url.Values{}
				keys := make([]string, 0, len(t))
				for k := range t {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					form.Add(unescapeBraces(k), unescapeBraces(paramString(t[k])))
				}
				req.Body = []byte(form.Encode())
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
		default:
			req.Body = []byte(paramString(t))
		}
	}
	return req, nil
}

// bindPathParams substitutes the static path parameters of path (dlt
// reference §5.6): a placeholder `{name}` without a dot whose param is a
// scalar or a list (not a `type: resolve`/`type: incremental` object, not
// null) is replaced by the param's value, URL-path-escaped, and the param is
// consumed: it is not sent in the query as well. Escaped braces `{{` and
// `}}` become literal braces in the same pass, so a value can never be
// mistaken for a placeholder. Dotted placeholders ({resources.p.id},
// {incremental.start_value}) and unknown names are left as they are.
func bindPathParams(path string, params map[string]any) (string, map[string]bool) {
	if !strings.ContainsAny(path, "{}") {
		return path, nil
	}
	var b strings.Builder
	var bound map[string]bool
	for i := 0; i < len(path); {
		c := path[i]
		if (c == '{' || c == '}') && i+1 < len(path) && path[i+1] == c {
			b.WriteByte(c)
			i += 2
			continue
		}
		if c == '{' {
			if j := strings.IndexAny(path[i+1:], "{}"); j >= 0 && path[i+1+j] == '}' {
				name := path[i+1 : i+1+j]
				if v, ok := params[name]; ok && name != "" && !strings.Contains(name, ".") && staticParam(v) {
					b.WriteString(url.PathEscape(paramString(v)))
					if bound == nil {
						bound = map[string]bool{}
					}
					bound[name] = true
					i += j + 2
					continue
				}
			}
		}
		b.WriteByte(c)
		i++
	}
	return b.String(), bound
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
