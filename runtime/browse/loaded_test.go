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
	"github.com/sluicehq/sluice/runtime/destination/sqlite"
	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/pipeline"
)

// shop is a database loaded by two real runs of testdata/shop*.yaml
// against the demo API: 30 users with nested tags, orders and items,
// tickets loaded incrementally (a second run after the API changed some),
// and posts added by the second run.
type shop struct {
	path string
	api  *demoapi.Server
}

func loadShop(t testing.TB) *shop {
	t.Helper()
	api := demoapi.New(demoapi.Options{Users: 30, PageSize: 10, Tickets: 120, Seed: 3})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	db := filepath.Join(dir, "shop.db")
	reg := extension.NewRegistries()
	builtin.Register(reg)
	dests := destination.NewRegistry()
	sqlite.Register(dests)
	env := func(k string) (string, bool) {
		if k == "API" {
			return srv.URL, true
		}
		return "", false
	}
	run := func(file string) {
		f, err := config.Load(filepath.Join("testdata", file), config.Options{Registries: reg, LookupEnv: env})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pipeline.Run(context.Background(), f, pipeline.Options{DBPath: db, PipelinesDir: dir, Registries: reg, Destinations: dests}); err != nil {
			t.Fatalf("run %s: %v", file, err)
		}
	}
	run("shop.yaml")
	resp, err := http.Post(srv.URL+"/admin/tickets/mutate?add=5&update=3", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	run("shop_posts.yaml")
	return &shop{path: db, api: api}
}

// openShop opens the shop database read-only, as sluice ui does.
func openShop(t testing.TB, path string) *Browser {
	t.Helper()
	d, err := sqlite.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return New(d)
}
