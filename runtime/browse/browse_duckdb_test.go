//go:build duckdb

package browse

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/builtin"
	"github.com/sluicehq/sluice/internal/demoapi"
	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/destination/duckdb"
	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/pipeline"
)

// TestBrowseDuckDB reads the shop pipeline loaded into DuckDB through
// the same Reader interface: the tree, the loads, keyset pages sorted by
// a column with NULLs, filters, the state and the schema history.
func TestBrowseDuckDB(t *testing.T) {
	ctx := context.Background()
	api := demoapi.New(demoapi.Options{Users: 30, PageSize: 10, Tickets: 120, Seed: 3})
	srv := httptest.NewServer(api)
	defer srv.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "shop.duckdb")
	reg := extension.NewRegistries()
	builtin.Register(reg)
	dests := destination.NewRegistry()
	duckdb.Register(dests)
	env := func(k string) (string, bool) { return srv.URL, k == "API" }
	for i, file := range []string{"shop.yaml", "shop_posts.yaml"} {
		if i == 1 {
			resp, err := http.Post(srv.URL+"/admin/tickets/mutate?add=5&update=3", "", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		f, err := config.Load(filepath.Join("testdata", file), config.Options{Registries: reg, LookupEnv: env, Destinations: dests.Names()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pipeline.Run(ctx, f, pipeline.Options{Destination: "duckdb", DBPath: path, PipelinesDir: dir, Registries: reg, Destinations: dests}); err != nil {
			t.Fatal(err)
		}
	}
	d, err := dests.Open(ctx, "duckdb", destination.Config{Path: path, Dataset: "shop_dataset", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// Opened read-only: a write fails, the run's tables stay as they are.
	if tx, err := d.Begin(ctx); err == nil {
		err = tx.Exec(ctx, `DELETE FROM "users"`)
		_ = tx.Rollback()
		if err == nil {
			t.Error("a DELETE through the read-only DuckDB succeeded")
		}
	}
	b := New(d)

	tables, err := b.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]int64{}
	for _, tb := range tables {
		rows[tb.Name] = tb.Rows
	}
	if rows["users"] != 60 || rows["posts"] != 9 || rows["users__orders__items"] == 0 {
		t.Errorf("rows: %v", rows)
	}
	loads, err := b.Loads(ctx)
	if err != nil || len(loads) != 2 {
		t.Fatalf("loads %v: %v", loads, err)
	}
	for _, c := range loads[0].Rows {
		if c.Table == "users" && c.Rows != 30 {
			t.Errorf("the newest load has %d users", c.Rows)
		}
	}
	for _, q := range []Query{{Table: "users", Limit: 7}, {Table: "users", Limit: 11, Sort: "last_login_at"}, {Table: "users", Limit: 9, Sort: "name", Desc: true}} {
		seen := map[string]bool{}
		for {
			p, err := b.Rows(ctx, q)
			if err != nil {
				t.Fatalf("%+v: %v", q, err)
			}
			for _, r := range p.Rows {
				seen[r.ID] = true
			}
			if p.Next == "" {
				break
			}
			q.After = p.Next
		}
		if len(seen) != 60 {
			t.Errorf("%s sorted by %q: %d distinct rows, want 60", q.Table, q.Sort, len(seen))
		}
	}
	p, err := b.Rows(ctx, Query{Table: "users", Filters: []Filter{{Column: "name", Op: "=", Value: "' OR 1=1 --"}}})
	if err != nil || len(p.Rows) != 0 {
		t.Errorf("injection: %v, %d rows", err, len(p.Rows))
	}
	p, err = b.Rows(ctx, Query{Table: "users", Filters: []Filter{{Column: "id", Op: "=", Value: "7"}}})
	if err != nil || len(p.Rows) != 2 {
		t.Errorf("id = 7: %v, %d rows", err, len(p.Rows))
	}
	st, err := b.State(ctx)
	if err != nil || len(st) != 1 || len(st[0].Resources) == 0 {
		t.Fatalf("state %+v: %v", st, err)
	}
	vs, err := b.Versions(ctx)
	if err != nil || len(vs) != 2 || len(vs[0].AddedTables) != 1 || vs[0].AddedTables[0] != "posts" {
		t.Errorf("versions %+v: %v", vs, err)
	}
}
