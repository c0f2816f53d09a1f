package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", to read back

	"github.com/sluicehq/sluice/internal/demoapi"
	"github.com/sluicehq/sluice/internal/pgtest"
)

// openPG opens a database of the test server with database/sql.
func openPG(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// dbTable is what a user sees of a table: its column names in order and
// its rows as canonical text, sorted, without the random `_dlt_*` ids.
type dbTable struct {
	columns []string
	rows    []string
}

var randomColumns = map[string]bool{"_dlt_id": true, "_dlt_parent_id": true, "_dlt_root_id": true, "_dlt_load_id": true}

// canonicalValue renders a value read back from SQLite or PostgreSQL the
// same way: SQLite keeps booleans as 0/1, timestamps and JSON as text;
// PostgreSQL gives bool, time.Time and jsonb's normalized text.
func canonicalValue(v any, dbType string) string {
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
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		if dbType == "DATE" {
			return x.UTC().Format("2006-01-02")
		}
		return x.UTC().Format("2006-01-02 15:04:05.000000")
	case []byte:
		return canonicalValue(string(x), dbType)
	case string:
		if strings.HasPrefix(x, "{") || strings.HasPrefix(x, "[") {
			var j any
			if json.Unmarshal([]byte(x), &j) == nil {
				b, _ := json.Marshal(j)
				return string(b)
			}
		}
		if dbType == "NUMERIC" {
			if f, err := strconv.ParseFloat(x, 64); err == nil {
				return strconv.FormatFloat(f, 'g', -1, 64)
			}
		}
		return x
	}
	return fmt.Sprint(v)
}

// readTables reads every data table (not the `_dlt_*` ones) of db; list
// gives their names, from says how to name one in FROM.
func readTables(t *testing.T, db *sql.DB, list string, from func(string) string) map[string]dbTable {
	t.Helper()
	names, err := db.Query(list)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for names.Next() {
		var n string
		if err := names.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	names.Close()
	out := map[string]dbTable{}
	for _, name := range tables {
		rs, err := db.Query("SELECT * FROM " + from(name))
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rs.Columns()
		types, _ := rs.ColumnTypes()
		tb := dbTable{columns: cols}
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
				if !randomColumns[cols[i]] {
					parts = append(parts, cols[i]+"="+canonicalValue(v, types[i].DatabaseTypeName()))
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

const systemTables = "('_dlt_version', '_dlt_pipeline_state', '_dlt_loads')"

func readSQLiteTables(t *testing.T, path string) map[string]dbTable {
	return readTables(t, openDB(t, path), "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN "+systemTables+" ORDER BY name",
		func(n string) string { return `"` + n + `"` })
}

func readPGTables(t *testing.T, dsn, dataset string) map[string]dbTable {
	return readTables(t, openPG(t, dsn), "SELECT table_name FROM information_schema.tables WHERE table_schema = '"+dataset+"' AND table_name NOT IN "+systemTables+" ORDER BY table_name",
		func(n string) string { return `"` + dataset + `"."` + n + `"` })
}

// sameTables reports every difference between a SQLite and a PostgreSQL load.
func sameTables(t *testing.T, sq, pg map[string]dbTable) {
	t.Helper()
	keys := func(m map[string]dbTable) []string {
		var k []string
		for n := range m {
			k = append(k, n)
		}
		slices.Sort(k)
		return k
	}
	if a, b := keys(sq), keys(pg); !reflect.DeepEqual(a, b) || len(a) == 0 {
		t.Fatalf("tables: sqlite %v, postgres %v", a, b)
	}
	for name, s := range sq {
		p := pg[name]
		if !reflect.DeepEqual(s.columns, p.columns) {
			t.Errorf("%s columns:\nsqlite   %v\npostgres %v", name, s.columns, p.columns)
		}
		if len(s.rows) != len(p.rows) {
			t.Errorf("%s: sqlite %d rows, postgres %d", name, len(s.rows), len(p.rows))
			continue
		}
		for i := range s.rows {
			if s.rows[i] != p.rows[i] {
				t.Errorf("%s row %d:\nsqlite   %s\npostgres %s", name, i, s.rows[i], p.rows[i])
				break
			}
		}
	}
}

// pgTypes returns information_schema's type of every column of a table
// (what psql's \d shows).
func pgTypes(t *testing.T, db *sql.DB, dataset, table string) map[string]string {
	t.Helper()
	rs, err := db.Query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2`, dataset, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	out := map[string]string{}
	for rs.Next() {
		var c, ty string
		if err := rs.Scan(&c, &ty); err != nil {
			t.Fatal(err)
		}
		out[c] = ty
	}
	return out
}

// TestRunIntoPostgresMatchesSQLite: as a new user would, the demo API's
// nested users loaded into SQLite and into PostgreSQL (the DSN from the
// environment in the file, or --db on the command line) give the same
// tables, columns, row counts and values; information_schema shows dlt's
// postgres types; the password is in no output.
func TestRunIntoPostgresMatchesSQLite(t *testing.T) {
	const users = 300
	srv := httptest.NewServer(demoapi.New(demoapi.Options{Users: users, PageSize: 100, Seed: 5, NoGzip: true}))
	defer srv.Close()
	body := "\nsource:\n  client: {base_url: \"" + srv.URL + "\"}\n  resources:\n    - name: users\n      endpoint: {path: users, data_selector: data, paginator: {type: json_link, next_url_path: pagination.next}}\n"
	sqPath := writePipeline(t, "pipeline: {name: shop}"+body)
	code, _, stderr, sqDB := runHere(t, sqPath)
	if code != 0 {
		t.Fatalf("sqlite run: exit %d: %s", code, stderr)
	}
	want := readSQLiteTables(t, sqDB)

	dsn := pgtest.DSN(t)
	t.Setenv("PG_DSN", dsn)
	tests := []struct {
		name, pipeline string
		flags          []string
	}{
		{"credentials in the file", `pipeline: {name: shop, destination: {type: postgres, credentials: "${PG_DSN}"}}`, nil},
		{"--db on the command line", "pipeline: {name: shop, dataset: shop_cli}", []string{"--destination", "postgres", "--db", dsn}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writePipeline(t, tt.pipeline+body)
			dir := filepath.Dir(path)
			dataset := "shop_dataset"
			if tt.flags != nil {
				dataset = "shop_cli"
			}
			args := append([]string{"run", path, "--pipelines-dir", dir, "--progress", "none", "--format", "json"}, tt.flags...)
			code, stdout, stderr := sluice(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			assertNone(t, "run output", []string{pgtest.Password}, stdout, stderr)
			var sum struct {
				Destination string           `json:"destination"`
				DB          string           `json:"db"`
				Tables      map[string]int64 `json:"tables"`
			}
			if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
				t.Fatal(err)
			}
			if sum.Destination != "postgres" || !strings.Contains(sum.DB, "127.0.0.1") || sum.Tables["users"] != users {
				t.Fatalf("summary %+v", sum)
			}
			assertNoSecretInTree(t, dir, pgtest.Password)
			sameTables(t, want, readPGTables(t, dsn, dataset))

			db := openPG(t, dsn)
			types := pgTypes(t, db, dataset, "users")
			for c, w := range map[string]string{"id": "bigint", "name": "character varying", "_dlt_id": "character varying"} {
				if types[c] != w {
					t.Errorf("users.%s is %q, want %q (all: %v)", c, types[c], w, types)
				}
			}
			seen := map[string]bool{}
			for _, ty := range types {
				seen[ty] = true
			}
			for _, w := range []string{"timestamp with time zone", "boolean", "double precision"} {
				if !seen[w] {
					t.Errorf("users has no %s column: %v", w, types)
				}
			}
			sys := pgTypes(t, db, dataset, "_dlt_loads")
			if sys["inserted_at"] != "timestamp with time zone" || sys["status"] != "bigint" {
				t.Errorf("_dlt_loads: %v", sys)
			}
			var status int64
			if err := db.QueryRow(`SELECT status FROM "` + dataset + `"._dlt_loads`).Scan(&status); err != nil || status != 0 {
				t.Errorf("_dlt_loads: %d, %v", status, err)
			}
			// the state goes to _dlt_pipeline_state and comes back: a second
			// run from a fresh pipelines folder restores it from the server
			// (with every log line and progress, the text summary too)
			code, stdout, stderr = sluice(t, append([]string{"run", path, "--pipelines-dir", t.TempDir(), "--progress", "log", "--log-level", "debug"}, tt.flags...)...)
			if code != 0 {
				t.Fatalf("second run: exit %d: %s", code, stderr)
			}
			assertNone(t, "second run output", []string{pgtest.Password}, stdout, stderr)
			if !strings.Contains(stdout+stderr, "xxxxx@127.0.0.1") && !strings.Contains(stdout+stderr, "postgres") {
				t.Errorf("the text output does not say where it loaded:\n%s%s", stdout, stderr)
			}
			if n := count(t, db, `SELECT count(*) FROM "`+dataset+`"._dlt_loads`); n != 2 {
				t.Errorf("_dlt_loads has %d rows after two runs", n)
			}
			if n := count(t, db, `SELECT count(*) FROM "`+dataset+`"._dlt_pipeline_state`); n < 1 {
				t.Errorf("_dlt_pipeline_state has %d rows", n)
			}
		})
	}
}

// TestRunIntoPostgresDispositions: replace and merge (with nested tables)
// run twice give the same as in SQLite, and so does an incremental merge
// of the demo API's tickets changed between two runs.
func TestRunIntoPostgresDispositions(t *testing.T) {
	usersYAML := func(url, disposition string) string {
		return fmt.Sprintf(`pipeline: {name: disp}
source:
  client: {base_url: "%s"}
  resources:
    - name: users
      primary_key: id
      write_disposition: %s
      endpoint: {path: users, data_selector: data, paginator: {type: json_link, next_url_path: pagination.next}}
`, url, disposition)
	}
	tests := []struct {
		name string
		yaml func(url string) string
		// between runs the test changes the API
		mutate string
	}{
		{"append", func(u string) string { return usersYAML(u, "append") }, ""},
		{"replace", func(u string) string { return usersYAML(u, "replace") }, ""},
		{"merge delete-insert", func(u string) string { return usersYAML(u, "merge") }, ""},
		{"merge upsert", func(u string) string {
			return usersYAML(u, "{disposition: merge, strategy: upsert}")
		}, ""},
		{"incremental merge of tickets", func(u string) string {
			b, err := os.ReadFile(filepath.Join("..", "..", "examples", "blog", "tickets.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			return strings.ReplaceAll(string(b), "${DEMO_API_URL:-http://127.0.0.1:8765}", u)
		}, "/admin/tickets/mutate?add=30&update=40"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dsn := pgtest.DSN(t)
			results := map[string]map[string]dbTable{}
			for _, dest := range []string{"sqlite", "postgres"} {
				api := demoapi.New(demoapi.Options{Users: 120, PageSize: 50, Seed: 9, Tickets: 200, NoGzip: true})
				srv := httptest.NewServer(api)
				path := writePipeline(t, tt.yaml(srv.URL))
				dir := filepath.Dir(path)
				db := filepath.Join(dir, "out.db")
				flags := []string{"--db", db}
				if dest == "postgres" {
					flags = []string{"--destination", "postgres", "--db", dsn}
				}
				for run := 1; run <= 2; run++ {
					if run == 2 && tt.mutate != "" {
						resp, err := http.Post(srv.URL+tt.mutate, "", nil)
						if err != nil || resp.StatusCode != 200 {
							t.Fatalf("mutate: %v %v", resp, err)
						}
						resp.Body.Close()
					}
					code, stdout, stderr := sluice(t, append([]string{"run", path, "--pipelines-dir", dir, "--progress", "none"}, flags...)...)
					if code != 0 {
						t.Fatalf("%s run %d: exit %d: %s", dest, run, code, stderr)
					}
					assertNone(t, "output", []string{pgtest.Password}, stdout, stderr)
				}
				srv.Close()
				if dest == "sqlite" {
					results[dest] = readSQLiteTables(t, db)
				} else {
					name := "disp_dataset"
					if tt.mutate != "" {
						name = "tickets_dataset"
					}
					results[dest] = readPGTables(t, dsn, name)
				}
			}
			sameTables(t, results["sqlite"], results["postgres"])
			for name, tb := range results["postgres"] {
				t.Logf("%s: %d rows", name, len(tb.rows))
			}
		})
	}
}

// TestParallelRunsIntoOnePostgres: two pipelines (one resource each, one
// dataset) run at the same time as two processes into one empty database;
// both complete, and each table is exactly as when loaded alone.
func TestParallelRunsIntoOnePostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	srv := httptest.NewServer(demoapi.New(demoapi.Options{Users: 400, PageSize: 50, Seed: 2, NoGzip: true, Latency: 20 * time.Millisecond}))
	defer srv.Close()
	pipe := func(name, resource string) string {
		return writePipeline(t, fmt.Sprintf(`pipeline: {name: %s, dataset: shared, destination: postgres}
source:
  client: {base_url: "%s"}
  resources:
    - name: %s
      endpoint: {path: users, data_selector: data, paginator: {type: json_link, next_url_path: pagination.next}}
`, name, srv.URL, resource))
	}
	pa, pb := pipe("alpha", "people"), pipe("beta", "members")
	// alone, each into a database of its own
	alone := map[string]dbTable{}
	for _, p := range []string{pa, pb} {
		dsn := pgtest.DSN(t)
		if code, _, stderr := sluice(t, "run", p, "--db", dsn, "--pipelines-dir", t.TempDir(), "--progress", "none"); code != 0 {
			t.Fatalf("alone: exit %d: %s", code, stderr)
		}
		for n, tb := range readPGTables(t, dsn, "shared") {
			alone[n] = tb
		}
	}
	dsn := pgtest.DSN(t)
	var wg sync.WaitGroup
	outs := make([][]byte, 2)
	errs := make([]error, 2)
	starts := make([]time.Time, 2)
	ends := make([]time.Time, 2)
	for i, p := range []string{pa, pb} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "run", p, "--db", dsn, "--pipelines-dir", t.TempDir(), "--progress", "none")
			cmd.Env = append(os.Environ(), "SLUICE_TEST_MAIN=1")
			starts[i] = time.Now()
			outs[i], errs[i] = cmd.CombinedOutput()
			ends[i] = time.Now()
		}()
	}
	wg.Wait()
	for i := range errs {
		if errs[i] != nil {
			t.Fatalf("run %d: %v\n%s", i, errs[i], outs[i])
		}
		assertNone(t, "output", []string{pgtest.Password}, string(outs[i]))
	}
	if !(starts[0].Before(ends[1]) && starts[1].Before(ends[0])) {
		t.Fatal("the two runs did not overlap")
	}
	together := readPGTables(t, dsn, "shared")
	sameTables(t, alone, together)
	db := openPG(t, dsn)
	if n := count(t, db, `SELECT count(*) FROM shared._dlt_loads WHERE status = 0`); n != 2 {
		t.Errorf("_dlt_loads has %d completed loads, want 2", n)
	}
	if n := count(t, db, `SELECT count(DISTINCT pipeline_name) FROM shared._dlt_pipeline_state`); n != 2 {
		t.Errorf("_dlt_pipeline_state has the state of %d pipelines, want 2", n)
	}
}

// TestKilledRunIntoPostgres: a load interrupted (Ctrl-C) or killed with
// SIGKILL midway leaves no visible part of it: the server holds exactly
// what the previous run committed, and the next run goes on from there.
func TestKilledRunIntoPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	api := demoapi.New(demoapi.Options{Users: 1_000_000, PageSize: 100, Seed: 3, NoGzip: true, Latency: time.Millisecond})
	srv := httptest.NewServer(api)
	defer srv.Close()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			dsn := pgtest.DSN(t)
			p := usersPipeline(t, "stopped, destination: postgres", srv.URL, "")
			state := t.TempDir()
			cmd, sc := startLongRun(t, p, dsn, state)
			// let it load a few batches into the open transaction first
			for i := 0; i < 3 && sc.Scan(); i++ {
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			var rest strings.Builder
			for sc.Scan() {
				rest.WriteString(sc.Text() + "\n")
			}
			_ = cmd.Wait()
			assertNone(t, "the stopped run's output", []string{pgtest.Password}, rest.String())
			db := openPG(t, dsn)
			// the server ends a killed session's transaction as soon as it
			// sees the connection close
			deadline := time.Now().Add(10 * time.Second)
			for count(t, db, `SELECT count(*) FROM pg_stat_activity WHERE application_name = 'sluice' AND datname = current_database()`) > 0 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			for q, want := range map[string]int64{
				`SELECT count(*) FROM stopped_dataset.users`:               200,
				`SELECT count(*) FROM stopped_dataset._dlt_loads`:          1,
				`SELECT count(*) FROM stopped_dataset._dlt_pipeline_state`: 1,
			} {
				if n := count(t, db, q); n != want {
					t.Errorf("%s = %d; want %d (the first run's)", q, n, want)
				}
			}
			if code, out, errs := sluice(t, "run", p, "--db", dsn, "--pipelines-dir", state, "--limit", "1", "--progress", "none"); code != 0 {
				t.Fatalf("run after the stop: exit %d\n%s\n%s", code, out, errs)
			}
			if n := count(t, db, `SELECT count(*) FROM stopped_dataset.users`); n != 300 {
				t.Errorf("users has %d rows after the next run, want 300", n)
			}
		})
	}
}

// TestPostgresPasswordNeverPrinted: a server that refuses the connection,
// a wrong password and a DSN that does not parse give errors that say what
// is wrong without the password, as text and as --format json.
func TestPostgresPasswordNeverPrinted(t *testing.T) {
	srv := httptest.NewServer(demoapi.New(demoapi.Options{Users: 10}))
	defer srv.Close()
	s := pgtest.Shared(t)
	const pw = "Never-Print-Me-93xq"
	tests := []struct {
		name, dsn, want string
	}{
		{"wrong password", "postgresql://" + pgtest.User + ":" + pw + "@127.0.0.1:" + strconv.Itoa(s.Port) + "/postgres?sslmode=disable", "password authentication failed"},
		{"nothing listening", "postgresql://u:" + pw + "@127.0.0.1:1/db?sslmode=disable&connect_timeout=5", "connecting to postgresql://u:xxxxx@127.0.0.1:1/db"},
		{"key/value DSN", "host=127.0.0.1 port=1 user=u password=" + pw + " dbname=db sslmode=disable connect_timeout=5", "password=xxxxx"},
		{"unparsable", "postgresql://u:" + pw + "@127.0.0.1:99999999/db", "not a valid PostgreSQL DSN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := usersPipeline(t, "secret", srv.URL, "")
			for _, format := range []string{"text", "json"} {
				code, stdout, stderr := sluice(t, "run", p, "--destination", "postgres", "--db", tt.dsn, "--pipelines-dir", t.TempDir(), "--progress", "none", "--format", format)
				if code == 0 {
					t.Fatalf("%s: the run succeeded", format)
				}
				assertNone(t, format+" output", []string{pw}, stdout, stderr)
				if !strings.Contains(stdout+stderr, tt.want) {
					t.Errorf("%s output does not say %q:\n%s%s", format, tt.want, stdout, stderr)
				}
			}
		})
	}
}

// TestLongNamesIntoPostgres: names longer than PostgreSQL's 63 bytes (a
// long field, a nested list under a long path) are shortened as dlt's
// postgres destination shortens them, and a merge into such tables runs
// twice without duplicating anything.
func TestLongNamesIntoPostgres(t *testing.T) {
	long := strings.Repeat("very_long_field_name_", 4) // 84 bytes
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var data []any
		for id := 1; id <= 5; id++ {
			data = append(data, map[string]any{"id": id, long: "v", long + "list": []any{map[string]any{long + "x": id}, map[string]any{long + "x": -id}}})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"data": data})
	}))
	defer srv.Close()
	p := writePipeline(t, fmt.Sprintf(`pipeline: {name: longnames, destination: postgres}
source:
  client: {base_url: "%s"}
  resources:
    - name: things
      primary_key: id
      write_disposition: merge
      endpoint: {path: things, data_selector: data, paginator: single_page}
`, srv.URL))
	dsn := pgtest.DSN(t)
	for run := 1; run <= 2; run++ {
		if code, _, stderr := sluice(t, "run", p, "--db", dsn, "--pipelines-dir", t.TempDir(), "--progress", "none"); code != 0 {
			t.Fatalf("run %d: exit %d: %s", run, code, stderr)
		}
	}
	db := openPG(t, dsn)
	rs, err := db.Query(`SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'longnames_dataset'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var nested string
	var shortened int
	for rs.Next() {
		var tb, c string
		if err := rs.Scan(&tb, &c); err != nil {
			t.Fatal(err)
		}
		if len(tb) > 63 || len(c) > 63 {
			t.Errorf("%s.%s is longer than 63 bytes", tb, c)
		}
		if strings.HasPrefix(c, "very_long_field_name_") {
			shortened++
		}
		if strings.HasPrefix(tb, "things__") {
			nested = tb
		}
	}
	if shortened < 2 || nested == "" {
		t.Fatalf("no shortened column (%d) or no nested table (%q)", shortened, nested)
	}
	if n := count(t, db, `SELECT count(*) FROM longnames_dataset.things`); n != 5 {
		t.Errorf("things has %d rows after two merges, want 5", n)
	}
	if n := count(t, db, `SELECT count(*) FROM longnames_dataset."`+nested+`"`); n != 10 {
		t.Errorf("%s has %d rows after two merges, want 10", nested, n)
	}
}
