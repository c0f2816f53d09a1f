package pipeline

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/sluicehq/sluice/builtin"
	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/state"
)

// api serves /users as pages of records set by the test between runs
// (`{"data": [...], "next": url}`, json_link pagination).
type api struct {
	mu    sync.Mutex
	pages [][]map[string]any
	// failAt, when > 0, answers 404 for that page (0-based) and beyond
	failAt int
	srv    *httptest.Server
}

func newAPI(t *testing.T) *api {
	a := &api{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		n := 0
		fmt.Sscan(r.URL.Query().Get("page"), &n)
		if a.failAt > 0 && n >= a.failAt {
			http.Error(w, "gone", http.StatusNotFound)
			return
		}
		body := map[string]any{"data": []any{}}
		if n < len(a.pages) {
			body["data"] = a.pages[n]
		}
		if n+1 < len(a.pages) {
			body["next"] = fmt.Sprintf("%s/users?page=%d", a.srv.URL, n+1)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

// serve sets the pages of the next run; each page is a list of records.
func (a *api) serve(pages ...[]map[string]any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pages = pages
}

// user is a record with nested posts (a child table users__posts).
func user(id int, name string, posts ...string) map[string]any {
	ps := make([]any, len(posts))
	for i, p := range posts {
		ps[i] = map[string]any{"title": p}
	}
	return map[string]any{"id": id, "name": name, "posts": ps}
}

// dispositionRun is one pipeline file with a resource users and its
// database, run as often as a test likes.
type dispositionRun struct {
	t    *testing.T
	f    *config.File
	reg  *extension.Registries
	dir  string
	dest string
	db   string
}

func newDispositionRun(t *testing.T, dest string, a *api, resourceYAML string) *dispositionRun {
	t.Helper()
	reg := extension.NewRegistries()
	builtin.Register(reg)
	yml := fmt.Sprintf(`
pipeline: {name: disp}
source:
  client: {base_url: "%s"}
  resources:
    - name: users
      endpoint:
        path: users
        data_selector: data
        paginator: {type: json_link, next_url_path: next}
      %s
`, a.srv.URL, resourceYAML)
	dir := t.TempDir()
	f, err := config.Parse([]byte(yml), "disp.yaml", dir, config.Options{Registries: reg})
	if err != nil {
		t.Fatal(err)
	}
	ty, _ := testDestinations().Lookup(dest)
	return &dispositionRun{t: t, f: f, reg: reg, dir: dir, dest: dest, db: filepath.Join(dir, "disp"+ty.Ext)}
}

func (d *dispositionRun) run() (*Summary, error) {
	return Run(context.Background(), d.f, Options{DBPath: d.db, PipelinesDir: d.dir, Registries: d.reg, Destinations: testDestinations(), Destination: d.dest})
}

func (d *dispositionRun) mustRun() *Summary {
	d.t.Helper()
	sum, err := d.run()
	if err != nil {
		d.t.Fatal(err)
	}
	return sum
}

// query reads the database with the destination's own driver, every value
// as text.
func (d *dispositionRun) query(q string) [][]string {
	d.t.Helper()
	db, done, err := sqlOpeners[d.dest](d.db, "disp_dataset")
	if err != nil {
		d.t.Fatal(err)
	}
	defer done()
	rs, err := db.Query(q)
	if err != nil {
		d.t.Fatalf("%s: %v", q, err)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out [][]string
	for rs.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			d.t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = v.String
			if !v.Valid {
				row[i] = "NULL"
			}
		}
		out = append(out, row)
	}
	if err := rs.Err(); err != nil {
		d.t.Fatal(err)
	}
	return out
}

// usersAndPosts is every user with its posts in list order, by id; and
// the posts whose parent row is gone.
const usersAndPosts = `SELECT u.id, u.name, coalesce((SELECT group_concat(title, ',') FROM
	(SELECT title FROM users__posts p WHERE p._dlt_parent_id = u._dlt_id ORDER BY p._dlt_list_idx)), '')
	FROM users u ORDER BY u.id, u.name`
const orphanPosts = `SELECT count(*) FROM users__posts WHERE _dlt_parent_id NOT IN (SELECT _dlt_id FROM users)`

func TestReplaceTwice(t *testing.T) {
	forEachDestination(t, func(t *testing.T, dest string) {
		a := newAPI(t)
		d := newDispositionRun(t, dest, a, "write_disposition: replace")
		tagged := user(3, "cy", "c1", "c2")
		tagged["posts"].([]any)[0].(map[string]any)["tags"] = []any{"t1", "t2"}
		a.serve([]map[string]any{user(1, "ann", "a1", "a2", "a3"), user(2, "bob", "b1")}, []map[string]any{tagged})
		d.mustRun()
		if got := d.query(`SELECT count(*) FROM users__posts__tags`); got[0][0] != "2" {
			t.Fatalf("first run: %s tags", got[0][0])
		}
		// the second run has fewer posts and no tags at all: the nested
		// table the schema knows from the first run is emptied too
		a.serve([]map[string]any{user(2, "bob2", "b9"), user(4, "dee")})
		d.mustRun()
		if got := d.query(`SELECT count(*) FROM users__posts__tags`); got[0][0] != "0" {
			t.Errorf("users__posts__tags keeps %s rows of the first run", got[0][0])
		}
		want := [][]string{{"2", "bob2", "b9"}, {"4", "dee", ""}}
		if got := d.query(usersAndPosts); !reflect.DeepEqual(got, want) {
			t.Errorf("after the second run:\n got %v\nwant %v", got, want)
		}
		if got := d.query(`SELECT count(*) FROM users__posts`); got[0][0] != "1" {
			t.Errorf("users__posts has %s rows, want the second run's 1", got[0][0])
		}
		if got := d.query(`SELECT count(DISTINCT load_id), count(*) FROM _dlt_loads`); got[0][1] != "2" {
			t.Errorf("_dlt_loads %v", got)
		}
	})
}

func TestReplaceWithEmptyResponseEmptiesTables(t *testing.T) {
	forEachDestination(t, func(t *testing.T, dest string) {
		a := newAPI(t)
		d := newDispositionRun(t, dest, a, "write_disposition: {disposition: replace, strategy: truncate-and-insert}")
		a.serve([]map[string]any{user(1, "ann", "a1"), user(2, "bob", "b1")})
		d.mustRun()
		a.serve() // {"data": []}
		sum := d.mustRun()
		if !sum.Loaded {
			t.Error("the run that emptied the tables did not commit a load")
		}
		for _, table := range []string{"users", "users__posts"} {
			if got := d.query(`SELECT count(*) FROM ` + table); got[0][0] != "0" {
				t.Errorf("%s keeps %s rows", table, got[0][0])
			}
		}
		if got := d.query(`SELECT count(*) FROM _dlt_loads`); got[0][0] != "2" {
			t.Errorf("%s loads, want 2", got[0][0])
		}
	})
}

func TestMergeTwiceAddsAndUpdates(t *testing.T) {
	forEachDestination(t, func(t *testing.T, dest string) {
		for _, strategy := range []string{"merge", "{disposition: merge, strategy: delete-insert}", "{disposition: merge, strategy: upsert}"} {
			t.Run(strategy, func(t *testing.T) {
				a := newAPI(t)
				d := newDispositionRun(t, dest, a, "write_disposition: "+strategy+"\n      primary_key: id")
				a.serve([]map[string]any{user(1, "ann", "a1", "a2"), user(2, "bob", "b1"), user(3, "cy", "c1", "c2", "c3")})
				d.mustRun()
				// between runs: 2 and 3 are updated (3 loses posts), 4 and 5 are new
				a.serve([]map[string]any{user(2, "bob2", "b1", "b2"), user(4, "dee", "d1")}, []map[string]any{user(3, "cy2", "c9"), user(5, "eve")})
				d.mustRun()
				want := [][]string{{"1", "ann", "a1,a2"}, {"2", "bob2", "b1,b2"}, {"3", "cy2", "c9"}, {"4", "dee", "d1"}, {"5", "eve", ""}}
				if got := d.query(usersAndPosts); !reflect.DeepEqual(got, want) {
					t.Errorf("\n got %v\nwant %v", got, want)
				}
				if got := d.query(orphanPosts); got[0][0] != "0" {
					t.Errorf("%s posts of replaced records remain", got[0][0])
				}
				if got := d.query(`SELECT count(*) FROM users__posts p JOIN users u ON u._dlt_id = p._dlt_root_id`); got[0][0] != "6" {
					t.Errorf("%s posts linked by _dlt_root_id, want 6", got[0][0])
				}
			})
		}
	})
}

func TestMergeDuplicateKeysInOneRun(t *testing.T) {
	forEachDestination(t, func(t *testing.T, dest string) {
		a := newAPI(t)
		d := newDispositionRun(t, dest, a, "write_disposition: merge\n      primary_key: id")
		a.serve([]map[string]any{user(1, "ann", "a1"), user(2, "bob", "b1"), user(1, "ann2", "a2")}, []map[string]any{user(2, "bob2"), user(1, "ann3", "a3", "a4")})
		d.mustRun()
		want := [][]string{{"1", "ann3", "a3,a4"}, {"2", "bob2", ""}}
		if got := d.query(usersAndPosts); !reflect.DeepEqual(got, want) {
			t.Errorf("\n got %v\nwant %v", got, want)
		}
		if got := d.query(`SELECT count(*) FROM users__posts`); got[0][0] != "2" {
			t.Errorf("users__posts has %s rows, want 2", got[0][0])
		}
	})
}

func TestMergeDedupSortAndHardDelete(t *testing.T) {
	forEachDestination(t, func(t *testing.T, dest string) {
		a := newAPI(t)
		d := newDispositionRun(t, dest, a, `write_disposition: merge
      primary_key: id
      columns:
        version: {dedup_sort: desc}
        deleted: {hard_delete: true, data_type: bool}`)
		rec := func(id, version int, name string, deleted bool) map[string]any {
			return map[string]any{"id": id, "version": version, "name": name, "deleted": deleted}
		}
		a.serve([]map[string]any{rec(1, 1, "ann", false), rec(2, 1, "bob", false), rec(3, 1, "cy", false)})
		d.mustRun()
		a.serve([]map[string]any{rec(1, 3, "ann3", false), rec(1, 2, "ann2", false), rec(2, 2, "bob", true), rec(3, 1, "cy-again", false), rec(3, 2, "cy", true)})
		d.mustRun()
		want := [][]string{{"1", "ann3"}}
		if got := d.query(`SELECT id, name FROM users ORDER BY id`); !reflect.DeepEqual(got, want) {
			t.Errorf("\n got %v\nwant %v", got, want)
		}
	})
}

func TestUpsertKeepsRowsInPlace(t *testing.T) {
	forEachDestination(t, func(t *testing.T, dest string) {
		a := newAPI(t)
		d := newDispositionRun(t, dest, a, "write_disposition: {disposition: merge, strategy: upsert}\n      primary_key: id")
		a.serve([]map[string]any{user(3, "cy"), user(1, "ann"), user(2, "bob")})
		d.mustRun()
		a.serve([]map[string]any{user(1, "ann2", "p"), user(4, "dee")})
		d.mustRun()
		want := [][]string{{"3", "cy"}, {"1", "ann2"}, {"2", "bob"}, {"4", "dee"}}
		if got := d.query(`SELECT id, name FROM users ORDER BY rowid`); !reflect.DeepEqual(got, want) {
			t.Errorf("table order:\n got %v\nwant %v", got, want)
		}
	})
}

func TestUnsupportedStrategiesAreRefused(t *testing.T) {
	forEachDestination(t, func(t *testing.T, dest string) {
		for _, strategy := range []string{"scd2", "insert-only"} {
			t.Run(strategy, func(t *testing.T) {
				a := newAPI(t)
				d := newDispositionRun(t, dest, a, "write_disposition: {disposition: merge, strategy: "+strategy+"}\n      primary_key: id")
				a.serve([]map[string]any{user(1, "ann")})
				_, err := d.run()
				var ue *UsageError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), "sluice does not do the "+strategy+" strategy yet") {
					t.Fatalf("Run = %v, want a UsageError naming %s", err, strategy)
				}
				if !strings.Contains(err.Error(), "source.resources[0].write_disposition") {
					t.Errorf("the error does not name the field: %v", err)
				}
			})
		}
	})
}

// TestTableHintsDispositions: what the file says about dispositions
// reaches the normalizer.
func TestTableHintsDispositions(t *testing.T) {
	tests := []struct {
		name         string
		r            config.Resource
		wd, strategy string
		mergeKey     []string
		deduplicated bool
	}{
		{"append by default", config.Resource{Name: "a"}, "append", "", nil, false},
		{"replace", config.Resource{Name: "a", WriteDisposition: "replace", ReplaceStrategy: "insert-from-staging"}, "replace", "", nil, false},
		{"merge", config.Resource{Name: "a", WriteDisposition: "merge", MergeKey: []string{"day"}}, "merge", "delete-insert", []string{"day"}, false},
		{"upsert", config.Resource{Name: "a", WriteDisposition: "merge", MergeStrategy: "upsert"}, "merge", "upsert", nil, false},
		{"deduplicated", config.Resource{Name: "a", WriteDisposition: "merge", MergeStrategy: "delete-insert",
			WriteDispositionOptions: map[string]any{"deduplicated": true}}, "merge", "delete-insert", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tableHints(&tt.r)
			if h.WriteDisposition != tt.wd || h.MergeStrategy != tt.strategy || !reflect.DeepEqual(h.MergeKey, tt.mergeKey) || h.Deduplicated != tt.deduplicated {
				t.Errorf("hints %+v", h)
			}
		})
	}
}

// TestMergeThousand: 1,000 records, then the API has 100 more and 50
// updated: the table holds exactly 1,100 unique ids with the new values.
func TestMergeThousand(t *testing.T) {
	forEachDestination(t, func(t *testing.T, dest string) {
		pages := func(n int, name func(id int) string) [][]map[string]any {
			var out [][]map[string]any
			for p := 0; p*100 < n; p++ {
				var pg []map[string]any
				for id := p*100 + 1; id <= min(n, p*100+100); id++ {
					pg = append(pg, user(id, name(id), fmt.Sprintf("p%d", id)))
				}
				out = append(out, pg)
			}
			return out
		}
		a := newAPI(t)
		d := newDispositionRun(t, dest, a, "write_disposition: merge\n      primary_key: id")
		a.serve(pages(1000, func(id int) string { return "v1" })...)
		d.mustRun()
		a.serve(pages(1100, func(id int) string {
			if id%20 == 0 && id <= 1000 { // 50 of the first 1,000
				return "v2"
			}
			return "v1"
		})...)
		d.mustRun()
		got := d.query(`SELECT count(*), count(DISTINCT id), count(CASE WHEN name = 'v2' THEN 1 END), (SELECT count(*) FROM users__posts) FROM users`)
		if want := []string{"1100", "1100", "50", "1100"}; !reflect.DeepEqual(got[0], want) {
			t.Errorf("rows, ids, updated, posts = %v, want %v", got[0], want)
		}
		if got := d.query(orphanPosts); got[0][0] != "0" {
			t.Errorf("%s orphaned posts", got[0][0])
		}
	})
}

// TestFailedRunChangesNothing: a replace or merge run that fails on its
// second page leaves the tables as the run before left them.
func TestFailedRunChangesNothing(t *testing.T) {
	forEachDestination(t, func(t *testing.T, dest string) {
		for _, wd := range []string{"replace", "merge\n      primary_key: id", "{disposition: merge, strategy: upsert}\n      primary_key: id"} {
			t.Run(wd, func(t *testing.T) {
				a := newAPI(t)
				d := newDispositionRun(t, dest, a, "write_disposition: "+wd)
				a.serve([]map[string]any{user(1, "ann", "a1"), user(2, "bob", "b1")})
				d.mustRun()
				before := d.query(usersAndPosts)
				a.serve([]map[string]any{user(1, "ann2", "a9"), user(3, "cy")}, []map[string]any{user(4, "dee")})
				a.mu.Lock()
				a.failAt = 1
				a.mu.Unlock()
				if _, err := d.run(); err == nil {
					t.Fatal("the run did not fail")
				}
				if got := d.query(usersAndPosts); !reflect.DeepEqual(got, before) {
					t.Errorf("after the failed run:\n got %v\nwant %v", got, before)
				}
				if got := d.query(`SELECT count(*) FROM _dlt_loads`); got[0][0] != "1" {
					t.Errorf("%s loads, want 1", got[0][0])
				}
			})
		}
	})
}

// TestRunRefusesWhileThePipelineRuns: a second run of one pipeline (same
// pipelines folder) while the first holds its lock is refused before it
// sends a request or opens the database; once the lock is gone it runs.
func TestRunRefusesWhileThePipelineRuns(t *testing.T) {
	a := newAPI(t)
	d := newDispositionRun(t, "sqlite", a, "")
	a.serve([]map[string]any{user(1, "ann")})
	d.mustRun()
	release, err := (&state.Dir{Path: filepath.Join(d.dir, "disp")}).Lock()
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.run()
	if err == nil || !strings.Contains(err.Error(), `pipeline "disp" is already running`) || !strings.Contains(err.Error(), state.LockFile) {
		t.Fatalf("run while locked: %v; want a refusal naming the pipeline and its lock file", err)
	}
	release()
	d.mustRun()
	if got := d.query(`SELECT count(*) FROM _dlt_loads`); got[0][0] != "2" {
		t.Errorf("%s loads, want 2 (the refused run loads nothing)", got[0][0])
	}
}
