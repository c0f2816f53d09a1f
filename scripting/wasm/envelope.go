package wasm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/jsondec"
)

// The JSON shapes of ABI.md: REQ and RESP going in, PATCH coming out.

var decoder = jsondec.New()

// marshal encodes v without HTML escaping.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// requestValue is REQ: the request as it would be sent.
func requestValue(req *extension.Request) (map[string]any, error) {
	full, err := req.FullURL()
	if err != nil {
		return nil, fmt.Errorf("the request's URL %q: %w", req.URL, err)
	}
	u, err := url.Parse(full)
	if err != nil {
		return nil, err
	}
	query := map[string]any{}
	for k, vs := range u.Query() {
		l := make([]any, len(vs))
		for i, v := range vs {
			l[i] = v
		}
		query[k] = l
	}
	headers := map[string]any{}
	for k, vs := range req.Header {
		if len(vs) > 0 {
			headers[k] = vs[0]
		}
	}
	body := ""
	switch {
	case req.JSON != nil:
		b, err := marshal(req.JSON)
		if err != nil {
			return nil, fmt.Errorf("the request's JSON body: %w", err)
		}
		body = string(b)
	case req.Body != nil:
		body = string(req.Body)
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return map[string]any{"method": req.Method, "url": full, "path": path,
		"query": query, "headers": headers, "body": body}, nil
}

// responseValue is RESP.
func responseValue(resp *extension.Response) map[string]any {
	headers := map[string]any{}
	for k, vs := range resp.Header {
		if len(vs) > 0 {
			headers[strings.ToLower(k)] = vs[0]
		}
	}
	var body any
	if len(resp.Body) > 0 {
		if v, err := resp.JSON(); err == nil {
			body = v
		} else {
			body = string(resp.Body)
		}
	}
	return map[string]any{"status": resp.Status, "headers": headers, "body": body}
}

// applyPatch applies a PATCH {url?, params?, headers?, json?} to req. A new
// url is resolved against the current one and drops the request's query
// parameters; params then set parameters, headers headers, and json
// replaces the JSON body.
func applyPatch(req *extension.Request, v any) error {
	ch, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("returned %T as the changes: return {url?, params?, headers?, json?} or null", v)
	}
	for k := range ch {
		switch k {
		case "url", "params", "headers", "json":
		default:
			return fmt.Errorf("returned a field %q: the changes take url, params, headers and json", k)
		}
	}
	if u, ok := ch["url"]; ok && u != nil {
		s, ok := u.(string)
		if !ok || s == "" {
			return fmt.Errorf("returned url %v: it must be a non-empty string", u)
		}
		base, err := url.Parse(req.URL)
		if err != nil {
			return err
		}
		ref, err := url.Parse(s)
		if err != nil {
			return fmt.Errorf("returned url %q: %w", s, err)
		}
		req.URL, req.Query = base.ResolveReference(ref).String(), nil
	}
	if q, ok := ch["params"].(map[string]any); ok {
		if req.Query == nil {
			req.Query = url.Values{}
		}
		// A parameter the URL already carries is replaced, not sent twice.
		if u, err := url.Parse(req.URL); err == nil && u.RawQuery != "" {
			own := u.Query()
			changed := false
			for k := range q {
				if own.Has(k) {
					own.Del(k)
					changed = true
				}
			}
			if changed {
				u.RawQuery = extension.EncodeQuery(own)
				req.URL = u.String()
			}
		}
		for k, e := range q {
			if e == nil {
				req.Query.Del(k)
				continue
			}
			req.Query.Set(k, scalar(e))
		}
	}
	if h, ok := ch["headers"].(map[string]any); ok {
		if req.Header == nil {
			req.Header = map[string][]string{}
		}
		for k, e := range h {
			if e == nil {
				req.Header.Del(k)
				continue
			}
			req.Header.Set(k, scalar(e))
		}
	}
	if j, ok := ch["json"]; ok {
		req.JSON = j
	}
	return nil
}

func scalar(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}
