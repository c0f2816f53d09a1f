package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/demoapi"
	"github.com/sluicehq/sluice/runtime/browse"
)

// loadShopDB loads runtime/browse/testdata/shop*.yaml with two real
// `sluice run`s against the demo API (the API changes some tickets in
// between) and returns the database's path.
func loadShopDB(t *testing.T) string {
	t.Helper()
	api := demoapi.New(demoapi.Options{Users: 30, PageSize: 10, Tickets: 120, Seed: 3})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	t.Setenv("API", srv.URL)
	dir := t.TempDir()
	db := filepath.Join(dir, "shop.db")
	for i, file := range []string{"shop.yaml", "shop_posts.yaml"} {
		if i == 1 {
			resp, err := http.Post(srv.URL+"/admin/tickets/mutate?add=5&update=3", "", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		code, stdout, stderr := sluice(t, "run", filepath.Join("..", "..", "runtime", "browse", "testdata", file), "--db", db, "--pipelines-dir", dir, "--progress", "none")
		if code != 0 {
			t.Fatalf("sluice run %s: exit %d\n%s\n%s", file, code, stdout, stderr)
		}
	}
	return db
}

// startUI serves the ui over db read-only, as sluice ui does, with token
// ("" for none).
func startUI(t *testing.T, db, token string) *httptest.Server {
	t.Helper()
	reg := destinations()
	d, err := openReadOnly(context.Background(), reg, uiTarget{typ: "sqlite", location: db})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	srv := httptest.NewServer(newUIServer(browse.New(d), uiOptions{Token: token, Title: d.Describe()}))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestUIPages(t *testing.T) {
	db := loadShopDB(t)
	srv := startUI(t, db, "")
	tests := []struct {
		name   string
		path   string
		status int
		want   []string
		not    []string
	}{
		{"root goes to the loads", "/", 200, []string{"<h1>Loads</h1>", "users__orders__items"}, nil},
		{"tables tree", "/tables", 200, []string{`href="/tables/users__orders__items"`, "↳", "primary"}, nil},
		{"data page", "/tables/users?limit=5", 200, []string{`class="child-link" href="/tables/users__orders?parent=`, "next page"}, nil},
		{"injection as a filter value finds nothing", "/tables/users?f=name&op=%3D&v=" + url.QueryEscape("' OR 1=1 --"), 200, []string{`id="no-rows"`, `value="&#39; OR 1=1 --"`}, []string{`class="row"`}},
		{"unknown filter column", "/tables/users?f=" + url.QueryEscape(`name" OR 1=1 --`) + "&v=x", 400, []string{"no column named", "&#34;"}, []string{`class="row"`}},
		{"unknown sort column", "/tables/users?sort=nope", 400, []string{`no column named &#34;nope&#34;`}, nil},
		{"unknown table", "/tables/" + url.PathEscape("users; DROP TABLE users"), 404, []string{"no table named"}, nil},
		{"a system table is no data table", "/tables/_dlt_loads", 404, []string{"no table named"}, nil},
		{"forged cursor", "/tables/users?after=abc", 400, []string{"page cursor"}, nil},
		{"bad page size", "/tables/users?limit=x", 400, []string{"limit"}, nil},
		{"state", "/state", 200, []string{"updated_at", "2000-01-01T00:00:00Z"}, nil},
		{"versions", "/versions", 200, []string{`<td class="added-tables">posts</td>`}, nil},
		{"style sheet", "/static/style.css", 200, []string{"sluice ui"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := get(t, nil, srv.URL+tt.path)
			if code != tt.status {
				t.Fatalf("status %d, want %d\n%s", code, tt.status, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("the page lacks %q:\n%s", w, body)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(body, w) {
					t.Errorf("the page has %q", w)
				}
			}
		})
	}
	// a write is refused before it reaches anything
	resp, err := http.Post(srv.URL+"/tables/users", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", resp.StatusCode)
	}
	// ...and the database is as loaded
	if code, body := get(t, nil, srv.URL+"/tables"); code != 200 || !strings.Contains(body, ">users</a>") {
		t.Errorf("after the attempts: %d", code)
	}
	d := openDB(t, db)
	if n := count(t, d, "select count(*) from users"); n != 60 {
		t.Errorf("users has %d rows, want 60", n)
	}
}

func TestUIToken(t *testing.T) {
	db := loadShopDB(t)
	const token = "0123456789abcdef"
	srv := startUI(t, db, token)
	if code, body := get(t, nil, srv.URL+"/loads"); code != http.StatusUnauthorized || !strings.Contains(body, "token") || strings.Contains(body, "users") {
		t.Errorf("without the token: %d %s", code, body)
	}
	if code, _ := get(t, nil, srv.URL+"/tables/users?token=wrong"); code != http.StatusUnauthorized {
		t.Errorf("with a wrong token: %d", code)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	code, body := get(t, c, srv.URL+"/tables/users?limit=3&token="+token)
	if code != 200 || !strings.Contains(body, `class="row"`) {
		t.Fatalf("with the token: %d %s", code, body)
	}
	// the cookie carries it from then on
	if code, _ := get(t, c, srv.URL+"/state"); code != 200 {
		t.Errorf("with the cookie: %d", code)
	}
}

func TestUIRefusesForeignHost(t *testing.T) {
	db := loadShopDB(t)
	srv := startUI(t, db, "")
	req, _ := http.NewRequest("GET", srv.URL+"/loads", nil)
	req.Host = "evil.example:8765"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a page asked for as evil.example: %d", resp.StatusCode)
	}
}

func TestUITarget(t *testing.T) {
	t.Chdir(t.TempDir())
	p := writePipeline(t, "pipeline: {name: shop}\nsource:\n  client: {base_url: \"http://127.0.0.1:1\"}\n  resources: [users]\n")
	abs, _ := filepath.Abs("shop.db")
	tests := []struct {
		name string
		args []string
		fl   uiFlags
		want uiTarget
		err  string
	}{
		{"a pipeline file: run's default file", []string{p}, uiFlags{}, uiTarget{typ: "sqlite", location: abs, dataset: "shop_dataset"}, ""},
		{"a pipeline file and --db", []string{p}, uiFlags{db: "/x/y.db"}, uiTarget{typ: "sqlite", location: "/x/y.db", dataset: "shop_dataset"}, ""},
		{"a database file", []string{"demo.db"}, uiFlags{}, uiTarget{typ: "sqlite", location: "demo.db"}, ""},
		{"--db", nil, uiFlags{db: "demo.db"}, uiTarget{typ: "sqlite", location: "demo.db"}, ""},
		{"nothing", nil, uiFlags{}, uiTarget{}, "needs a pipeline file"},
		{"both", []string{"a.db"}, uiFlags{db: "b.db"}, uiTarget{}, "not both"},
		{"a destination the build lacks", []string{"a.db"}, uiFlags{destination: "nosuch"}, uiTarget{}, `destination "nosuch" is not built`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolveUITarget(tt.args, &tt.fl, destinations())
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	if _, err := openReadOnly(context.Background(), destinations(), uiTarget{typ: "sqlite", location: "missing.db"}); err == nil || !strings.Contains(err.Error(), "no database at") {
		t.Errorf("a missing database: %v", err)
	}
	if m, _ := filepath.Glob("missing.db*"); len(m) != 0 {
		t.Errorf("opening a missing database created %v", m)
	}
}

func TestLoopbackAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8765": true, "localhost:1": true, "[::1]:80": true, "127.1.2.3:9": true,
		"0.0.0.0:8765": false, ":8765": false, "192.168.1.2:80": false, "example.com:80": false, "nonsense": false,
	} {
		if got := loopbackAddr(addr); got != want {
			t.Errorf("loopbackAddr(%q) = %v", addr, got)
		}
	}
}
