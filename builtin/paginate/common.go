package paginate

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/jsonpath"
)

// optPath reads a JSONPath argument. It returns nil when the field is
// null, or when it is absent and def is empty; explicit reports whether the
// user wrote a value (null included).
func optPath(args *extension.Args, key, def string) (p *jsonpath.Path, explicit bool) {
	raw, given := args.Raw(key)
	if given && raw == nil {
		return nil, true
	}
	expr := args.String(key, def)
	if expr == "" {
		if given {
			args.Fail(key, "must not be empty (write null to turn it off)")
		}
		return nil, given
	}
	p, err := jsonpath.Compile(expr)
	if err != nil {
		args.Fail(key, "%v", err)
		return nil, given
	}
	return p, given
}

// setQuery sets one query parameter of req, replacing what the request
// had under that name (in its Query or in its URL's own query).
func setQuery(req *extension.Request, name, value string) {
	if u, err := url.Parse(req.URL); err == nil && u.RawQuery != "" {
		q := u.Query()
		if q.Has(name) {
			q.Del(name)
			u.RawQuery = extension.EncodeQuery(q)
			req.URL = u.String()
		}
	}
	if req.Query == nil {
		req.Query = url.Values{}
	}
	req.Query.Set(name, value)
}

// setBodyPath writes v into req's JSON body at a dot-separated path,
// creating the body and intermediate objects, keeping the other keys (dlt
// §3.7). The body is copied first, so a body shared with the configuration
// is never changed.
func setBodyPath(req *extension.Request, path string, v any) error {
	var root map[string]any
	switch b := req.JSON.(type) {
	case nil:
		root = map[string]any{}
	case map[string]any:
		root = extension.CloneJSON(b).(map[string]any)
	default:
		return fmt.Errorf("cannot write %q into a JSON body that is %T, not an object", path, req.JSON)
	}
	cur := root
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := cur[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[p] = next
		}
		cur = next
	}
	cur[parts[len(parts)-1]] = v
	req.JSON = root
	return nil
}

// scalarString renders a JSON scalar for a query parameter: integers as
// digits, other numbers in their shortest form, strings as they are.
func scalarString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case int64:
		return strconv.FormatInt(t, 10)
	case int:
		return strconv.Itoa(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	}
	return fmt.Sprint(v)
}

// falsy is Python's truthiness for a JSON value, as dlt tests a cursor.
func falsy(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case string:
		return t == ""
	case bool:
		return !t
	case int64:
		return t == 0
	case int:
		return t == 0
	case float64:
		return t == 0
	}
	return false
}

// hasMore reads a has_more flag: a boolean, or a string dlt's str2bool
// accepts (yes/true/t/y/1, no/false/f/n/0, any case).
func hasMore(p *jsonpath.Path, body any) (bool, error) {
	v, ok := p.First(body)
	if !ok || v == nil {
		return false, fmt.Errorf("has_more_path %q not found in the response", p)
	}
	switch t := v.(type) {
	case bool:
		return t, nil
	case string:
		switch strings.ToLower(t) {
		case "yes", "true", "t", "y", "1":
			return true, nil
		case "no", "false", "f", "n", "0":
			return false, nil
		}
	}
	return false, fmt.Errorf("has_more_path %q is %v, not a boolean", p, v)
}

// toInt reads a total: an integer, or a string holding one.
func toInt(v any) (int64, error) {
	return extension.ToInt(v)
}
