package pipeline

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/sluicehq/sluice/builtin"
	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/scripting/cel"
	"github.com/sluicehq/sluice/scripting/js"
)

// blogServer serves n users (pages of 100 with next links) with 3 posts
// each at /users/{id}/posts, 2 comments per post at
// /posts/{id}/comments, and /posts?user_ids=1,2 for batches. Child
// responses come back after a delay that is longer for lower ids, so
// concurrent requests finish out of order.
type blogServer struct {
	*httptest.Server
	requests  atomic.Int64
	inFlight  atomic.Int64
	maxFlight atomic.Int64
}

func newBlogServer(t *testing.T, users int) *blogServer {
	t.Helper()
	s := &blogServer{}
	write := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	post := func(uid, k int) map[string]any {
		id := (uid-1)*3 + k + 1
		return map[string]any{"id": id, "user_id": uid, "title": fmt.Sprintf("post %d of user %d", k+1, uid)}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users", func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if page == 0 {
			page = 1
		}
		var data []any
		for id := (page-1)*100 + 1; id <= min(page*100, users); id++ {
			data = append(data, map[string]any{"id": id, "name": fmt.Sprintf("user %d", id), "meta": map[string]any{"group": id % 3}})
		}
		body := map[string]any{"data": data, "next": nil}
		if page*100 < users {
			body["next"] = fmt.Sprintf("%s/users?page=%d", s.URL, page+1)
		}
		write(w, body)
	})
	mux.HandleFunc("GET /users/{id}/posts", func(w http.ResponseWriter, r *http.Request) {
		uid, _ := strconv.Atoi(r.PathValue("id"))
		if uid < 1 || uid > users {
			w.WriteHeader(http.StatusNotFound)
			write(w, map[string]any{"error": "no such user"})
			return
		}
		time.Sleep(time.Duration(3-uid%3) * 200 * time.Microsecond)
		var out []any
		for k := range 3 {
			out = append(out, post(uid, k))
		}
		write(w, out)
	})
	mux.HandleFunc("GET /users/{id}/paged", func(w http.ResponseWriter, r *http.Request) {
		uid, _ := strconv.Atoi(r.PathValue("id"))
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		body := map[string]any{"data": []any{post(uid, page)}, "next": nil}
		if page < 2 {
			body["next"] = fmt.Sprintf("%s/users/%d/paged?page=%d", s.URL, uid, page+1)
		}
		write(w, body)
	})
	mux.HandleFunc("GET /posts/{id}/comments", func(w http.ResponseWriter, r *http.Request) {
		pid, _ := strconv.Atoi(r.PathValue("id"))
		write(w, []any{map[string]any{"id": pid*10 + 1, "post_id": pid}, map[string]any{"id": pid*10 + 2, "post_id": pid}})
	})
	mux.HandleFunc("GET /posts", func(w http.ResponseWriter, r *http.Request) {
		var out []any
		for _, x := range strings.Split(r.URL.Query().Get("user_ids"), ",") {
			uid, _ := strconv.Atoi(x)
			for k := range 3 {
				out = append(out, post(uid, k))
			}
		}
		write(w, out)
	})
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		n := s.inFlight.Add(1)
		defer s.inFlight.Add(-1)
		for {
			m := s.maxFlight.Load()
			if n <= m || s.maxFlight.CompareAndSwap(m, n) {
				break
			}
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// testRegistries are this build's: the built-ins and the JS and CEL
// engines, as cmd/sluice registers them.
func testRegistries() *extension.Registries {
	reg := extension.NewRegistries()
	builtin.Register(reg)
	js.Register(reg)
	cel.Register(reg)
	return reg
}

// runYAML parses yml (base_url filled in) and runs it into dir/blog.db.
func runYAML(t *testing.T, yml, dir string, o Options) (*Summary, error) {
	t.Helper()
	reg := testRegistries()
	f, err := config.Parse([]byte(yml), filepath.Join(dir, "blog.yaml"), dir, config.Options{Registries: reg})
	if err != nil {
		t.Fatal(err)
	}
	o.Registries = reg
	if o.Destinations == nil {
		o.Destinations = testDestinations()
	}
	if o.DBPath == "" {
		o.DBPath = filepath.Join(dir, "blog.db")
	}
	if o.PipelinesDir == "" {
		o.PipelinesDir = dir
	}
	return Run(context.Background(), f, o)
}

func openSQLite(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// column returns one column of a table in rowid order, as text.
func column(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s.String)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

const blogYAML = `
pipeline: {name: blog}
source:
  client: {base_url: "%s", paginator: {type: json_link, next_url_path: next}, concurrency: 6}
  resources:
    - name: users
      endpoint: {path: users, data_selector: data}
    - name: posts
      endpoint: {path: "users/{resources.users.id}/posts", paginator: single_page}
      include_from_parent: [id, name]
%s`

func TestDependentResources(t *testing.T) {
	srv := newBlogServer(t, 1000)
	dir := t.TempDir()
	yml := fmt.Sprintf(blogYAML, srv.URL, "")
	sum, err := runYAML(t, yml, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Tables["users"] != 1000 || sum.Tables["posts"] != 3000 {
		t.Fatalf("tables = %v, want users 1000, posts 3000", sum.Tables)
	}
	if got := srv.requests.Load(); got != 10+1000 {
		t.Errorf("%d requests, want 1010", got)
	}
	if m := srv.maxFlight.Load(); m < 2 || m > 6 {
		t.Errorf("at most %d requests in flight, want 2..6 (concurrency: 6)", m)
	}
	db := openSQLite(t, filepath.Join(dir, "blog.db"))
	ids := column(t, db, `SELECT id || ':' || _users_id || ':' || _users_name FROM posts ORDER BY rowid`)
	for i, s := range ids {
		uid := i/3 + 1
		want := fmt.Sprintf("%d:%d:user %d", i+1, uid, uid)
		if s != want {
			t.Fatalf("posts row %d = %s, want %s (rows must land in parent order)", i+1, s, want)
		}
	}

	// the same run again: the same rows in the same order
	dir2 := t.TempDir()
	if _, err := runYAML(t, yml, dir2, Options{}); err != nil {
		t.Fatal(err)
	}
	db2 := openSQLite(t, filepath.Join(dir2, "blog.db"))
	if again := column(t, db2, `SELECT id || ':' || _users_id FROM posts ORDER BY rowid`); !reflect.DeepEqual(again, column(t, db, `SELECT id || ':' || _users_id FROM posts ORDER BY rowid`)) {
		t.Error("a second run loaded the posts in another order")
	}
}

func TestDependentChainsAndOptions(t *testing.T) {
	srv := newBlogServer(t, 20)
	tests := []struct {
		name    string
		extra   string
		select_ []string
		want    map[string]int64
		check   func(t *testing.T, db *sql.DB)
	}{
		{
			name: "three levels, the middle one only feeding",
			extra: `    - name: comments
      endpoint: {path: "posts/{resources.posts.id}/comments", paginator: single_page}
      include_from_parent: [title]
`,
			select_: []string{"users", "comments"},
			want:    map[string]int64{"users": 20, "comments": 120},
			check: func(t *testing.T, db *sql.DB) {
				got := column(t, db, `SELECT _posts_title FROM comments ORDER BY rowid LIMIT 3`)
				if !reflect.DeepEqual(got, []string{"post 1 of user 1", "post 1 of user 1", "post 2 of user 1"}) {
					t.Errorf("comments = %v", got)
				}
				if n := column(t, db, `SELECT count(*) FROM sqlite_master WHERE name = 'posts'`); n[0] != "0" {
					t.Error("posts was loaded, but it only feeds comments")
				}
			},
		},
		{
			name: "legacy resolve param and a nested parent field in a header",
			extra: `    - name: by_group
      endpoint:
        path: "users/{uid}/posts"
        params: {uid: {type: resolve, resource: users, field: id}}
        headers: {X-Group: "{resources.users.meta.group}"}
        paginator: single_page
`,
			select_: []string{"by_group"},
			want:    map[string]int64{"by_group": 60},
		},
		{
			name: "a paginator detected on each child chain",
			extra: `    - name: paged
      endpoint: {path: "users/{resources.users.id}/paged"}
`,
			select_: []string{"paged"},
			want:    map[string]int64{"paged": 60},
			check: func(t *testing.T, db *sql.DB) {
				if got := column(t, db, `SELECT count(DISTINCT id) FROM paged`); got[0] != "60" {
					t.Errorf("%s distinct posts, want 60 (3 pages for each of 20 users)", got[0])
				}
			},
		},
		{
			name: "parent values batched into one request",
			extra: `    - name: batched
      endpoint:
        path: posts
        params: {user_ids: "{resources.users.id}"}
        parent_batch: {size: 7, match: user_id}
        paginator: single_page
      include_from_parent: [name]
`,
			select_: []string{"batched"},
			want:    map[string]int64{"batched": 60},
			check: func(t *testing.T, db *sql.DB) {
				got := column(t, db, `SELECT count(*) FROM batched WHERE _users_name = 'user ' || user_id`)
				if got[0] != "60" {
					t.Errorf("%s of 60 batched rows carry their own parent's name", got[0])
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			before := srv.requests.Load()
			sum, err := runYAML(t, fmt.Sprintf(blogYAML, srv.URL, tt.extra), dir, Options{Resources: tt.select_})
			if err != nil {
				t.Fatal(err)
			}
			for table, n := range tt.want {
				if sum.Tables[table] != n {
					t.Errorf("table %s: %d rows, want %d (all: %v)", table, sum.Tables[table], n, sum.Tables)
				}
			}
			if strings.Contains(tt.name, "batched") {
				if got := srv.requests.Load() - before; got != 1+3 {
					t.Errorf("%d requests, want 4 (1 users page, 20 parents in batches of 7)", got)
				}
			}
			if tt.check != nil {
				tt.check(t, openSQLite(t, filepath.Join(dir, "blog.db")))
			}
		})
	}
}

func TestDependentErrors(t *testing.T) {
	srv := newBlogServer(t, 5)
	dir := t.TempDir()
	_, err := runYAML(t, fmt.Sprintf(blogYAML, srv.URL, `    - name: bad
      endpoint: {path: "users/{resources.users.nope}/posts"}
`), dir, Options{Resources: []string{"bad"}})
	if err == nil || !strings.Contains(err.Error(), "no field `nope`") || !strings.Contains(err.Error(), "[id, meta, name]") {
		t.Fatalf("error = %v, want one naming the missing field and the parent's fields", err)
	}
}

func TestInlineDataResource(t *testing.T) {
	srv := newBlogServer(t, 5)
	dir := t.TempDir()
	yml := fmt.Sprintf(`
pipeline: {name: blog}
source:
  client: {base_url: "%s"}
  resources:
    - name: picked
      data: [{id: 2, label: two}, {id: 4, label: four}]
    - name: posts
      endpoint: {path: "users/{resources.picked.id}/posts", paginator: single_page}
      include_from_parent: [label]
`, srv.URL)
	sum, err := runYAML(t, yml, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Tables["picked"] != 2 || sum.Tables["posts"] != 6 {
		t.Fatalf("tables = %v", sum.Tables)
	}
	db := openSQLite(t, filepath.Join(dir, "blog.db"))
	if got := column(t, db, `SELECT user_id || _picked_label FROM posts ORDER BY rowid`); !reflect.DeepEqual(got, []string{"2two", "2two", "2two", "4four", "4four", "4four"}) {
		t.Errorf("posts = %v", got)
	}
}
