package extract

import (
	"bytes"
	"encoding/json"
	"strings"
)

// recordKeys are the keys dlt prefers when it detects the data selector
// (reference §3.8).
var recordKeys = map[string]bool{
	"data": true, "items": true, "results": true, "entries": true, "records": true,
	"rows": true, "entities": true, "payload": true, "content": true, "objects": true, "values": true,
}

// DetectSelector finds the records of a raw JSON body the way dlt does when
// no data_selector is configured: `$` for anything but an object;
// otherwise the first list (depth-first, in document order, at most three
// keys deep) whose key is a well-known record key, else the first list
// found, else `$` (the object is one record).
//
// It reads the raw text rather than the decoded body because decoded maps
// have no key order and dlt's "first" is document order. It runs once per
// resource, on the first page. The result is logged so the user can freeze
// it in the file.
func DetectSelector(raw []byte) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if d, ok := tok.(json.Delim); err != nil || !ok || d != '{' {
		return "$"
	}
	var found [][]string
	if err := walkMembers(dec, nil, 0, &found); err != nil || len(found) == 0 {
		return "$"
	}
	for _, p := range found {
		if recordKeys[p[len(p)-1]] {
			return strings.Join(p, ".")
		}
	}
	return strings.Join(found[0], ".")
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
			err = skipRest(dec)
		case isDelim && vd == '{' && depth < 2:
			err = walkMembers(dec, p, depth+1, found)
		case isDelim:
			err = skipRest(dec)
		}
		if err != nil {
			return err
		}
	}
	_, err := dec.Token() // the closing brace
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
