package pipeline

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/sluicehq/sluice/builtin"
	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/extension"
)

// loadBody serves body as the only page of resource users, runs the
// pipeline (with extra YAML lines under the resource) and returns the open
// SQLite file and the pipeline's working folder.
func loadBody(t *testing.T, body, extra string) (*sql.DB, string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	reg := extension.NewRegistries()
	builtin.Register(reg)
	yml := fmt.Sprintf(`
pipeline: {name: parity}
source:
  client: {base_url: "%s"}
  resources:
    - name: users
      endpoint: {path: users, data_selector: data, paginator: single_page}
%s`, srv.URL, extra)
	dir := t.TempDir()
	f, err := config.Parse([]byte(yml), "parity.yaml", dir, config.Options{Registries: reg})
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "parity.db")
	if _, err := Run(context.Background(), f, Options{DBPath: db, PipelinesDir: dir, Registries: reg, Destinations: testDestinations()}); err != nil {
		t.Fatal(err)
	}
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn, dir
}

func tableInfo(t *testing.T, db *sql.DB, table string) (names, types []string) {
	t.Helper()
	rows, err := db.Query(`SELECT name, type FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var n, ty string
		if err := rows.Scan(&n, &ty); err != nil {
			t.Fatal(err)
		}
		names, types = append(names, n), append(types, ty)
	}
	return names, types
}

func tables(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\_dlt%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		out = append(out, n)
	}
	return out
}

// storedColumns returns the column names of table in the stored schema
// (schemas/rest_api.schema.json), in the file's order.
func storedColumns(t *testing.T, dir, table string) []string {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(dir, "*", "schemas", SchemaName+".schema.json"))
	if len(matches) != 1 {
		t.Fatalf("schema files %v", matches)
	}
	data, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tables map[string]struct {
			Columns json.RawMessage `json:"columns"`
		} `json:"tables"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	tb, ok := doc.Tables[table]
	if !ok {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(tb.Columns))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	out := []string{} // present, maybe without columns
	for dec.More() {
		k, _ := dec.Token()
		out = append(out, k.(string))
		var skip json.RawMessage
		_ = dec.Decode(&skip)
	}
	return out
}

func TestColumnsInDocumentOrder(t *testing.T) {
	db, dir := loadBody(t, `{"data": [
		{"id": 1, "name": "Ann", "email": "a@x", "createdAt": "2024-01-02T03:04:05Z",
		 "address": {"zip": "8000", "city": "Zürich"}, "score": 1.5,
		 "orders": [{"total": 2.5, "id": 7}], "tags": ["a"]},
		{"zeta": true, "id": 2, "name": "Bob", "email": "b@x", "createdAt": "2024-01-02T03:04:05Z", "alpha": 1}
	]}`, "")
	want := []string{"id", "name", "email", "created_at", "address__zip", "address__city", "score", "_dlt_load_id", "_dlt_id", "zeta", "alpha"}
	if got, _ := tableInfo(t, db, "users"); !slices.Equal(got, want) {
		t.Errorf("users columns %v\nwant %v", got, want)
	}
	if got := storedColumns(t, dir, "users"); !slices.Equal(got, want) {
		t.Errorf("stored schema users columns %v\nwant %v", got, want)
	}
	if got, _ := tableInfo(t, db, "users__orders"); !slices.Equal(got, []string{"total", "id", "_dlt_parent_id", "_dlt_list_idx", "_dlt_id"}) {
		t.Errorf("users__orders columns %v", got)
	}
}

func TestCollidingKeysLastWins(t *testing.T) {
	db, _ := loadBody(t, `{"data": [{"userId": 1, "name": "a", "user_id": "x"}, {"user_id": 3, "userId": "y", "name": "b", "n": 1}]}`, "")
	names, types := tableInfo(t, db, "users")
	if !slices.Equal(names, []string{"user_id", "name", "_dlt_load_id", "_dlt_id", "n"}) || types[0] != "TEXT" {
		t.Fatalf("users columns %v %v", names, types)
	}
	rows, err := db.Query(`SELECT user_id FROM users ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		got = append(got, s)
	}
	if !slices.Equal(got, []string{"x", "y"}) {
		t.Errorf("user_id values %v, want [x y] (the last key in document order wins)", got)
	}
}

func TestEmptyListAddsNoTable(t *testing.T) {
	db, dir := loadBody(t, `{"data": [{"id": 1, "orders": []}, {"id": 2, "orders": [], "tags": {"inner": []}}]}`, "")
	if got := tables(t, db); !slices.Equal(got, []string{"users"}) {
		t.Errorf("tables %v, want [users]", got)
	}
	for _, tb := range []string{"users__orders", "users__tags"} {
		if cols := storedColumns(t, dir, tb); cols != nil {
			t.Errorf("stored schema has %s: %v", tb, cols)
		}
	}
}

func TestBigIntegersStayExact(t *testing.T) {
	db, _ := loadBody(t, `{"data": [{"id": 1, "big": 1180591620717411303424, "neg": -1180591620717411303424, "max": 9223372036854775807}]}`, "")
	var big, neg, typ string
	var max int64
	if err := db.QueryRow(`SELECT big, neg, typeof(big), max FROM users`).Scan(&big, &neg, &typ, &max); err != nil {
		t.Fatal(err)
	}
	if big != "1180591620717411303424" || neg != "-1180591620717411303424" || typ != "text" || max != 9223372036854775807 {
		t.Errorf("big = %s (%s), neg = %s, max = %d", big, typ, neg, max)
	}
}

func TestNestedHintsKeepAListAsJSON(t *testing.T) {
	db, dir := loadBody(t, `{"data": [{"id": 1, "orders": [{"oid": 10, "items": [{"sku": "x"}]}], "tags": ["a"]}]}`,
		"      nested_hints: {orders: {max_table_nesting: 0}}\n")
	if got := tables(t, db); !slices.Equal(got, []string{"users", "users__tags"}) {
		t.Errorf("tables %v, want [users users__tags]", got)
	}
	names, types := tableInfo(t, db, "users")
	if !slices.Equal(names, []string{"id", "orders", "_dlt_load_id", "_dlt_id"}) || types[1] != "JSON" {
		t.Errorf("users columns %v %v", names, types)
	}
	var orders string
	if err := db.QueryRow(`SELECT orders FROM users`).Scan(&orders); err != nil {
		t.Fatal(err)
	}
	if orders != `[{"items":[{"sku":"x"}],"oid":10}]` {
		t.Errorf("orders = %s", orders)
	}
	if cols := storedColumns(t, dir, "users__orders"); cols != nil {
		t.Errorf("stored schema has users__orders: %v", cols)
	}
}
