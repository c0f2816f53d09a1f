package extract

import (
	"sort"
	"strings"
)

// recordKeys are the keys dlt prefers when it detects the data selector
// (reference §3.8).
var recordKeys = map[string]bool{
	"data": true, "items": true, "results": true, "entries": true, "records": true,
	"rows": true, "entities": true, "payload": true, "content": true, "objects": true, "values": true,
}

// DetectSelector finds the records of a response body the way dlt does
// when no data_selector is configured: `$` for anything but an object;
// otherwise the first list (depth-first, in key order, at most three
// levels deep) whose key is a well-known record key, else the first list
// found, else `$` (the object is one record).
//
// Go maps have no order, so "first" is decided in sorted key order; dlt
// uses document order. The detected selector is logged so the user can
// freeze it in the file.
func DetectSelector(body any) string {
	obj, ok := body.(map[string]any)
	if !ok {
		return "$"
	}
	var found [][]string
	var walk func(m map[string]any, path []string, depth int)
	walk = func(m map[string]any, path []string, depth int) {
		for _, k := range sortedKeys(m) {
			p := append(append([]string(nil), path...), k)
			switch v := m[k].(type) {
			case []any:
				found = append(found, p)
			case map[string]any:
				if depth < 2 {
					walk(v, p, depth+1)
				}
			}
		}
	}
	walk(obj, nil, 0)
	if len(found) == 0 {
		return "$"
	}
	for _, p := range found {
		if recordKeys[p[len(p)-1]] {
			return joinPath(p)
		}
	}
	return joinPath(found[0])
}

func joinPath(p []string) string {
	return strings.Join(p, ".")
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
