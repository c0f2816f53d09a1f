package main

import (
	"fmt"
	"strconv"
)

// ParseConfig returns config `fields`: a non-empty list of top-level keys.
func ParseConfig(raw map[string]any) ([]string, error) {
	v, ok := raw["fields"]
	if !ok || v == nil {
		return nil, fmt.Errorf("pii-hash: config.fields is required: the list of top-level keys to hash, e.g. fields: [email, phone]")
	}
	list, ok := v.([]any)
	if !ok {
		if s, isString := v.(string); isString {
			list = []any{s}
		} else {
			return nil, fmt.Errorf("pii-hash: config.fields must be a list of keys, got %T", v)
		}
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("pii-hash: config.fields is empty: name at least one key")
	}
	out := make([]string, 0, len(list))
	for i, f := range list {
		s, ok := f.(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("pii-hash: config.fields[%d] must be a key (a non-empty string), got %v", i, f)
		}
		out = append(out, s)
	}
	return out, nil
}

// Hash replaces rec's fields in place with sum (lowercase hex SHA-256) of
// their text: a string as it is, a number or boolean as JSON writes it.
// A missing or null field stays as it is; an object or a list is an error,
// since its contents would otherwise land in clear.
func Hash(rec Fields, fields []string, sum func(string) string) error {
	for _, f := range fields {
		v, ok := rec.Get(f)
		if !ok {
			continue
		}
		var text string
		switch x := v.(type) {
		case nil:
			continue
		case string:
			text = x
		case float64:
			text = strconv.FormatFloat(x, 'f', -1, 64)
		case int64:
			text = strconv.FormatInt(x, 10)
		case int:
			text = strconv.Itoa(x)
		case bool:
			text = strconv.FormatBool(x)
		default:
			return fmt.Errorf("pii-hash: field %q is %s, not a string or number: list only scalar fields in config.fields", f, kind(v))
		}
		rec.SetString(f, sum(text))
	}
	return nil
}

// Fields is a record as Hash reads and changes it: guest.Record in the
// module (which decodes only the fields asked for and sends back only
// the hashed ones), MapFields in tests.
type Fields interface {
	Get(key string) (any, bool)
	SetString(key, s string)
}

// MapFields is a decoded record as Fields.
type MapFields map[string]any

// Get returns a top-level field.
func (m MapFields) Get(key string) (any, bool) {
	v, ok := m[key]
	return v, ok
}

// SetString sets a top-level field to a string.
func (m MapFields) SetString(key, s string) { m[key] = s }

func kind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("a %T", v)
}
