package extract

import (
	"fmt"
	"strconv"
)

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
