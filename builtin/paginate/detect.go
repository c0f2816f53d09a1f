package paginate

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/sluicehq/sluice/runtime/extension"
)

// detectBody picks a paginator for a resource that names none, from its first
// response and the number of records the data selector found on it, as
// dlt's auto-detection does (reference §3.8), with dlt's misses fixed:
// OData's @odata.nextLink, next links nested in links/_links, page numbers
// that start at 1 (dlt fetches page 1 twice), and a next key that holds a
// cursor. The detected paginator is ready to continue after that first
// page.
//
// When it finds no paginator but the response still shows more pages (a
// total above the records read, has_more true), it says so in signs: the
// engine must not end such a resource silently.
func detectBody(resp *extension.Response, records int) extension.Detection {
	if next := ParseLinkHeader(strings.Join(resp.Header.Values("Link"), ", "))["next"]; next != "" {
		return extension.Detection{Type: "header_link"}
	}
	body, err := resp.JSON()
	obj, ok := body.(map[string]any)
	if err != nil || !ok {
		return extension.Detection{}
	}
	if v, ok := obj["@odata.nextLink"].(string); ok && v != "" {
		return extension.Detection{Type: "json_link", Args: map[string]any{"next_url_path": "['@odata.nextLink']"}}
	}
	if path, v, ok := findNext(obj, nil, 0); ok {
		if s, isStr := v.(string); isStr && (strings.HasPrefix(s, "http") || strings.HasPrefix(s, "/") || strings.HasPrefix(s, "?")) {
			return extension.Detection{Type: "json_link", Args: map[string]any{"next_url_path": strings.Join(path, ".")}}
		}
		return extension.Detection{Type: "cursor", Args: map[string]any{"cursor_path": strings.Join(path, "."), "cursor_param": "cursor"}}
	}
	if path, pages, ok := findKey(obj, nil, 0, func(k string, v any) bool {
		switch strings.ToLower(k) {
		case "total_pages", "totalpages", "pages", "page_count", "pagecount", "last_page":
			_, err := extension.ToInt(v)
			return err == nil
		}
		return false
	}); ok {
		n, _ := extension.ToInt(pages)
		cur, base := int64(0), int64(0)
		if _, v, ok := findKey(obj, nil, 0, func(k string, v any) bool {
			switch strings.ToLower(k) {
			case "page", "current_page", "currentpage", "page_number", "pagenumber":
				_, err := extension.ToInt(v)
				return err == nil
			}
			return false
		}); ok {
			cur, _ = extension.ToInt(v)
			if cur >= 1 {
				base = 1
			}
		} else if n >= 1 {
			// No current page in the body: most APIs that count pages
			// number them from 1, and the first request (sent with no
			// page parameter) was page 1.
			cur, base = 1, 1
		}
		return extension.Detection{Type: "page_number", Args: map[string]any{
			"base_page": base, "page": cur, "page_param": "page", "total_path": strings.Join(path, "."),
		}}
	}
	return extension.Detection{Signs: moreSigns(obj, records)}
}

// Detect is the detector builtin.Register installs: detectBody, plus the
// signs in the headers (a Content-Range total) for any body.
func Detect(resp *extension.Response, records int) extension.Detection {
	d := detectBody(resp, records)
	if d.Type == "" && d.Signs == "" {
		d.Signs = HeaderSigns(resp.Header, records)
	}
	return d
}

// findNext finds, depth first in sorted key order, the first key whose
// lower-case form starts with "next" and holds a non-null scalar, or an
// object with an href or url inside (down to nesting depth 3).
func findNext(obj map[string]any, path []string, depth int) ([]string, any, bool) {
	if depth > 3 {
		return nil, nil, false
	}
	keys := sortedKeys(obj)
	for _, k := range keys {
		v := obj[k]
		if !strings.HasPrefix(strings.ToLower(k), "next") || v == nil {
			continue
		}
		switch t := v.(type) {
		case map[string]any:
			for _, ik := range sortedKeys(t) {
				l := strings.ToLower(ik)
				if (strings.HasPrefix(l, "href") || strings.HasPrefix(l, "url")) && isScalar(t[ik]) && t[ik] != nil {
					return append(append([]string(nil), path...), k, ik), t[ik], true
				}
			}
		case []any:
		default:
			if !falsy(v) {
				return append(append([]string(nil), path...), k), v, true
			}
		}
	}
	for _, k := range keys {
		if m, ok := obj[k].(map[string]any); ok && !strings.HasPrefix(strings.ToLower(k), "next") {
			if p, v, ok := findNext(m, append(append([]string(nil), path...), k), depth+1); ok {
				return p, v, ok
			}
		}
	}
	return nil, nil, false
}

// findKey finds, depth first in sorted key order, the first key for which
// match holds (down to nesting depth 3).
func findKey(obj map[string]any, path []string, depth int, match func(string, any) bool) ([]string, any, bool) {
	if depth > 3 {
		return nil, nil, false
	}
	keys := sortedKeys(obj)
	for _, k := range keys {
		if match(k, obj[k]) {
			return append(append([]string(nil), path...), k), obj[k], true
		}
	}
	for _, k := range keys {
		if m, ok := obj[k].(map[string]any); ok {
			if p, v, ok := findKey(m, append(append([]string(nil), path...), k), depth+1, match); ok {
				return p, v, ok
			}
		}
	}
	return nil, nil, false
}

// moreSigns describes what in a response shows pages beyond it: a
// has_more flag that is true, or a record total above what was read.
func moreSigns(obj map[string]any, records int) string {
	if p, v, ok := findKey(obj, nil, 0, func(k string, v any) bool {
		switch strings.ToLower(k) {
		case "has_more", "hasmore", "more", "has_next", "hasnext", "has_next_page", "hasnextpage":
			b, isBool := v.(bool)
			return isBool && b
		}
		return false
	}); ok {
		return fmt.Sprintf("%s is %v", strings.Join(p, "."), v)
	}
	if p, v, ok := findKey(obj, nil, 0, func(k string, v any) bool {
		switch strings.ToLower(k) {
		case "total", "count", "total_count", "totalcount", "total_results", "totalresults", "total_records", "totalrecords", "totalitems", "total_items":
			n, err := extension.ToInt(v)
			return err == nil && n > int64(records)
		}
		return false
	}); ok {
		return fmt.Sprintf("%s is %v but the page had %d records", strings.Join(p, "."), v, records)
	}
	return ""
}

// HeaderSigns describes what in the headers shows more pages: a
// Content-Range total above the records read.
func HeaderSigns(h http.Header, records int) string {
	if cr := h.Get("Content-Range"); cr != "" {
		if t, ok := headerTotal(cr); ok && t > int64(records) {
			return fmt.Sprintf("Content-Range is %q but the page had %d records", cr, records)
		}
	}
	return ""
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func isScalar(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return false
	}
	return true
}
