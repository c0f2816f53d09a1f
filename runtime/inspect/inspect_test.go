package inspect_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/sluicehq/sluice/builtin"
	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/destination/sqlite"
	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/inspect"
	"github.com/sluicehq/sluice/runtime/pipeline"
)

// loaded runs a pipeline of n users with a list of tags each into a
// SQLite file and returns it opened.
func loaded(t *testing.T, runs ...int) destination.Destination {
	t.Helper()
	var n int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var data []any
		for i := 1; i <= n; i++ {
			data = append(data, map[string]any{"id": i, "name": "u" + strconv.Itoa(i), "tags": []any{"a"}})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"data": data})
	}))
	defer srv.Close()
	reg := extension.NewRegistries()
	builtin.Register(reg)
	dests := destination.NewRegistry()
	sqlite.Register(dests)
	dir := t.TempDir()
	yml := fmt.Sprintf("pipeline: {name: ins}\nsource:\n  client: {base_url: %q}\n  resources:\n    - {name: users, endpoint: {path: users, data_selector: data}}\n", srv.URL)
	f, err := config.Parse([]byte(yml), filepath.Join(dir, "p.yaml"), dir, config.Options{Registries: reg})
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "ins.db")
	for _, users := range runs {
		n = users
		if _, err := pipeline.Run(context.Background(), f, pipeline.Options{DBPath: db, PipelinesDir: dir, Registries: reg, Destinations: dests}); err != nil {
			t.Fatal(err)
		}
	}
	d, err := dests.Open(context.Background(), "sqlite", destination.Config{Path: db, Dataset: "ins_dataset"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestLoadsTablesRows(t *testing.T) {
	ctx := context.Background()
	d := loaded(t, 3, 2)
	sch, err := inspect.Schema(ctx, d, pipeline.SchemaName)
	if err != nil || sch == nil {
		t.Fatalf("schema: %v %v", sch, err)
	}
	loads, err := inspect.Loads(ctx, d, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(loads) != 2 || loads[0].Rows["users"] != 2 || loads[1].Rows["users"] != 3 || loads[0].Rows["users__tags"] != 2 || loads[0].Status != 0 || loads[0].InsertedAt == "" {
		t.Errorf("loads: %+v", loads)
	}
	if one, _ := inspect.Loads(ctx, d, 1); len(one) != 1 || one[0].LoadID != loads[0].LoadID || one[0].Rows["users"] != 2 {
		t.Errorf("the newest load: %+v", one)
	}
	tables, err := inspect.Tables(ctx, d, sch)
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 2 || tables[0].Name != "users" || tables[0].Rows != 5 || tables[1].Parent != "users" || tables[1].Rows != 5 {
		t.Errorf("tables: %+v", tables)
	}
}

func TestDropInOneTransaction(t *testing.T) {
	ctx := context.Background()
	d := loaded(t, 3)
	res, err := inspect.Drop(ctx, d, inspect.DropOptions{Pipeline: "ins", SchemaName: pipeline.SchemaName, Tables: true})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(res.Tables) != "[users__tags users]" || res.LoadID == "" {
		t.Errorf("drop: %+v", res)
	}
	for _, tb := range []string{"users", "users__tags"} {
		if ok, _ := d.TableExists(ctx, tb); ok {
			t.Errorf("%s survived drop --tables", tb)
		}
	}
	sch, _ := inspect.Schema(ctx, d, pipeline.SchemaName)
	if sch.Table("users") != nil {
		t.Error("the stored schema still has users")
	}
	loads, _ := inspect.Loads(ctx, d, 0)
	if len(loads) != 2 || loads[0].LoadID != res.LoadID {
		t.Errorf("the drop is not the newest load: %+v", loads)
	}
	st, _ := inspect.State(ctx, d, "ins")
	if st == nil || len(st.Sources) != 0 || st.Version != 2 {
		t.Errorf("state after drop: %+v", st)
	}
}
