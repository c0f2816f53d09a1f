package js

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/runtime/extension"
)

// requestValue is the request as a script sees it: method, url (as
// given, with its own query), path, query (the URL's own parameters and
// the request's, a string each, or a list when repeated), headers
// (lowercase names, values joined with ", ") and body (the JSON body, else
// the raw body as text, else null).
func requestValue(req *extension.Request) (map[string]any, error) {
	u, err := url.Parse(req.URL)
	if err != nil {
		return nil, fmt.Errorf("the request URL %q: %w", req.URL, err)
	}
	q := map[string][]string{}
	for k, vs := range u.Query() {
		q[k] = append(q[k], vs...)
	}
	for k, vs := range req.Query {
		q[k] = append(q[k], vs...)
	}
	query := make(map[string]any, len(q))
	for k, vs := range q {
		if len(vs) == 1 {
			query[k] = vs[0]
			continue
		}
		l := make([]any, len(vs))
		for i, s := range vs {
			l[i] = s
		}
		query[k] = l
	}
	var body any
	switch {
	case req.JSON != nil:
		body = req.JSON
	case req.Body != nil:
		body = string(req.Body)
	}
	method := req.Method
	if method == "" {
		method = "GET"
	}
	return map[string]any{
		"method": method, "url": req.URL, "path": u.Path,
		"query": query, "headers": headerValue(req.Header), "body": body,
	}, nil
}

// setQuery sets the query parameters of an object ({name: value}; null
// removes the parameter) on req. A parameter also in the URL's own query
// is taken out of the URL, so that it is sent once, with the new value.
// given, when not nil, is the query the script was shown: parameters
// whose value it did not change are left alone.
func setQuery(req *extension.Request, v any, given map[string]any, what string) error {
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s must be an object, got %s", what, describe(v))
	}
	var fromURL []string
	for k, e := range m {
		if given != nil && sameValue(given[k], e) {
			continue
		}
		if req.Query == nil {
			req.Query = url.Values{}
		}
		fromURL = append(fromURL, k)
		if e == nil {
			req.Query.Del(k)
			continue
		}
		vals, err := headerValues(e)
		if err != nil {
			return fmt.Errorf("%s: %s %w", what, k, err)
		}
		req.Query[k] = vals
	}
	if len(fromURL) == 0 {
		return nil
	}
	u, err := url.Parse(req.URL)
	if err != nil || u.RawQuery == "" {
		return nil
	}
	q := u.Query()
	changed := false
	for _, k := range fromURL {
		if q.Has(k) {
			q.Del(k)
			changed = true
		}
	}
	if changed {
		u.RawQuery = extension.EncodeQuery(q)
		req.URL = u.String()
	}
	return nil
}

// setHeaders sets the headers of an object ({name: value}; null removes
// the header) on req. given, when not nil, is the headers the script was
// shown: headers whose value it did not change are left alone.
func setHeaders(req *extension.Request, v any, given map[string]any, what string) error {
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s must be an object, got %s", what, describe(v))
	}
	for k, e := range m {
		if given != nil && sameValue(given[strings.ToLower(k)], e) {
			continue
		}
		if req.Header == nil {
			req.Header = make(map[string][]string)
		}
		if e == nil {
			req.Header.Del(k)
			continue
		}
		vals, err := headerValues(e)
		if err != nil {
			return fmt.Errorf("%s: %s %w", what, k, err)
		}
		req.Header.Del(k)
		for _, s := range vals {
			req.Header.Add(k, s)
		}
	}
	return nil
}

// sameValue compares two header or query values as the script saw and
// returned them.
func sameValue(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	as, err1 := headerValues(a)
	bs, err2 := headerValues(b)
	return err1 == nil && err2 == nil && slices.Equal(as, bs)
}

// resolve returns ref resolved against the URL base without its query,
// as a next link is.
func resolve(base, ref string) (string, error) {
	r, err := url.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("the URL %q: %w", ref, err)
	}
	if r.IsAbs() {
		return ref, nil
	}
	b, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("the current URL %q: %w", base, err)
	}
	b.RawQuery, b.ForceQuery, b.Fragment, b.RawFragment = "", false, "", ""
	return b.ResolveReference(r).String(), nil
}
