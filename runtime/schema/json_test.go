package schema

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
)

func sampleSchema() *Schema {
	s := New("github")
	users := NewTable("users", "")
	users.WriteDisposition = Merge
	users.Resource = "users"
	n := 2
	users.MaxNesting = &n
	users.SeenData = true
	users.AddColumn(&Column{Name: "id", DataType: Bigint, PrimaryKey: true})
	users.AddColumn(&Column{Name: "login", DataType: Text, Nullable: true})
	users.AddColumn(&Column{Name: "price__v_text", DataType: Text, Nullable: true, Variant: true})
	users.AddColumn(&Column{Name: "payload", DataType: JSON, Nullable: true, Extra: map[string]any{"x-custom": "keep"}})
	users.AddColumn(&Column{Name: ColLoadID, DataType: Text})
	users.AddColumn(&Column{Name: ColID, DataType: Text, Unique: true, RowKey: true})
	users.AddColumn(&Column{Name: "later", Nullable: true, MergeKey: true}) // incomplete
	s.AddTable(users)
	tags := NewTable("users__tags", "users")
	tags.AddColumn(&Column{Name: "value", DataType: Text, Nullable: true})
	tags.AddColumn(&Column{Name: ColParentID, DataType: Text, ParentKey: true})
	tags.AddColumn(&Column{Name: ColListIdx, DataType: Bigint})
	tags.AddColumn(&Column{Name: ColID, DataType: Text, Unique: true, RowKey: true})
	s.AddTable(tags)
	return s
}

func TestJSONRoundTrip(t *testing.T) {
	s := sampleSchema()
	if !s.Bump() {
		t.Fatal("first Bump reported no change")
	}
	if s.Version != 1 || s.VersionHash == "" {
		t.Fatalf("version %d hash %q", s.Version, s.VersionHash)
	}
	data := s.ToJSON()
	if !json.Valid(data) {
		t.Fatalf("invalid JSON: %s", data)
	}
	r, err := FromJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	if again := r.ToJSON(); !bytes.Equal(again, data) {
		t.Fatalf("round trip differs:\n%s\n%s", data, again)
	}
	if r.ContentHash() != s.VersionHash {
		t.Error("the restored schema hashes differently")
	}
	var names []string
	for _, tb := range r.Tables {
		names = append(names, tb.Name)
	}
	if want := []string{VersionTableName, LoadsTableName, "users", "users__tags"}; !slices.Equal(names, want) {
		t.Errorf("tables %v, want %v", names, want)
	}
	u := r.Table("users")
	var cols []string
	for _, c := range u.Columns {
		cols = append(cols, c.Name)
	}
	if want := []string{"id", "login", "price__v_text", "payload", ColLoadID, ColID, "later"}; !slices.Equal(cols, want) {
		t.Errorf("columns %v, want %v", cols, want)
	}
	if c := u.Column("id"); c.DataType != Bigint || !c.PrimaryKey || c.Nullable {
		t.Errorf("id = %+v", c)
	}
	if c := u.Column("later"); c.Complete() || !c.MergeKey {
		t.Errorf("later = %+v", c)
	}
	if c := u.Column("price__v_text"); !c.Variant {
		t.Errorf("variant flag lost: %+v", c)
	}
	if c := u.Column("payload"); c.Extra["x-custom"] != "keep" {
		t.Errorf("extra lost: %+v", c)
	}
	if u.MaxNesting == nil || *u.MaxNesting != 2 || !u.SeenData || u.WriteDisposition != Merge {
		t.Errorf("table props lost: %+v", u)
	}
	if r.Table("users__tags").Parent != "users" {
		t.Error("parent lost")
	}
	if got := r.Descendants("users"); len(got) != 1 || got[0].Name != "users__tags" {
		t.Errorf("Descendants = %v", got)
	}
}

func TestBump(t *testing.T) {
	s := sampleSchema()
	s.Bump()
	h1 := s.VersionHash
	if s.Bump() {
		t.Error("Bump without change reported a change")
	}
	s.Table("users").AddColumn(&Column{Name: "new", DataType: Text, Nullable: true})
	if !s.Bump() || s.Version != 2 || s.VersionHash == h1 || !slices.Equal(s.PreviousHashes, []string{h1}) {
		t.Errorf("after change: version %d hash %q prev %v", s.Version, s.VersionHash, s.PreviousHashes)
	}
	// column order is part of the content
	a, b := sampleSchema(), sampleSchema()
	cs := b.Table("users").Columns
	cs[0], cs[1] = cs[1], cs[0]
	b.Table("users").reindex()
	if a.ContentHash() == b.ContentHash() {
		t.Error("column order does not change the hash")
	}
}

func TestFromJSONDltSchema(t *testing.T) {
	// the shape dlt stores (trimmed from dlt's tests), incl. the legacy
	// "complex" type and properties sluice does not model
	data := []byte(`{"version": 3, "version_hash": "o6ol", "engine_version": 11, "name": "event",
	"tables": {"issues": {"columns": {"url": {"partition": false, "data_type": "text", "nullable": true},
	"payload": {"data_type": "complex", "nullable": true},
	"_dlt_id": {"data_type": "text", "nullable": false, "unique": true, "row_key": true}},
	"write_disposition": "append", "resource": "issues", "x-normalizer": {"seen-data": true}}},
	"settings": {"detections": ["iso_timestamp"]}, "normalizers": {"names": "snake_case"},
	"previous_hashes": ["abc"]}`)
	s, err := FromJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	is := s.Table("issues")
	if is == nil || len(is.Columns) != 3 || is.Column("payload").DataType != JSON || !is.SeenData {
		t.Fatalf("issues = %+v", is)
	}
	if is.Column("url").Extra["partition"] != false {
		t.Error("unknown column property dropped")
	}
	if s.Version != 3 || s.VersionHash != "o6ol" || s.PreviousHashes[0] != "abc" {
		t.Errorf("version fields: %d %q %v", s.Version, s.VersionHash, s.PreviousHashes)
	}
	if _, err := FromJSON([]byte(`{"name": "x", "tables": {"t": {"columns": {"c": {"data_type": "nope"}}}}}`)); err == nil {
		t.Error("an unknown data type was accepted")
	}
}
