package main

import (
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/internal/demoapi"
)

// TestBlogExamples runs examples/blog as its README does, against the
// demo API: users → posts → comments, then the incremental tickets merge
// across a mutation at the server.
func TestBlogExamples(t *testing.T) {
	api := demoapi.New(demoapi.Options{Users: 200, Seed: 1})
	srv := httptest.NewServer(api)
	defer srv.Close()
	t.Setenv("DEMO_API_URL", srv.URL)
	dir := t.TempDir()
	db := filepath.Join(dir, "blog.db")
	run := func(file string) { runExample(t, file, db, dir) }
	run("users_posts.yaml")
	d := openDB(t, db)
	for table, want := range map[string]int64{"users": 200, "posts": 600, "comments": 1200} {
		if n := count(t, d, "select count(*) from "+table); n != want {
			t.Errorf("%s has %d rows, want %d", table, n, want)
		}
	}
	if n := count(t, d, "select count(*) from posts where _users_id = user_id"); n != 600 {
		t.Errorf("%d posts carry their user's id in _users_id, want 600", n)
	}
	run("users_posts.yaml") // replace: the same rows again, not twice as many
	if n := count(t, d, "select count(*) from comments"); n != 1200 {
		t.Errorf("after a second replace run comments has %d rows, want 1200", n)
	}

	run("tickets.yaml")
	if _, err := api.MutateTickets(100, 50); err != nil {
		t.Fatal(err)
	}
	run("tickets.yaml")
	if n := count(t, d, "select count(distinct id) from tickets"); n != 1100 {
		t.Errorf("tickets has %d distinct ids, want 1100", n)
	}
	if n := count(t, d, "select count(*) from tickets"); n != 1100 {
		t.Errorf("tickets has %d rows, want 1100 (merge keeps one per id)", n)
	}
}

// TestBlogExamplesBeyondDLT runs the batched and per-parent examples.
func TestBlogExamplesBeyondDLT(t *testing.T) {
	api := demoapi.New(demoapi.Options{Users: 120, Seed: 2, Tickets: 500})
	srv := httptest.NewServer(api)
	defer srv.Close()
	t.Setenv("DEMO_API_URL", srv.URL)
	dir := t.TempDir()
	db := filepath.Join(dir, "blog.db")
	run := func(file string) { runExample(t, file, db, dir) }
	api.ResetStats()
	run("batched_posts.yaml")
	d := openDB(t, db)
	if n := count(t, d, "select count(*) from posts where _users_name = (select name from users where users.id = posts.user_id)"); n != 360 {
		t.Errorf("%d of 360 batched posts carry their own user's name", n)
	}
	if got := api.Stats().Routes[demoapi.RoutePosts].Requests; got != 3 {
		t.Errorf("%d batched requests, want 3 (120 users, 50 per request)", got)
	}

	run("tickets_per_user.yaml")
	if n := count(t, d, "select count(*) from user_tickets"); n != 500 {
		t.Errorf("user_tickets has %d rows after the first run, want all 500", n)
	}
	if _, err := api.MutateTickets(30, 20); err != nil {
		t.Fatal(err)
	}
	api.ResetStats()
	run("tickets_per_user.yaml")
	if n := count(t, d, "select count(*) from user_tickets"); n != 530 {
		t.Errorf("user_tickets has %d rows, want 530 (30 new, 20 updated in place)", n)
	}
	if n := count(t, d, "select count(distinct id) from user_tickets"); n != 530 {
		t.Errorf("user_tickets has %d distinct ids, want 530", n)
	}
}

// runExample runs examples/blog/<file> into db with its state in dir.
func runExample(t *testing.T, file, db, dir string) {
	t.Helper()
	code, out, errs := sluice(t, "run", filepath.Join("..", "..", "examples", "blog", file), "--db", db, "--pipelines-dir", dir, "--progress", "none")
	if code != 0 {
		t.Fatalf("%s: exit %d\n%s\n%s", file, code, out, errs)
	}
}
