package schema

import (
	"bytes"
	"crypto/sha3"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
)

// maxPreviousHashes is how many earlier version hashes a schema remembers.
const maxPreviousHashes = 10

func defaultSettings() map[string]any {
	return map[string]any{
		"detections": []any{"iso_timestamp"},
		"default_hints": map[string]any{
			"not_null":   []any{ColID, ColRootID, ColParentID, ColListIdx, ColLoadID},
			"parent_key": []any{ColParentID},
			"root_key":   []any{ColRootID},
			"unique":     []any{ColID},
			"row_key":    []any{ColID},
		},
	}
}

func defaultNormalizers() map[string]any {
	return map[string]any{
		"names": "snake_case",
		"json":  map[string]any{"module": "dlt.common.normalizers.json.relational"},
	}
}

// ToJSON returns the schema in dlt's stored-schema shape. Tables and columns
// keep their order. Call Bump first to set the version and hash.
func (s *Schema) ToJSON() []byte {
	var b bytes.Buffer
	s.writeJSON(&b, true)
	return b.Bytes()
}

// MarshalJSON implements json.Marshaler with ToJSON.
func (s *Schema) MarshalJSON() ([]byte, error) { return s.ToJSON(), nil }

func (s *Schema) writeJSON(b *bytes.Buffer, withVersion bool) {
	b.WriteByte('{')
	if withVersion {
		fmt.Fprintf(b, `"version":%d,"version_hash":%s,`, s.Version, jstr(s.VersionHash))
	}
	fmt.Fprintf(b, `"engine_version":%d,"name":%s,"tables":{`, EngineVersion, jstr(s.Name))
	for i, t := range s.Tables {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(jstr(t.Name))
		b.WriteByte(':')
		t.writeJSON(b)
	}
	b.WriteString(`},"settings":`)
	settings := s.settings
	if settings == nil {
		settings = defaultSettings()
	}
	b.WriteString(jval(settings))
	b.WriteString(`,"normalizers":`)
	normalizers := s.normalizers
	if normalizers == nil {
		normalizers = defaultNormalizers()
	}
	b.WriteString(jval(normalizers))
	if withVersion {
		prev := s.PreviousHashes
		if prev == nil {
			prev = []string{}
		}
		b.WriteString(`,"previous_hashes":`)
		b.WriteString(jval(prev))
	}
	b.WriteByte('}')
}

func (t *Table) writeJSON(b *bytes.Buffer) {
	fmt.Fprintf(b, `{"name":%s,"columns":{`, jstr(t.Name))
	for i, c := range t.Columns {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(jstr(c.Name))
		b.WriteByte(':')
		c.writeJSON(b)
	}
	b.WriteByte('}')
	if t.WriteDisposition != "" {
		fmt.Fprintf(b, `,"write_disposition":%s`, jstr(t.WriteDisposition))
	}
	if t.Parent != "" {
		fmt.Fprintf(b, `,"parent":%s`, jstr(t.Parent))
	}
	if t.Resource != "" {
		fmt.Fprintf(b, `,"resource":%s`, jstr(t.Resource))
	}
	if t.Description != "" {
		fmt.Fprintf(b, `,"description":%s`, jstr(t.Description))
	}
	xn := map[string]any{}
	if x, ok := t.Extra["x-normalizer"].(map[string]any); ok {
		for k, v := range x {
			xn[k] = v
		}
	}
	if t.SeenData {
		xn["seen-data"] = true
	}
	if t.MaxNesting != nil {
		xn["max_nesting"] = *t.MaxNesting
	}
	if len(xn) > 0 {
		b.WriteString(`,"x-normalizer":`)
		b.WriteString(jval(xn))
	}
	writeExtra(b, t.Extra, "x-normalizer")
	b.WriteByte('}')
}

func (c *Column) writeJSON(b *bytes.Buffer) {
	fmt.Fprintf(b, `{"name":%s`, jstr(c.Name))
	if c.DataType != "" {
		fmt.Fprintf(b, `,"data_type":%s`, jstr(string(c.DataType)))
	}
	fmt.Fprintf(b, `,"nullable":%t`, c.Nullable)
	for _, f := range []struct {
		key string
		on  bool
	}{
		{"primary_key", c.PrimaryKey}, {"merge_key", c.MergeKey}, {"unique", c.Unique},
		{"variant", c.Variant}, {"row_key", c.RowKey}, {"parent_key", c.ParentKey},
		{"root_key", c.RootKey},
	} {
		if f.on {
			fmt.Fprintf(b, `,%s:true`, jstr(f.key))
		}
	}
	if c.Precision != nil {
		fmt.Fprintf(b, `,"precision":%d`, *c.Precision)
	}
	if c.Scale != nil {
		fmt.Fprintf(b, `,"scale":%d`, *c.Scale)
	}
	writeExtra(b, c.Extra)
	b.WriteByte('}')
}

func writeExtra(b *bytes.Buffer, extra map[string]any, skip ...string) {
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if !slices.Contains(skip, k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(b, `,%s:%s`, jstr(k), jval(extra[k]))
	}
}

func jstr(s string) string {
	out, _ := MarshalJSON(s)
	return out
}

func jval(v any) string {
	out, err := MarshalJSON(v)
	if err != nil {
		return "null"
	}
	return out
}

// ContentHash returns the hash of the schema content, excluding its version
// fields: base64 of SHA3-256, like dlt's version_hash. Any change to tables,
// columns (including their order) or settings changes it.
func (s *Schema) ContentHash() string {
	var b bytes.Buffer
	s.writeJSON(&b, false)
	sum := sha3.Sum256(b.Bytes())
	return base64.StdEncoding.EncodeToString(sum[:])
}

// Bump sets the version hash from the content. A schema without a hash gets
// version 1 (or keeps a version it has); a changed hash increments the
// version and remembers the previous hash (up to 10), as dlt's
// bump_version_if_modified does. It reports whether the hash changed.
func (s *Schema) Bump() bool {
	h := s.ContentHash()
	switch {
	case s.VersionHash == "":
		if s.Version == 0 {
			s.Version = 1
		}
	case h != s.VersionHash:
		s.Version++
		if !slices.Contains(s.PreviousHashes, s.VersionHash) {
			s.PreviousHashes = append([]string{s.VersionHash}, s.PreviousHashes...)
			if len(s.PreviousHashes) > maxPreviousHashes {
				s.PreviousHashes = s.PreviousHashes[:maxPreviousHashes]
			}
		}
	default:
		return false
	}
	s.VersionHash = h
	return true
}

// orderedObject is a JSON object decoded with its key order.
type orderedObject []struct {
	Key string
	Val json.RawMessage
}

func (o *orderedObject) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errors.New("expected a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		*o = append(*o, struct {
			Key string
			Val json.RawMessage
		}{key, raw})
	}
	_, err = dec.Token()
	return err
}

type storedSchema struct {
	Version        int64          `json:"version"`
	VersionHash    string         `json:"version_hash"`
	EngineVersion  int            `json:"engine_version"`
	Name           string         `json:"name"`
	Tables         orderedObject  `json:"tables"`
	Settings       map[string]any `json:"settings"`
	Normalizers    map[string]any `json:"normalizers"`
	PreviousHashes []string       `json:"previous_hashes"`
}

type storedTable struct {
	Name             string        `json:"name"`
	Columns          orderedObject `json:"columns"`
	WriteDisposition string        `json:"write_disposition"`
	Parent           string        `json:"parent"`
	Resource         string        `json:"resource"`
	Description      string        `json:"description"`
}

var knownTableKeys = []string{"name", "columns", "write_disposition", "parent", "resource", "description"}

var knownColumnKeys = []string{
	"name", "data_type", "nullable", "primary_key", "merge_key", "unique", "variant",
	"row_key", "parent_key", "root_key", "precision", "scale",
}

// FromJSON restores a schema written by ToJSON (or by dlt: unknown table
// and column properties are kept). Table and column order is preserved, so
// a restored schema continues with the same column types and order.
func FromJSON(data []byte) (*Schema, error) {
	var st storedSchema
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	if st.Name == "" {
		return nil, errors.New("schema: no name")
	}
	s := &Schema{
		Name:           st.Name,
		Version:        st.Version,
		VersionHash:    st.VersionHash,
		PreviousHashes: st.PreviousHashes,
		settings:       st.Settings,
		normalizers:    st.Normalizers,
		index:          make(map[string]*Table),
	}
	for _, kv := range st.Tables {
		t, err := tableFromJSON(kv.Key, kv.Val)
		if err != nil {
			return nil, fmt.Errorf("schema %s: table %s: %w", st.Name, kv.Key, err)
		}
		s.AddTable(t)
	}
	return s, nil
}

func tableFromJSON(name string, raw json.RawMessage) (*Table, error) {
	var st storedTable
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, err
	}
	var all map[string]any
	if err := json.Unmarshal(raw, &all); err != nil {
		return nil, err
	}
	if st.Name == "" {
		st.Name = name
	}
	t := NewTable(st.Name, st.Parent)
	t.WriteDisposition = st.WriteDisposition
	t.Resource = st.Resource
	t.Description = st.Description
	for _, k := range knownTableKeys {
		delete(all, k)
	}
	if xn, ok := all["x-normalizer"].(map[string]any); ok {
		if v, ok := xn["seen-data"].(bool); ok {
			t.SeenData = v
			delete(xn, "seen-data")
		}
		if v, ok := xn["max_nesting"].(float64); ok {
			n := int(v)
			t.MaxNesting = &n
			delete(xn, "max_nesting")
		}
		if len(xn) == 0 {
			delete(all, "x-normalizer")
		}
	}
	if len(all) > 0 {
		t.Extra = all
	}
	for _, kv := range st.Columns {
		c, err := columnFromJSON(kv.Key, kv.Val)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", kv.Key, err)
		}
		t.AddColumn(c)
	}
	return t, nil
}

func columnFromJSON(name string, raw json.RawMessage) (*Column, error) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	c, err := ColumnFromHints(name, m)
	if err != nil {
		return nil, err
	}
	if n, ok := m["name"].(string); ok && n != "" {
		c.Name = n
	}
	return c, nil
}

// ColumnFromHints builds a column from dlt column properties (`data_type`,
// `nullable`, `primary_key`, `merge_key`, `unique`, `variant`, `precision`,
// `scale`, …); unknown properties are kept in Extra. A missing `nullable`
// means true, except for primary key columns.
func ColumnFromHints(name string, m map[string]any) (*Column, error) {
	c := &Column{Name: name, Nullable: true}
	if v, ok := m["data_type"]; ok && v != nil {
		s, _ := v.(string)
		if s == "complex" { // dlt's name for json before engine 10
			s = string(JSON)
		}
		dt := DataType(s)
		if !dt.Valid() {
			return nil, fmt.Errorf("unknown data_type %v", v)
		}
		c.DataType = dt
	}
	flag := func(k string) bool { b, _ := m[k].(bool); return b }
	c.PrimaryKey = flag("primary_key")
	c.MergeKey = flag("merge_key")
	c.Unique = flag("unique")
	c.Variant = flag("variant")
	c.RowKey = flag("row_key")
	c.ParentKey = flag("parent_key")
	c.RootKey = flag("root_key")
	if v, ok := m["nullable"].(bool); ok {
		c.Nullable = v
	} else if c.PrimaryKey {
		c.Nullable = false
	}
	num := func(k string) *int {
		switch v := m[k].(type) {
		case float64:
			n := int(v)
			return &n
		case int:
			return &v
		case int64:
			n := int(v)
			return &n
		}
		return nil
	}
	c.Precision = num("precision")
	c.Scale = num("scale")
	for k, v := range m {
		if slices.Contains(knownColumnKeys, k) {
			continue
		}
		if c.Extra == nil {
			c.Extra = map[string]any{}
		}
		c.Extra[k] = v
	}
	return c, nil
}
