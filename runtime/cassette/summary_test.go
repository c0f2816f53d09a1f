package cassette

import (
	"reflect"
	"testing"
)

func TestDiff(t *testing.T) {
	base := func() *Summary {
		return &Summary{Pipeline: "p", Tables: map[string]*TableSummary{
			"users": {Rows: 2, Hash: "h1", Columns: map[string]*ColumnSummary{
				"_dlt_id": {Type: "text"},
				"name":    {Type: "text", Hash: "c1"},
				"age":     {Type: "bigint", Hash: "c2"},
			}},
			"users__tags": {Parent: "users", Rows: 3, Hash: "h2", Columns: map[string]*ColumnSummary{
				"value": {Type: "text", Hash: "c3"},
			}},
		}}
	}
	tests := []struct {
		name   string
		change func(s *Summary)
		want   []string
	}{
		{"same", func(*Summary) {}, nil},
		{"values of one column", func(s *Summary) { s.Tables["users"].Columns["name"].Hash = "x"; s.Tables["users"].Hash = "y" },
			[]string{"table users, column name: values differ"}},
		{"new column", func(s *Summary) { s.Tables["users"].Columns["email"] = &ColumnSummary{Type: "text", Hash: "e"} },
			[]string{"table users, column email: new column (type text)"}},
		{"missing column", func(s *Summary) { delete(s.Tables["users"].Columns, "age") },
			[]string{"table users, column age: missing (the golden summary has it, type bigint)"}},
		{"type", func(s *Summary) { s.Tables["users"].Columns["age"].Type = "double" },
			[]string{"table users, column age: type double, the golden summary has bigint"}},
		{"rows", func(s *Summary) { s.Tables["users__tags"].Rows = 4 },
			[]string{"table users__tags: 4 rows, the golden summary has 3"}},
		{"new table", func(s *Summary) {
			s.Tables["orders"] = &TableSummary{Rows: 1, Columns: map[string]*ColumnSummary{"id": {Type: "bigint"}}}
		}, []string{"table orders: new table, 1 rows, columns id"}},
		{"missing table", func(s *Summary) { delete(s.Tables, "users__tags") },
			[]string{"table users__tags: missing (the golden summary has it, with 3 rows)"}},
		{"rows regrouped", func(s *Summary) { s.Tables["users__tags"].Hash = "other" },
			[]string{"table users__tags: the same column values, combined into other rows or tied to other parent rows"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := base()
			tt.change(got)
			if d := Diff(base(), got); !reflect.DeepEqual(d, tt.want) {
				t.Errorf("Diff = %q, want %q", d, tt.want)
			}
		})
	}
}

func TestSummaryRoundTrip(t *testing.T) {
	s := &Summary{Pipeline: "p", Tables: map[string]*TableSummary{
		"t": {Rows: 1, Hash: "h", Columns: map[string]*ColumnSummary{"a": {Type: "text", Hash: "x"}, "_dlt_id": {Type: "text"}}},
	}}
	data, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseSummary(data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if d := Diff(s, back); d != nil || !reflect.DeepEqual(s, back) {
		t.Errorf("round trip changed the summary: %q\n%s", d, data)
	}
	if _, err := ParseSummary([]byte("pipeline: p\ntables:\n  t:\n    rowz: 1\n")); err == nil {
		t.Error("an unknown field in a golden file is accepted")
	}
}

func TestCanonical(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{nil, "null"},
		{int64(9007199254740993), "9007199254740993"},
		{1.5, "1.5"},
		{"a\"b", `"a\"b"`},
		{[]byte("text"), `"text"`},
		{[]byte{0xff}, `"/w=="`},
		{true, "true"},
	}
	for _, tt := range tests {
		if got := canonical(tt.in); got != tt.want {
			t.Errorf("canonical(%#v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// FuzzParseSummary: a golden file either fails to parse or round-trips.
func FuzzParseSummary(f *testing.F) {
	f.Add([]byte("pipeline: p\ntables:\n  t:\n    rows: 1\n    hash: h\n    columns:\n      a: {type: text, hash: x}\n"))
	f.Add([]byte("tables: {t: {parent: u, rows: 0, columns: {}}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSummary(data)
		if err != nil {
			return
		}
		out, err := s.Marshal()
		if err != nil {
			t.Fatalf("a parsed summary does not marshal: %v", err)
		}
		back, err := ParseSummary(out)
		if err != nil {
			t.Fatalf("a marshalled summary does not parse: %v\n%s", err, out)
		}
		if d := Diff(s, back); d != nil {
			t.Fatalf("round trip changed the summary: %q", d)
		}
	})
}
