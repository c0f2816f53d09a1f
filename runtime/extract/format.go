package extract

import (
	"fmt"
	"strconv"
	"strings"
)

// unescapeBraces turns dlt's escaped braces `{{` and `}}` into literal
// braces, as Python's str.format does for a top-level resource that has no
// placeholders to fill.
func unescapeBraces(s string) string {
	if !strings.Contains(s, "{{") && !strings.Contains(s, "}}") {
		return s
	}
	return strings.NewReplacer("{{", "{", "}}", "}").Replace(s)
}

// unescapeJSON applies unescapeBraces to every key and string of a JSON
// tree, returning a new tree.
func unescapeJSON(v any) any {
	switch t := v.(type) {
	case string:
		return unescapeBraces(t)
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[unescapeBraces(k)] = unescapeJSON(e)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, e := range t {
			s[i] = unescapeJSON(e)
		}
		return s
	}
	return v
}

// paramString renders a scalar parameter value for a query string or a
// form body. Booleans render as `true`/`false`: dlt sends Python's
// `True`/`False`, which few APIs accept (see docs/RATIONALE.md).
func paramString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case bool:
		return strconv.FormatBool(t)
	case int:
		return strconv.Itoa(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}
