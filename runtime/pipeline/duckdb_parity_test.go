//go:build duckdb

package pipeline

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	duckdbdrv "github.com/duckdb/duckdb-go/v2"

	"github.com/sluicehq/sluice/internal/demoapi"
	"github.com/sluicehq/sluice/runtime/destination/duckdb"
)

// loaded is what a user sees of a database after a load: per table its
// column names in order, and its rows as canonical text, sorted (the
// `_dlt_*` ids are random, so rows are compared without them).
type loaded map[string]loadedTable

type loadedTable struct {
	columns []string
	rows    []string
}

// idColumns are random per run and left out of the value comparison.
var idColumns = map[string]bool{"_dlt_id": true, "_dlt_parent_id": true, "_dlt_root_id": true, "_dlt_load_id": true}

// canonical renders a value read back by either driver the same way: SQLite
// keeps booleans as 0/1 and JSON as text, DuckDB as bool and decoded JSON.
func canonical(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case bool:
		if x {
			return "1"
		}
		return "0"
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(x)
	case string:
		if strings.HasPrefix(x, "{") || strings.HasPrefix(x, "[") {
			var j any
			if json.Unmarshal([]byte(x), &j) == nil {
				b, _ := json.Marshal(j)
				return string(b)
			}
		}
		return x
	case duckdbdrv.Decimal:
		r := new(big.Rat).SetFrac(x.Value, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(x.Scale)), nil))
		f, _ := r.Float64()
		return strconv.FormatFloat(f, 'g', -1, 64)
	case map[string]any, []any:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return fmt.Sprint(v)
}

// readLoaded reads every table (names from tablesQuery) through db.
func readLoaded(t *testing.T, db *sql.DB, tablesQuery string) loaded {
	t.Helper()
	out := loaded{}
	for _, name := range column(t, db, tablesQuery) {
		rs, err := db.Query(`SELECT * FROM "` + name + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rs.Columns()
		tb := loadedTable{columns: cols}
		for rs.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rs.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var parts []string
			for i, v := range vals {
				if !idColumns[cols[i]] {
					parts = append(parts, cols[i]+"="+canonical(v))
				}
			}
			tb.rows = append(tb.rows, strings.Join(parts, "|"))
		}
		rs.Close()
		slices.Sort(tb.rows)
		out[name] = tb
	}
	return out
}

func readSQLite(t *testing.T, path string) loaded {
	db := openSQLite(t, path)
	return readLoaded(t, db, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('_dlt_version', '_dlt_pipeline_state', '_dlt_loads') ORDER BY name`)
}

func readDuckDB(t *testing.T, path, dataset string) loaded {
	db, err := duckdb.Open(path, dataset)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return readLoaded(t, db.SQL(), `SELECT table_name FROM duckdb_tables() WHERE schema_name = '`+dataset+
		`' AND table_name NOT IN ('_dlt_version', '_dlt_pipeline_state', '_dlt_loads') ORDER BY table_name`)
}

// compareLoaded reports every difference between the two loads.
func compareLoaded(t *testing.T, sq, dk loaded) {
	t.Helper()
	if a, b := mapsKeys(sq), mapsKeys(dk); !reflect.DeepEqual(a, b) {
		t.Fatalf("tables: sqlite %v, duckdb %v", a, b)
	}
	for name, s := range sq {
		d := dk[name]
		t.Logf("%s: %d columns, %d rows", name, len(s.columns), len(s.rows))
		if !reflect.DeepEqual(s.columns, d.columns) {
			t.Errorf("%s columns:\nsqlite %v\nduckdb %v", name, s.columns, d.columns)
		}
		if len(s.rows) != len(d.rows) {
			t.Errorf("%s: sqlite %d rows, duckdb %d", name, len(s.rows), len(d.rows))
			continue
		}
		for i := range s.rows {
			if s.rows[i] != d.rows[i] {
				t.Errorf("%s row %d:\nsqlite %s\nduckdb %s", name, i, s.rows[i], d.rows[i])
				break
			}
		}
	}
}

func mapsKeys(m loaded) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	slices.Sort(k)
	return k
}

// describe returns DuckDB's DESCRIBE of a table: column name → type.
func describe(t *testing.T, path, dataset, table string) map[string]string {
	t.Helper()
	db, err := duckdb.Open(path, dataset)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rs, err := db.SQL().Query(`DESCRIBE "` + dataset + `"."` + table + `"`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	out := map[string]string{}
	cols, _ := rs.Columns()
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out[vals[0].(string)] = vals[1].(string)
	}
	return out
}

// TestSQLiteAndDuckDBLoadTheSame: the demo API's nested users loaded into
// SQLite and into DuckDB give the same tables, columns, row counts and
// values; DuckDB's DESCRIBE shows dlt's duckdb types.
func TestSQLiteAndDuckDBLoadTheSame(t *testing.T) {
	const users = 600
	srv := httptest.NewServer(demoapi.New(demoapi.Options{Users: users, PageSize: 100, NoGzip: true}))
	defer srv.Close()
	yml := fmt.Sprintf(benchPipeline, srv.URL)
	dir := t.TempDir()
	sqlitePath, duckPath := filepath.Join(dir, "bench.db"), filepath.Join(dir, "bench.duckdb")
	sumS, err := runYAML(t, yml, filepath.Join(dir, "s"), Options{DBPath: sqlitePath})
	if err != nil {
		t.Fatal(err)
	}
	sumD, err := runYAML(t, yml, filepath.Join(dir, "d"), Options{Destination: "duckdb", DBPath: duckPath})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sumS.Tables, sumD.Tables) || sumD.Tables["users"] != users {
		t.Fatalf("row counts: sqlite %v, duckdb %v", sumS.Tables, sumD.Tables)
	}
	if sumD.Destination != "duckdb" || sumD.Dataset != "bench_dataset" {
		t.Errorf("summary %+v", sumD)
	}
	compareLoaded(t, readSQLite(t, sqlitePath), readDuckDB(t, duckPath, "bench_dataset"))

	types := describe(t, duckPath, "bench_dataset", "users")
	for col, want := range map[string]string{"id": "BIGINT", "name": "VARCHAR", "_dlt_id": "VARCHAR"} {
		if types[col] != want {
			t.Errorf("DESCRIBE users: %s is %q, want %s (all: %v)", col, types[col], want, types)
		}
	}
	seen := map[string]bool{}
	for _, ty := range types {
		seen[ty] = true
	}
	for _, want := range []string{"TIMESTAMP WITH TIME ZONE", "BOOLEAN", "DOUBLE"} {
		if !seen[want] {
			t.Errorf("DESCRIBE users has no %s column: %v", want, types)
		}
	}
	sys := describe(t, duckPath, "bench_dataset", "_dlt_loads")
	if sys["inserted_at"] != "TIMESTAMP WITH TIME ZONE" || sys["status"] != "BIGINT" {
		t.Errorf("DESCRIBE _dlt_loads: %v", sys)
	}
}

// TestIncrementalMergeTwiceDuckDBEqualsSQLite: an incremental merge
// pipeline run twice (tickets updated between the runs) ends the same in
// DuckDB as in SQLite, and the state restored from DuckDB asks the API
// for only the new changes.
func TestIncrementalMergeTwiceDuckDBEqualsSQLite(t *testing.T) {
	result := map[string]loaded{}
	for _, dest := range []string{"sqlite", "duckdb"} {
		srv := newTicketServer(t, 300)
		dir := t.TempDir()
		yml := fmt.Sprintf(ticketsYAML, srv.URL, "") + "      write_disposition: merge\n"
		path := filepath.Join(dir, "t."+map[string]string{"sqlite": "db", "duckdb": "duckdb"}[dest])
		o := Options{Destination: dest, DBPath: path}
		if _, err := runYAML(t, yml, dir, o); err != nil {
			t.Fatal(err)
		}
		srv.takeSinces()
		srv.update(40)
		srv.grow(10)
		sum, err := runYAML(t, yml, dir, o)
		if err != nil {
			t.Fatal(err)
		}
		if got := sum.Tables["tickets"]; got < 50 || got > 60 {
			t.Errorf("%s: the second run loaded %d tickets, want the 50 changed (and the few sharing the last second)", dest, got)
		}
		if s := srv.takeSinces(); len(s) == 0 || s[0] == "2024-01-01T00:00:00Z" {
			t.Errorf("%s: the second run started from %v, not from the stored cursor", dest, s)
		}
		if dest == "sqlite" {
			result[dest] = readSQLite(t, path)
		} else {
			result[dest] = readDuckDB(t, path, "tickets_dataset")
		}
		if n := len(result[dest]["tickets"].rows); n != 310 {
			t.Errorf("%s: %d tickets, want 310 (one per id)", dest, n)
		}
	}
	compareLoaded(t, result["sqlite"], result["duckdb"])
}
