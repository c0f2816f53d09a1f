package normalize

import (
	"encoding/base64"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/runtime/normalize/normalizetest"
	"github.com/sluicehq/sluice/runtime/schema"
)

const testLoadID = "1714500000.1234567"

func fixture(t *testing.T, name string) []any {
	t.Helper()
	recs, err := normalizetest.Records(filepath.Join("..", "..", "testdata", "normalize", name))
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func recs(js ...string) []any { return normalizetest.Page(js...) }

// normalize is n.NormalizePage with the records' body, as the pipeline calls it.
func normalize(n *Normalizer, h *TableHints, records []any) (*Batch, error) {
	return n.NormalizePage(h, records, normalizetest.Body(records))
}

// result is a batch turned into rows keyed by column name.
type result struct {
	b      *Batch
	tables []string
	rows   map[string][]map[string]any
}

func run(t *testing.T, n *Normalizer, h *TableHints, records []any) result {
	t.Helper()
	b, err := normalize(n, h, records)
	if err != nil {
		t.Fatal(err)
	}
	r := result{b: b, rows: map[string][]map[string]any{}}
	for _, tr := range b.Tables {
		r.tables = append(r.tables, tr.Table)
		if len(tr.Columns) != len(tr.Types) {
			t.Fatalf("%s: %d columns, %d types", tr.Table, len(tr.Columns), len(tr.Types))
		}
		for _, row := range tr.Rows {
			if len(row) > len(tr.Columns) {
				t.Fatalf("%s: row longer than columns", tr.Table)
			}
			m := map[string]any{}
			for i, v := range row {
				if v != nil {
					m[tr.Columns[i]] = v
				}
			}
			r.rows[tr.Table] = append(r.rows[tr.Table], m)
		}
	}
	return r
}

func columnNames(t *schema.Table) []string {
	var out []string
	for _, c := range t.Columns {
		out = append(out, c.Name)
	}
	return out
}

func newNormalizer() (*schema.Schema, *Normalizer) {
	s := schema.New("test")
	return s, New(s, Options{LoadID: testLoadID})
}

func TestNestedRecord(t *testing.T) {
	s, n := newNormalizer()
	r := run(t, n, &TableHints{Name: "users"}, fixture(t, "nested_user.json"))

	// document order: the record lists tags before orders
	wantTables := []string{"users", "users__tags", "users__orders", "users__orders__items"}
	if !slices.Equal(r.tables, wantTables) {
		t.Fatalf("tables %v, want %v", r.tables, wantTables)
	}
	wantCols := map[string][]string{
		"users":                {"id", "name", "address__geo__lat", "address__geo__lng", "_dlt_load_id", "_dlt_id"},
		"users__orders":        {"id", "_dlt_parent_id", "_dlt_list_idx", "_dlt_id"},
		"users__orders__items": {"sku", "qty", "_dlt_parent_id", "_dlt_list_idx", "_dlt_id"},
		"users__tags":          {"value", "_dlt_parent_id", "_dlt_list_idx", "_dlt_id"},
	}
	for tbl, want := range wantCols {
		if got := columnNames(s.Table(tbl)); !slices.Equal(got, want) {
			t.Errorf("%s columns %v, want %v", tbl, got, want)
		}
	}
	if s.Table("users__orders__items").Parent != "users__orders" || s.Table("users__tags").Parent != "users" {
		t.Error("wrong parents")
	}

	user := r.rows["users"][0]
	id := user["_dlt_id"].(string)
	if len(id) != 14 {
		t.Errorf("root _dlt_id %q is not 14 characters", id)
	}
	if _, err := base64.RawStdEncoding.DecodeString(id); err != nil {
		t.Errorf("root _dlt_id %q is not base64: %v", id, err)
	}
	if user["_dlt_load_id"] != testLoadID || user["address__geo__lat"] != 1.5 || user["address__geo__lng"] != int64(2) {
		t.Errorf("users row %v", user)
	}
	tags := r.rows["users__tags"]
	for i, tag := range tags {
		if tag["_dlt_parent_id"] != id || tag["_dlt_list_idx"] != int64(i) || tag["_dlt_id"] != ChildID(id, "users__tags", i) {
			t.Errorf("tag %d: %v", i, tag)
		}
		if _, ok := tag["_dlt_load_id"]; ok {
			t.Error("child rows must not have _dlt_load_id")
		}
	}
	if tags[0]["value"] != "a" || tags[1]["value"] != "b" {
		t.Errorf("tags %v", tags)
	}
	order := r.rows["users__orders"][0]
	item := r.rows["users__orders__items"][0]
	if order["_dlt_parent_id"] != id || item["_dlt_parent_id"] != order["_dlt_id"] || item["sku"] != "x" {
		t.Errorf("order %v item %v", order, item)
	}
	if r.b.Records != 1 || r.b.Rows() != 5 {
		t.Errorf("records %d rows %d", r.b.Records, r.b.Rows())
	}
}

// Values from Python: base64.b64encode(hashlib.shake_128(b"abc_t__x_0").digest(10)).rstrip(b"=")
func TestChildIDMatchesDlt(t *testing.T) {
	if got := ChildID("abc", "t__x", 0); got != "8RTxKr4JXR5gEg" {
		t.Errorf("ChildID = %q", got)
	}
	_, n := newNormalizer()
	if got := n.childID("abc", "t__x", 0); got != "8RTxKr4JXR5gEg" {
		t.Errorf("childID = %q", got)
	}
}

func TestTypesAndVariants(t *testing.T) {
	tests := []struct {
		name    string
		records []string
		types   map[string]schema.DataType
		values  []map[string]any
	}{
		{
			name:    "int then text gives a text variant",
			records: []string{`{"price": 1}`, `{"price": "abc"}`},
			types:   map[string]schema.DataType{"price": schema.Bigint, "price__v_text": schema.Text},
			values:  []map[string]any{{"price": int64(1)}, {"price__v_text": "abc"}},
		},
		{
			name:    "ints then floats gives a double variant",
			records: []string{`{"x": 1}`, `{"x": 2.5}`, `{"x": 3.0}`},
			types:   map[string]schema.DataType{"x": schema.Bigint, "x__v_double": schema.Double},
			values:  []map[string]any{{"x": int64(1)}, {"x__v_double": 2.5}, {"x": int64(3)}},
		},
		{
			name:    "floats then ints stay double",
			records: []string{`{"x": 1.5}`, `{"x": 2}`},
			types:   map[string]schema.DataType{"x": schema.Double},
			values:  []map[string]any{{"x": 1.5}, {"x": 2.0}},
		},
		{
			name:    "numeric text coerces into bigint",
			records: []string{`{"n": 1}`, `{"n": "42"}`, `{"n": true}`},
			types:   map[string]schema.DataType{"n": schema.Bigint, "n__v_bool": schema.Bool},
			values:  []map[string]any{{"n": int64(1)}, {"n": int64(42)}, {"n__v_bool": true}},
		},
		{
			name:    "numbers and bools coerce into text",
			records: []string{`{"s": "a"}`, `{"s": 5}`, `{"s": 1.5}`, `{"s": false}`},
			types:   map[string]schema.DataType{"s": schema.Text},
			values:  []map[string]any{{"s": "a"}, {"s": "5"}, {"s": "1.5"}, {"s": "False"}},
		},
		{
			name:    "timestamps",
			records: []string{`{"at": "2022-06-01T02:48:35.040+02:00"}`, `{"at": "2022-06-02"}`, `{"at": "soon"}`},
			types:   map[string]schema.DataType{"at": schema.Timestamp, "at__v_text": schema.Text},
			values: []map[string]any{
				{"at": time.Date(2022, 6, 1, 0, 48, 35, 40e6, time.UTC)},
				{"at": time.Date(2022, 6, 2, 0, 0, 0, 0, time.UTC)},
				{"at__v_text": "soon"},
			},
		},
		{
			name:    "dates stay text",
			records: []string{`{"d": "1975-05-21"}`},
			types:   map[string]schema.DataType{"d": schema.Text},
			values:  []map[string]any{{"d": "1975-05-21"}},
		},
		{
			name:    "nulls never create columns",
			records: []string{`{"a": null, "b": 1}`, `{"a": null, "b": null}`},
			types:   map[string]schema.DataType{"b": schema.Bigint},
			values:  []map[string]any{{"b": int64(1)}, {}},
		},
		{
			name:    "empty objects and lists produce nothing",
			records: []string{`{"a": {}, "b": [], "c": 1}`},
			types:   map[string]schema.DataType{"c": schema.Bigint},
			values:  []map[string]any{{"c": int64(1)}},
		},
		{
			name:    "keys are normalized",
			records: []string{`{"userId": 1, "First Name": "x", "e-mail": "y"}`},
			types:   map[string]schema.DataType{"user_id": schema.Bigint, "first_name": schema.Text, "e_mail": schema.Text},
			values:  []map[string]any{{"user_id": int64(1), "first_name": "x", "e_mail": "y"}},
		},
		{
			name:    "scalar records are wrapped in value",
			records: []string{`5`, `"x"`},
			types:   map[string]schema.DataType{"value": schema.Bigint, "value__v_text": schema.Text},
			values:  []map[string]any{{"value": int64(5)}, {"value__v_text": "x"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, n := newNormalizer()
			r := run(t, n, &TableHints{Name: "t"}, recs(tt.records...))
			tbl := s.Table("t")
			var dataCols []string
			for _, c := range tbl.Columns {
				if !strings.HasPrefix(c.Name, "_dlt_") {
					dataCols = append(dataCols, c.Name)
					if tt.types[c.Name] != c.DataType {
						t.Errorf("column %s is %s, want %s", c.Name, c.DataType, tt.types[c.Name])
					}
					if strings.Contains(c.Name, "__v_") != c.Variant {
						t.Errorf("column %s variant = %v", c.Name, c.Variant)
					}
				}
			}
			if len(dataCols) != len(tt.types) {
				t.Errorf("columns %v, want %v", dataCols, tt.types)
			}
			for i, want := range tt.values {
				got := r.rows["t"][i]
				for k := range got {
					if strings.HasPrefix(k, "_dlt_") {
						delete(got, k)
					}
				}
				if len(got) != len(want) {
					t.Errorf("row %d = %v, want %v", i, got, want)
					continue
				}
				for k, w := range want {
					if wt, ok := w.(time.Time); ok {
						if gt, ok := got[k].(time.Time); !ok || !gt.Equal(wt) {
							t.Errorf("row %d %s = %v, want %v", i, k, got[k], w)
						}
					} else if got[k] != w {
						t.Errorf("row %d %s = %#v, want %#v", i, k, got[k], w)
					}
				}
			}
		})
	}
}

func TestVariantThatCannotCoerceFails(t *testing.T) {
	_, n := newNormalizer()
	h := &TableHints{Name: "t"}
	// the first text variant value is a timestamp, so the variant column is
	// a timestamp; "abc" fits neither the column nor its variant
	_, err := normalize(n, h, recs(`{"x": 1}`, `{"x": "2022-01-01T00:00:00Z"}`, `{"x": "abc"}`))
	if err == nil || !strings.Contains(err.Error(), "x__v_text") {
		t.Fatalf("err = %v", err)
	}
}

// dlt conformance case C64.
func TestEmptyKeys(t *testing.T) {
	s, n := newNormalizer()
	r := run(t, n, &TableHints{Name: "t"}, fixture(t, "empty_keys.json"))
	if got := columnNames(s.Table("t")); !slices.Equal(got, []string{"a", "_empty", "b___empty", "_dlt_load_id", "_dlt_id"}) {
		t.Errorf("t columns %v", got)
	}
	if got := columnNames(s.Table("t__c")); !slices.Equal(got, []string{"_empty", "_dlt_parent_id", "_dlt_list_idx", "_dlt_id"}) {
		t.Errorf("t__c columns %v", got)
	}
	if r.rows["t"][0]["b___empty"] != int64(3) || r.rows["t__c"][0]["_empty"] != int64(4) {
		t.Errorf("rows %v", r.rows)
	}
}

// dlt's test_json_types_for_recursion_level and conformance case C63.
func TestMaxTableNesting(t *testing.T) {
	tests := []struct {
		nesting *int
		tables  []string
		json    map[string][]string // table → json columns
	}{
		{intp(0), []string{"default"}, map[string][]string{"default": {"f"}}},
		{intp(1), []string{"default", "default__f"}, map[string][]string{"default__f": {"l", "lo"}}},
		{intp(2), []string{"default", "default__f", "default__f__l", "default__f__lo"}, map[string][]string{"default__f__lo": {"e"}}},
		{intp(3), []string{"default", "default__f", "default__f__l", "default__f__lo"}, nil},
		{nil, []string{"default", "default__f", "default__f__l", "default__f__lo"}, nil},
	}
	for _, tt := range tests {
		name := "default"
		if tt.nesting != nil {
			name = string(rune('0' + *tt.nesting))
		}
		t.Run(name, func(t *testing.T) {
			s, n := newNormalizer()
			r := run(t, n, &TableHints{Name: "default", MaxTableNesting: tt.nesting}, fixture(t, "max_nesting.json"))
			if !slices.Equal(r.tables, tt.tables) {
				t.Fatalf("tables %v, want %v", r.tables, tt.tables)
			}
			for _, tbl := range tt.tables {
				var jsonCols []string
				for _, c := range s.Table(tbl).Columns {
					if c.DataType == schema.JSON {
						jsonCols = append(jsonCols, c.Name)
					}
				}
				if !slices.Equal(jsonCols, tt.json[tbl]) {
					t.Errorf("%s json columns %v, want %v", tbl, jsonCols, tt.json[tbl])
				}
			}
			if r.rows["default"][0]["_dlt_id"] != "row_id" {
				t.Error("the record's own _dlt_id was not kept")
			}
			if tt.nesting == nil && r.rows["default__f__lo"][0]["e__v"] != int64(1) {
				t.Errorf("default__f__lo rows %v", r.rows["default__f__lo"])
			}
			if tt.nesting != nil && *tt.nesting == 2 && r.rows["default__f__lo"][0]["e"] != `{"v":1}` {
				t.Errorf("default__f__lo rows %v", r.rows["default__f__lo"])
			}
			if tt.nesting != nil && *tt.nesting == 0 && r.rows["default"][0]["f"] != `[{"l":["a"],"lo":[{"e":{"v":1}}],"v":120}]` {
				t.Errorf("default rows %v", r.rows["default"])
			}
		})
	}
}

func intp(i int) *int { return &i }

func TestListsOfListsAndWrappedLists(t *testing.T) {
	s, n := newNormalizer()
	r := run(t, n, &TableHints{Name: "t"}, recs(`{"m": [[1, 2], [3]]}`, `[1, 2]`))
	if !slices.Equal(r.tables, []string{"t", "t__m", "t__m__list", "t__value"}) {
		t.Fatalf("tables %v", r.tables)
	}
	if got := columnNames(s.Table("t__m")); !slices.Equal(got, []string{"_dlt_parent_id", "_dlt_list_idx", "_dlt_id"}) {
		t.Errorf("t__m columns %v", got)
	}
	inner := r.rows["t__m__list"]
	if len(inner) != 3 || inner[2]["value"] != int64(3) || inner[2]["_dlt_parent_id"] != r.rows["t__m"][1]["_dlt_id"] {
		t.Errorf("t__m__list rows %v", inner)
	}
	if v := r.rows["t__value"]; len(v) != 2 || v[1]["value"] != int64(2) || v[0]["_dlt_parent_id"] != r.rows["t"][1]["_dlt_id"] {
		t.Errorf("t__value rows %v", v)
	}
}

func TestJSONHintAndPrimaryKey(t *testing.T) {
	s, n := newNormalizer()
	h := &TableHints{
		Name:       "Issues",
		PrimaryKey: []string{"ID"},
		Columns:    map[string]map[string]any{"payload": {"data_type": "json"}, "labelsList": {"data_type": "json"}},
	}
	r := run(t, n, h, recs(`{"ID": 7, "payload": {"a": [1, {"b": null}]}, "labelsList": ["x"], "other": {"k": "v"}}`))
	tbl := s.Table("issues")
	if tbl == nil || !slices.Equal(r.tables, []string{"issues"}) {
		t.Fatalf("tables %v", r.tables)
	}
	if got := columnNames(tbl); !slices.Equal(got, []string{"id", "labels_list", "payload", "other__k", "_dlt_load_id", "_dlt_id"}) {
		t.Errorf("columns %v", got)
	}
	if c := tbl.Column("id"); !c.PrimaryKey || c.Nullable || c.DataType != schema.Bigint {
		t.Errorf("id = %+v", c)
	}
	row := r.rows["issues"][0]
	if row["payload"] != `{"a":[1,{"b":null}]}` || row["labels_list"] != `["x"]` {
		t.Errorf("row %v", row)
	}
	if !slices.Equal(r.b.PrimaryKey, []string{"id"}) {
		t.Errorf("batch primary key %v", r.b.PrimaryKey)
	}
	// the hinted json columns exist from the first batch even if null
	if r.b.Changes[0].Kind != schema.CreateTable || len(r.b.Changes[0].Columns) != 6 {
		t.Errorf("changes %v", r.b.Changes)
	}
	if _, err := normalize(n, h, recs(`{"name": "no id"}`)); err == nil || !strings.Contains(err.Error(), "primary key") {
		t.Errorf("a record without its primary key: err = %v", err)
	}
}

func TestMergeAddsRootID(t *testing.T) {
	s, n := newNormalizer()
	h := &TableHints{Name: "users", WriteDisposition: "merge", PrimaryKey: []string{"id"}}
	r := run(t, n, h, fixture(t, "nested_user.json"))
	root := r.rows["users"][0]["_dlt_id"]
	for _, tbl := range []string{"users__tags", "users__orders", "users__orders__items"} {
		for _, row := range r.rows[tbl] {
			if row["_dlt_root_id"] != root {
				t.Errorf("%s row %v has no root id %v", tbl, row, root)
			}
		}
	}
	if got := columnNames(s.Table("users__tags")); !slices.Equal(got, []string{"value", "_dlt_root_id", "_dlt_parent_id", "_dlt_list_idx", "_dlt_id"}) {
		t.Errorf("columns %v", got)
	}
	if _, ok := r.rows["users"][0]["_dlt_root_id"]; ok {
		t.Error("root rows must not have _dlt_root_id")
	}
}

func TestChangesAcrossBatchesAndRuns(t *testing.T) {
	s, n := newNormalizer()
	h := &TableHints{Name: "t"}
	b1, err := normalize(n, h, recs(`{"a": 1}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(b1.Changes) != 1 || b1.Changes[0].Kind != schema.CreateTable || len(b1.Changes[0].Columns) != 3 {
		t.Fatalf("first changes %v", b1.Changes)
	}
	b2, _ := normalize(n, h, recs(`{"a": 2}`))
	if len(b2.Changes) != 0 {
		t.Errorf("no new columns, changes %v", b2.Changes)
	}
	b3, _ := normalize(n, h, recs(`{"a": 3, "b": "x", "l": [1]}`))
	if len(b3.Changes) != 2 || b3.Changes[0].Kind != schema.AddColumns || b3.Changes[0].Columns[0].Name != "b" ||
		b3.Changes[1].Kind != schema.CreateTable || b3.Changes[1].Table != "t__l" {
		t.Errorf("third changes %v", b3.Changes)
	}
	// rows of one batch share the batch's final columns; earlier rows may be shorter
	b4, _ := normalize(n, h, recs(`{"a": 4}`, `{"c": true}`))
	tr := b4.Tables[0]
	if !slices.Equal(tr.Columns, []string{"a", "_dlt_load_id", "_dlt_id", "b", "c"}) || len(tr.Rows[0]) != 4 || len(tr.Rows[1]) != 5 {
		t.Errorf("columns %v rows %v", tr.Columns, tr.Rows)
	}

	// a second run from the stored schema keeps the types and only ensures tables
	s.Bump()
	restored, err := schema.FromJSON(s.ToJSON())
	if err != nil {
		t.Fatal(err)
	}
	n2 := New(restored, Options{LoadID: "2"})
	b5, err := normalize(n2, h, recs(`{"a": "7", "d": 1}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := b5.Tables[0].Rows[0][0]; got != int64(7) {
		t.Errorf("a = %#v, want int64(7) (column type kept)", got)
	}
	if len(b5.Changes) != 1 || b5.Changes[0].Kind != schema.CreateTable || b5.Changes[0].Columns[len(b5.Changes[0].Columns)-1].Name != "d" {
		t.Errorf("changes %v", b5.Changes)
	}
}

func TestReplaceTruncates(t *testing.T) {
	s, n := newNormalizer()
	s.AddTable(schema.NewTable("t", "")).WriteDisposition = "replace"
	s.AddTable(schema.NewTable("t__x", "t"))
	h := &TableHints{Name: "t", WriteDisposition: "replace"}
	b1, _ := normalize(n, h, nil)
	if !slices.Equal(b1.Truncate, []string{"t", "t__x"}) {
		t.Errorf("truncate %v", b1.Truncate)
	}
	// a new table with no data still gets dlt's normalizer columns
	if len(b1.Changes) != 1 || len(b1.Changes[0].Columns) != 2 {
		t.Errorf("changes %v", b1.Changes)
	}
	b2, _ := normalize(n, h, recs(`{"a": 1}`))
	if len(b2.Truncate) != 0 {
		t.Errorf("second batch truncates again: %v", b2.Truncate)
	}
}

func TestShortenedNames(t *testing.T) {
	s := schema.New("test")
	n := New(s, Options{LoadID: "1", MaxIdentifierLength: 20})
	r := run(t, n, &TableHints{Name: "t"}, recs(`{"a_rather_long_column_name": 1, "nested": {"another_long_name": 2}, "some_long_list_name": [1]}`))
	for _, tbl := range r.tables {
		if len(tbl) > 20 {
			t.Errorf("table %q longer than 20", tbl)
		}
		for _, c := range s.Table(tbl).Columns {
			if len(c.Name) > 20 {
				t.Errorf("column %q longer than 20", c.Name)
			}
		}
	}
	if len(r.tables) != 2 {
		t.Errorf("tables %v", r.tables)
	}
}

// TestKeyOrder checks where new columns go: the document order of the
// record's keys, nested objects flattened in place (dlt's norm_row_dicts),
// and the fallbacks when the body does not tell.
func TestKeyOrder(t *testing.T) {
	body := `[{"id": 1, "name": "a", "address": {"zip": "1", "city": "c"}, "email": "e", "createdAt": "2024-01-01T00:00:00Z"}]`
	rec := func() []any { return []any{normalizetest.MustDecode(body).([]any)[0]} }
	tests := []struct {
		name    string
		records []any
		body    []byte
		want    []string
	}{
		{"document order", rec(), []byte(body), []string{"id", "name", "address__zip", "address__city", "email", "created_at", "_dlt_load_id", "_dlt_id"}},
		{"no body: sorted", rec(), nil, []string{"address__city", "address__zip", "created_at", "email", "id", "name", "_dlt_load_id", "_dlt_id"}},
		{"a record a step changed: ranks from the body, unknown keys last",
			[]any{map[string]any{"full": "x", "email": "e", "id": int64(1), "added": true}}, []byte(body),
			[]string{"id", "email", "added", "full", "_dlt_load_id", "_dlt_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, n := newNormalizer()
			if _, err := n.NormalizePage(&TableHints{Name: "users"}, tt.records, tt.body); err != nil {
				t.Fatal(err)
			}
			if got := columnNames(s.Table("users")); !slices.Equal(got, tt.want) {
				t.Errorf("columns %v\nwant    %v", got, tt.want)
			}
		})
	}
}

// dlt-behaviour.md §8.1: keys that normalize to the same name overwrite
// each other, the last in document order wins (a null too); the column
// keeps the place of the first.
func TestCollidingKeys(t *testing.T) {
	tests := []struct {
		rec  string
		cols []string
		want map[string]any
	}{
		{`{"userId": 1, "user_id": 2}`, []string{"user_id"}, map[string]any{"user_id": int64(2)}},
		{`{"user_id": 2, "a": 0, "userId": "x"}`, []string{"user_id", "a"}, map[string]any{"user_id": "x", "a": int64(0)}},
		{`{"a": {"b": 1}, "a__b": 2}`, []string{"a__b"}, map[string]any{"a__b": int64(2)}},
		{`{"x": 5, "X": null, "y": 1}`, []string{"y"}, map[string]any{"y": int64(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.rec, func(t *testing.T) {
			s, n := newNormalizer()
			r := run(t, n, &TableHints{Name: "t"}, recs(tt.rec))
			want := append(tt.cols, "_dlt_load_id", "_dlt_id")
			if got := columnNames(s.Table("t")); !slices.Equal(got, want) {
				t.Errorf("columns %v, want %v", got, want)
			}
			row := r.rows["t"][0]
			for k, v := range tt.want {
				if row[k] != v {
					t.Errorf("%s = %#v, want %#v", k, row[k], v)
				}
			}
		})
	}
}

// Integers beyond int64 (json.Number from the decoder) are dlt's `wei`,
// kept as exact decimal text, on the slow path and on the fast path.
func TestBigIntegers(t *testing.T) {
	s, n := newNormalizer()
	r := run(t, n, &TableHints{Name: "t"}, recs(`{"big": 1180591620717411303424}`, `{"big": -1180591620717411303424}`))
	_ = run(t, n, &TableHints{Name: "t"}, recs(`{"big": 1}`))
	r2 := run(t, n, &TableHints{Name: "t"}, recs(`{"big": 1180591620717411303425}`))
	if c := s.Table("t").Column("big"); c == nil || c.DataType != schema.Wei {
		t.Fatalf("column big: %+v", c)
	}
	for i, want := range []string{"1180591620717411303424", "-1180591620717411303424"} {
		if got := r.rows["t"][i]["big"]; got != want {
			t.Errorf("row %d: big = %#v, want %q", i, got, want)
		}
	}
	if got := r2.rows["t"][0]["big"]; got != "1180591620717411303425" {
		t.Errorf("fast path: big = %#v", got)
	}
}

func TestNestedHints(t *testing.T) {
	rec := `{"id": 1, "orders": [{"oid": 10, "items": [{"sku": "x"}], "meta": {"a": 1}}], "tags": ["t"]}`
	tests := []struct {
		name       string
		nested     map[string]*NestedHints
		wantTables []string
		check      func(t *testing.T, s *schema.Schema, r result)
	}{
		{"max_table_nesting 0 keeps the list as a json column", map[string]*NestedHints{"orders": {MaxTableNesting: intp(0)}},
			[]string{"users", "users__tags"}, func(t *testing.T, s *schema.Schema, r result) {
				if c := s.Table("users").Column("orders"); c == nil || c.DataType != schema.JSON {
					t.Fatalf("orders column %+v", c)
				}
				if got := r.rows["users"][0]["orders"]; got != `[{"items":[{"sku":"x"}],"meta":{"a":1},"oid":10}]` {
					t.Errorf("orders = %v", got)
				}
			}},
		{"max_table_nesting 1 makes the table, its lists stay json", map[string]*NestedHints{"orders": {MaxTableNesting: intp(1)}},
			[]string{"users", "users__orders", "users__tags"}, func(t *testing.T, s *schema.Schema, r result) {
				o := r.rows["users__orders"][0]
				if o["items"] != `[{"sku":"x"}]` || o["meta"] != `{"a":1}` {
					t.Errorf("users__orders row %v", o)
				}
			}},
		{"a deeper path", map[string]*NestedHints{"orders__items": {MaxTableNesting: intp(0)}},
			[]string{"users", "users__orders", "users__tags"}, func(t *testing.T, s *schema.Schema, r result) {
				if got := r.rows["users__orders"][0]["items"]; got != `[{"sku":"x"}]` {
					t.Errorf("items = %v", got)
				}
			}},
		{"column hints of a nested table", map[string]*NestedHints{"orders": {Columns: map[string]map[string]any{"oid": {"data_type": "text"}}}},
			[]string{"users", "users__orders", "users__orders__items", "users__tags"}, func(t *testing.T, s *schema.Schema, r result) {
				if c := s.Table("users__orders").Column("oid"); c == nil || c.DataType != schema.Text || r.rows["users__orders"][0]["oid"] != "10" {
					t.Errorf("oid column %+v, row %v", c, r.rows["users__orders"][0])
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, n := newNormalizer()
			h := &TableHints{Name: "users", Nested: tt.nested}
			r := run(t, n, h, recs(rec))
			r2 := run(t, n, h, recs(rec)) // the fast path
			if len(r2.rows["users"]) != 1 {
				t.Fatalf("second batch %v", r2.tables)
			}
			if !slices.Equal(r.tables, tt.wantTables) || !slices.Equal(r2.tables, tt.wantTables) {
				t.Fatalf("tables %v then %v, want %v", r.tables, r2.tables, tt.wantTables)
			}
			var stored []string
			for _, tb := range s.DataTables() {
				stored = append(stored, tb.Name)
			}
			if !slices.Equal(stored, tt.wantTables) {
				t.Errorf("schema tables %v, want %v", stored, tt.wantTables)
			}
			tt.check(t, s, r2)
		})
	}
}

func TestUnmatchedNestedHints(t *testing.T) {
	_, n := newNormalizer()
	h := &TableHints{Name: "users", Nested: map[string]*NestedHints{
		"orders": {MaxTableNesting: intp(0)}, "orderz": {MaxTableNesting: intp(0)}, "Orders__Items": {MaxTableNesting: intp(0)},
	}}
	run(t, n, h, recs(`{"id": 1, "orders": [{"items": [1]}]}`))
	// orders is json, so orders__items is never met
	if got := n.UnmatchedNestedHints(h); !slices.Equal(got, []string{"Orders__Items", "orderz"}) {
		t.Errorf("unmatched %v", got)
	}
}
