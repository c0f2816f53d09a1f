package extract

import (
	"bytes"
	"encoding/json"
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
// DetectSelector works on the decoded body, whose maps have no order, so
// "first" is decided in sorted key order there; DetectSelectorRaw reads
// the raw body for dlt's document order. The detected selector is logged so
// the user can freeze it in the file.
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

// DetectSelectorRaw is DetectSelector in document order, as dlt walks the
// body: it reads the keys of the raw JSON text in the order they come. It
// falls back to DetectSelector(body) when raw cannot be read as JSON.
func DetectSelectorRaw(raw []byte, body any) string {
	if _, ok := body.(map[string]any); !ok {
		return "$"
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	var found [][]string
	if err := walkRaw(dec, &found); err != nil {
		return DetectSelector(body)
	}
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

// walkRaw reads the top-level value from dec and, when it is an object,
// walks its members.
func walkRaw(dec *json.Decoder, found *[][]string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); ok && d == '{' {
		return walkMembers(dec, nil, 0, found)
	}
	return nil
}

// walkMembers reads the members of an object whose opening brace has been
// read, at the given depth (0 for the body): it records the path of every
// list and descends into member objects while depth < 2, so lists are found
// at most three keys deep, as dlt finds them.
func walkMembers(dec *json.Decoder, path []string, depth int, found *[][]string) error {
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := kt.(string)
		p := append(append([]string(nil), path...), key)
		vt, err := dec.Token()
		if err != nil {
			return err
		}
		vd, isDelim := vt.(json.Delim)
		switch {
		case isDelim && vd == '[':
			*found = append(*found, p)
			if err := skipRest(dec); err != nil {
				return err
			}
		case isDelim && vd == '{' && depth < 2:
			if err := walkMembers(dec, p, depth+1, found); err != nil {
				return err
			}
		case isDelim:
			if err := skipRest(dec); err != nil {
				return err
			}
		}
	}
	_, err := dec.Token()
	return err
}

// skipRest skips the rest of an array or object whose opening delimiter
// has been read.
func skipRest(dec *json.Decoder) error {
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '[' || d == '{' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
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
