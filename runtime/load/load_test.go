package load_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/destination/sqlite"
	"github.com/sluicehq/sluice/runtime/load"
	"github.com/sluicehq/sluice/runtime/normalize"
	"github.com/sluicehq/sluice/runtime/normalize/normalizetest"
	"github.com/sluicehq/sluice/runtime/schema"
)

const schemaName = "rest_api"

// resource is one resource of a test run: its hints and pages of records.
type resource struct {
	hints *normalize.TableHints
	pages [][]any
}

func page(js ...string) []any { return normalizetest.Page(js...) }

func openDB(t *testing.T, path string) destination.Destination {
	t.Helper()
	db, err := destFor(t, path).open(path)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// runLoad does what the engine does for one run: restore the schema, then
// normalize and write every page, then commit with the state.
func runLoad(t *testing.T, path string, state string, resources ...resource) (*load.Loader, *schema.Schema) {
	t.Helper()
	ctx := context.Background()
	db := openDB(t, path)
	defer db.Close()
	s, err := load.StoredSchema(ctx, db, schemaName)
	if err != nil {
		t.Fatal(err)
	}
	if s == nil {
		s = schema.New(schemaName)
	}
	loadID := load.NewLoadID()
	n := normalize.New(s, normalize.Options{LoadID: loadID})
	l := load.New(db)
	if err := l.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range resources {
		if len(r.pages) == 0 {
			r.pages = [][]any{nil}
		}
		for _, p := range r.pages {
			b, err := n.NormalizePage(r.hints, p, normalizetest.Body(p))
			if err != nil {
				t.Fatal(err)
			}
			if err := l.Write(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
	}
	f := load.Finish{LoadID: loadID, SchemaName: schemaName, PipelineName: "pipe", Schema: s}
	if state != "" {
		f.State, f.StateVersion, f.StateHash = []byte(state), 1, "hash-"+state
	}
	if err := l.Commit(ctx, f); err != nil {
		t.Fatal(err)
	}
	return l, s
}

// rows runs a query on the database file and returns the rows as strings
// (on DuckDB booleans as 1 and 0 and timestamps as SQLite stores them, so
// that the expectations hold for both).
func rows(t *testing.T, path, query string, args ...any) [][]string {
	t.Helper()
	db, done, err := destFor(t, path).sql(path)
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	duck := destFor(t, path).name != "sqlite"
	r, err := db.Query(query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer r.Close()
	cols, _ := r.Columns()
	var out [][]string
	for r.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := r.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			switch x := v.(type) {
			case nil:
				row[i] = "NULL"
			case []byte:
				row[i] = string(x)
			case bool:
				row[i] = "0"
				if x {
					row[i] = "1"
				}
			case time.Time:
				if duck {
					row[i] = sqlite.FormatTimestamp(x)
				} else {
					row[i] = fmt.Sprint(x)
				}
			default:
				row[i] = fmt.Sprint(x)
			}
		}
		out = append(out, row)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func one(t *testing.T, path, query string, args ...any) string {
	t.Helper()
	r := rows(t, path, query, args...)
	if len(r) != 1 || len(r[0]) != 1 {
		t.Fatalf("%s: %v", query, r)
	}
	return r[0][0]
}

// dump renders the whole database: DDL and every row of every table.
func dump(t *testing.T, path string) string {
	t.Helper()
	var b strings.Builder
	for _, r := range rows(t, path, "SELECT name, sql FROM sqlite_master ORDER BY name") {
		fmt.Fprintln(&b, r[1])
		for _, row := range rows(t, path, `SELECT * FROM "`+r[0]+`" ORDER BY rowid`) {
			fmt.Fprintln(&b, strings.Join(row, "|"))
		}
	}
	return b.String()
}

type columnInfo struct{ name, typ, notNull string }

func tableInfo(t *testing.T, path, table string) []columnInfo {
	var out []columnInfo
	q := "SELECT name, type, \"notnull\" FROM pragma_table_info(?)"
	if destFor(t, path).name != "sqlite" {
		q = "SELECT column_name, data_type, CASE WHEN is_nullable THEN 0 ELSE 1 END FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index"
	}
	for _, r := range rows(t, path, q, table) {
		out = append(out, columnInfo{r[0], r[1], r[2]})
	}
	return out
}

func TestNestedRecordTables(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested.db")
	recs, err := normalizetest.Records(filepath.Join("..", "..", "testdata", "normalize", "nested_user.json"))
	if err != nil {
		t.Fatal(err)
	}
	l, _ := runLoad(t, path, "", resource{&normalize.TableHints{Name: "users"}, [][]any{recs}})

	want := map[string][]columnInfo{
		"users": {
			{"id", "INTEGER", "0"}, {"name", "TEXT", "0"}, {"address__geo__lat", "REAL", "0"},
			{"address__geo__lng", "INTEGER", "0"}, {"_dlt_load_id", "TEXT", "1"}, {"_dlt_id", "TEXT", "1"},
		},
		"users__tags": {
			{"value", "TEXT", "0"}, {"_dlt_parent_id", "TEXT", "1"}, {"_dlt_list_idx", "INTEGER", "1"}, {"_dlt_id", "TEXT", "1"},
		},
		"users__orders": {
			{"id", "INTEGER", "0"}, {"_dlt_parent_id", "TEXT", "1"}, {"_dlt_list_idx", "INTEGER", "1"}, {"_dlt_id", "TEXT", "1"},
		},
		"users__orders__items": {
			{"sku", "TEXT", "0"}, {"qty", "INTEGER", "0"}, {"_dlt_parent_id", "TEXT", "1"}, {"_dlt_list_idx", "INTEGER", "1"}, {"_dlt_id", "TEXT", "1"},
		},
	}
	for table, cols := range want {
		if got := tableInfo(t, path, table); !reflect.DeepEqual(got, cols) {
			t.Errorf("%s:\n got %v\nwant %v", table, got, cols)
		}
	}
	got := rows(t, path, `SELECT u.name, t.value, t._dlt_list_idx FROM users u JOIN users__tags t ON t._dlt_parent_id = u._dlt_id ORDER BY t._dlt_list_idx`)
	if !reflect.DeepEqual(got, [][]string{{"A", "a", "0"}, {"A", "b", "1"}}) {
		t.Errorf("tags join: %v", got)
	}
	got = rows(t, path, `SELECT u.id, o.id, i.sku, i.qty, typeof(u.address__geo__lat), typeof(i.qty)
		FROM users u JOIN users__orders o ON o._dlt_parent_id = u._dlt_id
		JOIN users__orders__items i ON i._dlt_parent_id = o._dlt_id`)
	if !reflect.DeepEqual(got, [][]string{{"1", "10", "x", "2", "real", "integer"}}) {
		t.Errorf("orders join: %v", got)
	}
	if id := one(t, path, "SELECT _dlt_id FROM users"); !regexp.MustCompile(`^[A-Za-z0-9+/]{14}$`).MatchString(id) {
		t.Errorf("root _dlt_id %q", id)
	}
	if c := l.RowCounts(); !reflect.DeepEqual(c, map[string]int64{"users": 1, "users__tags": 2, "users__orders": 1, "users__orders__items": 1}) {
		t.Errorf("row counts %v", c)
	}
}

func TestStoredValuesAndTypes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "types.db")
	runLoad(t, path, "", resource{
		&normalize.TableHints{Name: "Events", Columns: map[string]map[string]any{"meta": {"data_type": "json"}}},
		[][]any{page(
			`{"id": 1, "ok": true, "at": "2022-06-01T02:48:35.04+02:00", "day": "2022-06-01", "meta": {"b": [1, 2], "a": "x"}, "score": 1.5, "price": 3}`,
			`{"id": 2, "ok": false, "at": null, "price": "abc", "extra": null}`,
		)},
	})
	got := rows(t, path, `SELECT id, ok, typeof(ok), CAST(at AS TEXT), day, meta, json_extract(meta, '$.b[1]'), score, price, price__v_text FROM events ORDER BY id`)
	want := [][]string{
		{"1", "1", "integer", "2022-06-01 00:48:35.040000", "2022-06-01", `{"a":"x","b":[1,2]}`, "2", "1.5", "3", "NULL"},
		{"2", "0", "integer", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "abc"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("events:\n got %v\nwant %v", got, want)
	}
	types := map[string]string{}
	for _, c := range tableInfo(t, path, "events") {
		types[c.name] = c.typ
	}
	wantTypes := map[string]string{
		"id": "INTEGER", "ok": "BOOLEAN", "at": "TIMESTAMP", "day": "TEXT", "meta": "JSON", "score": "REAL",
		"price": "INTEGER", "price__v_text": "TEXT", "_dlt_load_id": "TEXT", "_dlt_id": "TEXT",
	}
	if !reflect.DeepEqual(types, wantTypes) {
		t.Errorf("declared types %v", types)
	}
	// modernc's driver reads TIMESTAMP columns back as time.Time
	if at := one(t, path, `SELECT at FROM events WHERE id = 1`); at != "2022-06-01 00:48:35.04 +0000 UTC" {
		t.Errorf("at reads back as %s", at)
	}
	if n := one(t, path, `SELECT count(*) FROM events WHERE datetime(at) = '2022-06-01 00:48:35' AND at > '2022-05-31'`); n != "1" {
		t.Errorf("SQLite date functions do not read the timestamp: %s", n)
	}
}

func TestSystemTables(t *testing.T) {
	forEachDest(t, "sys", func(t *testing.T, path string) { testSystemTables(t, path) })
}

func testSystemTables(t *testing.T, path string) {
	state := `{"_state_version":1,"sources":{"x":{"last":5}}}`
	_, s := runLoad(t, path, state, resource{&normalize.TableHints{Name: "items"}, [][]any{page(`{"a": 1}`)}})

	loads := rows(t, path, `SELECT load_id, schema_name, status, CAST(inserted_at AS TEXT), schema_version_hash FROM _dlt_loads`)
	if len(loads) != 1 || loads[0][1] != schemaName || loads[0][2] != "0" || loads[0][4] != s.VersionHash {
		t.Fatalf("_dlt_loads %v", loads)
	}
	loadID := loads[0][0]
	if !regexp.MustCompile(`^\d{10}\.\d+$`).MatchString(loadID) || one(t, path, "SELECT DISTINCT _dlt_load_id FROM items") != loadID {
		t.Errorf("load id %q", loadID)
	}
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6}|(\.\d{1,6})?\+00)$`).MatchString(loads[0][3]) {
		t.Errorf("inserted_at %q", loads[0][3])
	}
	wantCols := func(table string, want ...string) {
		var got []string
		for _, c := range tableInfo(t, path, table) {
			got = append(got, c.name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s columns %v, want %v", table, got, want)
		}
	}
	wantCols("_dlt_loads", "load_id", "schema_name", "status", "inserted_at", "schema_version_hash")
	wantCols("_dlt_version", "version", "engine_version", "inserted_at", "schema_name", "version_hash", "schema")
	wantCols("_dlt_pipeline_state", "version", "engine_version", "pipeline_name", "state", "created_at", "version_hash", "_dlt_load_id", "_dlt_id")

	ver := rows(t, path, `SELECT version, engine_version, schema_name, version_hash, schema FROM _dlt_version`)
	if len(ver) != 1 || ver[0][0] != "1" || ver[0][1] != "11" || ver[0][2] != schemaName || ver[0][3] != s.VersionHash {
		t.Fatalf("_dlt_version %v", ver)
	}
	stored, err := schema.FromJSON([]byte(ver[0][4]))
	if err != nil {
		t.Fatal(err)
	}
	if string(stored.ToJSON()) != string(s.ToJSON()) || stored.Table(schema.PipelineStateTableName) == nil {
		t.Error("_dlt_version.schema is not the committed schema")
	}

	st := rows(t, path, `SELECT version, engine_version, pipeline_name, state, version_hash, _dlt_load_id, _dlt_id FROM _dlt_pipeline_state`)
	if len(st) != 1 || st[0][0] != "1" || st[0][1] != "4" || st[0][2] != "pipe" || st[0][4] != "hash-"+state || st[0][5] != loadID || len(st[0][6]) != 14 {
		t.Fatalf("_dlt_pipeline_state %v", st)
	}
	dec, err := load.DecompressState(st[0][3])
	if err != nil || string(dec) != state {
		t.Errorf("state %q, %v", dec, err)
	}

	// a second run with the same schema and state adds a load only
	runLoad(t, path, state, resource{&normalize.TableHints{Name: "items"}, [][]any{page(`{"a": 2}`)}})
	for table, want := range map[string]string{"_dlt_loads": "2", "_dlt_version": "1", "_dlt_pipeline_state": "1", "items": "2"} {
		if n := one(t, path, `SELECT count(*) FROM "`+table+`"`); n != want {
			t.Errorf("%s has %s rows, want %s", table, n, want)
		}
	}
}

func TestSecondRunAddsColumn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "evolve.db")
	h := &normalize.TableHints{Name: "users"}
	runLoad(t, path, `{"v":1}`, resource{h, [][]any{page(`{"id": 1, "name": "a"}`)}})
	_, s := runLoad(t, path, `{"v":2}`, resource{h, [][]any{page(`{"id": "2", "name": "b", "email": "b@x", "tags": ["t"]}`)}})

	got := rows(t, path, `SELECT id, typeof(id), name, email FROM users ORDER BY id`)
	if !reflect.DeepEqual(got, [][]string{{"1", "integer", "a", "NULL"}, {"2", "integer", "b", "b@x"}}) {
		t.Errorf("users %v", got)
	}
	var cols []string
	for _, c := range tableInfo(t, path, "users") {
		cols = append(cols, c.name)
	}
	if !slices.Equal(cols, []string{"id", "name", "_dlt_load_id", "_dlt_id", "email"}) {
		t.Errorf("columns %v", cols)
	}
	if n := one(t, path, `SELECT count(*) FROM users__tags`); n != "1" {
		t.Errorf("users__tags %s rows", n)
	}
	if got := rows(t, path, `SELECT version FROM _dlt_version ORDER BY version`); !reflect.DeepEqual(got, [][]string{{"1"}, {"2"}}) {
		t.Errorf("_dlt_version versions %v", got)
	}
	if s.Version != 2 || len(s.PreviousHashes) != 1 {
		t.Errorf("schema version %d, previous %v", s.Version, s.PreviousHashes)
	}
	ctx := context.Background()
	db := openDB(t, path)
	defer db.Close()
	state, err := load.StoredState(ctx, db, "pipe")
	if err != nil || string(state) != `{"v":2}` {
		t.Errorf("StoredState = %q, %v", state, err)
	}
}

func TestRollbackLeavesFileUnchanged(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rollback.db")
	h := &normalize.TableHints{Name: "users"}
	runLoad(t, path, `{"v":1}`, resource{h, [][]any{page(`{"id": 1}`)}})
	before := dump(t, path)

	for _, how := range []string{"rollback", "close without commit"} {
		t.Run(how, func(t *testing.T) {
			db := openDB(t, path)
			s, err := load.StoredSchema(ctx, db, schemaName)
			if err != nil {
				t.Fatal(err)
			}
			n := normalize.New(s, normalize.Options{LoadID: load.NewLoadID()})
			l := load.New(db)
			if err := l.Begin(ctx); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{`{"id": 2, "new_col": "x", "kids": [{"a": 1}]}`, `{"id": 3}`} {
				b, err := n.Normalize(h, page(p))
				if err != nil {
					t.Fatal(err)
				}
				if err := l.Write(ctx, b); err != nil {
					t.Fatal(err)
				}
			}
			r, _ := n.Normalize(&normalize.TableHints{Name: "users", WriteDisposition: "replace"}, nil)
			if err := l.Write(ctx, r); err != nil {
				t.Fatal(err)
			}
			if how == "rollback" {
				if err := l.Rollback(); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			if after := dump(t, path); after != before {
				t.Errorf("database changed:\n%s\n---\n%s", before, after)
			}
		})
	}
}

func TestStoredSchemaRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "schema.db")
	db := openDB(t, path)
	if s, err := load.StoredSchema(ctx, db, schemaName); s != nil || err != nil {
		t.Fatalf("empty database: %v, %v", s, err)
	}
	if st, err := load.StoredState(ctx, db, "pipe"); st != nil || err != nil {
		t.Fatalf("empty database: %v, %v", st, err)
	}
	db.Close()
	_, s := runLoad(t, path, `{"a":1}`, resource{
		&normalize.TableHints{Name: "t", PrimaryKey: []string{"id"}, WriteDisposition: "merge", MaxTableNesting: intp(3)},
		[][]any{page(`{"id": 1, "x": 1.5, "at": "2024-01-01T00:00:00Z", "l": [{"m": [1]}], "v": 1}`, `{"id": 2, "v": "s"}`)},
	})
	db = openDB(t, path)
	defer db.Close()
	got, err := load.StoredSchema(ctx, db, schemaName)
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || string(got.ToJSON()) != string(s.ToJSON()) {
		t.Fatalf("stored schema differs:\n%s\n%s", got.ToJSON(), s.ToJSON())
	}
	tbl := got.Table("t")
	if c := tbl.Column("id"); !c.PrimaryKey || c.Nullable || c.DataType != schema.Bigint {
		t.Errorf("id %+v", c)
	}
	if c := tbl.Column("v__v_text"); c == nil || !c.Variant {
		t.Errorf("variant %+v", c)
	}
	if *tbl.MaxNesting != 3 || tbl.WriteDisposition != "merge" || got.Table("t__l__m").Parent != "t__l" {
		t.Error("table properties lost")
	}
	if other, _ := load.StoredSchema(ctx, db, "other"); other != nil {
		t.Error("found a schema of another name")
	}
}

func intp(i int) *int { return &i }

func TestReplace(t *testing.T) {
	forEachDest(t, "replace", func(t *testing.T, path string) { testReplace(t, path) })
}

func testReplace(t *testing.T, path string) {
	h := &normalize.TableHints{Name: "t", WriteDisposition: "replace"}
	runLoad(t, path, "", resource{h, [][]any{page(`{"a": 1, "l": [1, 2]}`, `{"a": 2, "l": [3]}`), page(`{"a": 3}`)}})
	if got := one(t, path, "SELECT group_concat(CAST(a AS TEXT), ',') FROM t"); got != "1,2,3" {
		t.Fatalf("first run: %s", got)
	}
	runLoad(t, path, "", resource{h, [][]any{page(`{"a": 4}`)}})
	if got := one(t, path, "SELECT group_concat(CAST(a AS TEXT), ',') FROM t"); got != "4" {
		t.Errorf("second run: %s", got)
	}
	if got := one(t, path, "SELECT count(*) FROM t__l"); got != "0" {
		t.Errorf("child table not emptied: %s rows", got)
	}
	// a replace resource that yields nothing empties its tables (dlt C68)
	runLoad(t, path, "", resource{hints: h})
	if got := one(t, path, "SELECT count(*) FROM t"); got != "0" {
		t.Errorf("empty run: %s rows", got)
	}
	// and creates a new table with the normalizer columns
	runLoad(t, path, "", resource{hints: &normalize.TableHints{Name: "fresh", WriteDisposition: "replace"}})
	if got := tableInfo(t, path, "fresh"); len(got) != 2 || got[0].name != "_dlt_load_id" || got[1].name != "_dlt_id" {
		t.Errorf("fresh %v", got)
	}
}

func TestMerge(t *testing.T) {
	forEachDest(t, "merge", func(t *testing.T, path string) { testMerge(t, path) })
}

func testMerge(t *testing.T, path string) {
	h := &normalize.TableHints{Name: "users", WriteDisposition: "merge", PrimaryKey: []string{"id"}}
	runLoad(t, path, "", resource{h, [][]any{page(
		`{"id": 1, "name": "a", "tags": ["x", "y"], "orders": [{"n": 1, "items": [{"s": "i1"}]}]}`,
		`{"id": 2, "name": "b", "tags": ["z"]}`,
	)}})
	runLoad(t, path, "", resource{h, [][]any{
		page(`{"id": 1, "name": "a2", "tags": ["q"]}`),
		page(`{"id": 3, "name": "c"}`, `{"id": 1, "name": "a3", "tags": ["r", "s"]}`),
	}})
	got := rows(t, path, `SELECT u.id, u.name, group_concat(t.value, ',' ORDER BY t._dlt_list_idx) FROM users u
		LEFT JOIN users__tags t ON t._dlt_parent_id = u._dlt_id GROUP BY u.id, u.name ORDER BY u.id`)
	want := [][]string{{"1", "a3", "r,s"}, {"2", "b", "z"}, {"3", "c", "NULL"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("users:\n got %v\nwant %v", got, want)
	}
	for _, table := range []string{"users__orders", "users__orders__items"} {
		if n := one(t, path, `SELECT count(*) FROM "`+table+`"`); n != "0" {
			t.Errorf("%s keeps %s rows of a replaced record", table, n)
		}
	}
	if n := one(t, path, `SELECT count(*) FROM users__tags t JOIN users u ON u._dlt_id = t._dlt_root_id`); n != "3" {
		t.Errorf("root ids: %s tags linked to a root", n)
	}

	// merge without keys appends
	hk := &normalize.TableHints{Name: "logs", WriteDisposition: "merge"}
	runLoad(t, path, "", resource{hk, [][]any{page(`{"m": 1}`)}})
	runLoad(t, path, "", resource{hk, [][]any{page(`{"m": 1}`)}})
	if n := one(t, path, `SELECT count(*) FROM logs`); n != "2" {
		t.Errorf("keyless merge: %s rows", n)
	}
}

func TestSchemaJSONIsDltShaped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shape.db")
	runLoad(t, path, "", resource{&normalize.TableHints{Name: "t"}, [][]any{page(`{"a": 1}`)}})
	var stored map[string]any
	if err := json.Unmarshal([]byte(one(t, path, "SELECT schema FROM _dlt_version")), &stored); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"version", "version_hash", "engine_version", "name", "tables", "settings", "normalizers", "previous_hashes"} {
		if _, ok := stored[k]; !ok {
			t.Errorf("schema JSON lacks %q", k)
		}
	}
	col := stored["tables"].(map[string]any)["t"].(map[string]any)["columns"].(map[string]any)["a"].(map[string]any)
	if col["data_type"] != "bigint" || col["nullable"] != true {
		t.Errorf("column a = %v", col)
	}
}

// The engine normalizes in one goroutine and writes in another; batches
// cross a channel while the normalizer keeps growing the schema.
func TestNormalizerAndWriterGoroutines(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pipe.db")
	db := openDB(t, path)
	defer db.Close()
	s := schema.New(schemaName)
	loadID := load.NewLoadID()
	n := normalize.New(s, normalize.Options{LoadID: loadID})
	l := load.New(db)
	if err := l.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Query(ctx, "SELECT 1", nil, func(func(...any) error) error { return nil }); err == nil {
		t.Error("reading through the DB while the run transaction is open did not fail")
	}
	batches := make(chan *normalize.Batch, 4)
	errc := make(chan error, 1)
	go func() {
		defer close(batches)
		for i := 0; i < 50; i++ {
			// every page brings a new column and a new nested table
			p := page(fmt.Sprintf(`{"id": %d, "c%d": "x", "l%d": [{"v": %d}], "tags": ["a"]}`, i, i, i%5, i))
			b, err := n.Normalize(&normalize.TableHints{Name: "t"}, p)
			if err != nil {
				errc <- err
				return
			}
			batches <- b
		}
		errc <- nil
	}()
	for b := range batches {
		if err := l.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
		_ = l.RowCounts()
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if err := l.Commit(ctx, load.Finish{LoadID: loadID, SchemaName: schemaName, PipelineName: "pipe", Schema: s}); err != nil {
		t.Fatal(err)
	}
	if c := l.RowCounts(); c["t"] != 50 || c["t__tags"] != 50 || c["t__l0"] != 10 {
		t.Errorf("row counts %v", c)
	}
	if got := one(t, path, `SELECT count(*) FROM pragma_table_info('t')`); got != "53" {
		t.Errorf("t has %s columns", got)
	}
}
