package load_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/sluicehq/sluice/runtime/load"
	"github.com/sluicehq/sluice/runtime/normalize"
)

// TestCommitRefusesOverlappingLoad: a run that read the pipeline's state
// before another run committed a newer one must not commit over it
// (Finish.BaseLoad); a run whose base is still the newest state commits.
func TestCommitRefusesOverlappingLoad(t *testing.T) {
	forEachDest(t, "overlap", func(t *testing.T, path string) {
		ctx := context.Background()
		h := &normalize.TableHints{Name: "users"}
		runLoad(t, path, `{"v":1}`, resource{h, [][]any{page(`{"id": 1}`)}})

		lastLoad := func() string {
			db := openDB(t, path)
			defer db.Close()
			_, id, err := load.StoredStateLoad(ctx, db, "pipe")
			if err != nil || id == "" {
				t.Fatalf("StoredStateLoad after a load: %q, %v", id, err)
			}
			return id
		}
		stale := lastLoad()
		// another process commits a load while this run is on its way
		runLoad(t, path, `{"v":2}`, resource{h, [][]any{page(`{"id": 2}`)}})

		// commit is a run that started after the load base: it adds a
		// column and a row. The database is closed when it returns, for
		// reading back (DuckDB allows one open handle).
		commit := func(base string, id int) error {
			db := openDB(t, path)
			defer db.Close()
			s, err := load.StoredSchema(ctx, db, schemaName)
			if err != nil {
				t.Fatal(err)
			}
			loadID := load.NewLoadID()
			n := normalize.New(s, normalize.Options{LoadID: loadID})
			l := load.New(db)
			if err := l.Begin(ctx); err != nil {
				t.Fatal(err)
			}
			b, err := n.Normalize(h, page(`{"id": `+strconv.Itoa(id)+`, "extra": "x"}`))
			if err != nil {
				t.Fatal(err)
			}
			if err := l.Write(ctx, b); err != nil {
				t.Fatal(err)
			}
			return l.Commit(ctx, load.Finish{LoadID: loadID, SchemaName: schemaName, PipelineName: "pipe", Schema: s,
				State: []byte(`{"v":3}`), StateVersion: 3, StateHash: "hash-3", BaseLoad: &base})
		}
		err := commit(stale, 3)
		var ce *load.ConcurrentLoadError
		if !errors.As(err, &ce) {
			t.Fatalf("commit on a stale base: %v, want a ConcurrentLoadError", err)
		}
		if ce.Base != stale || ce.Newer == stale || ce.Newer == "" {
			t.Errorf("error names base %q and newer %q; the stale base was %q", ce.Base, ce.Newer, stale)
		}
		if got := one(t, path, `SELECT count(*) FROM users`); got != "2" {
			t.Errorf("%s users after the refused commit, want 2", got)
		}
		if got := one(t, path, `SELECT count(*) FROM _dlt_loads`); got != "2" {
			t.Errorf("%s loads after the refused commit, want 2", got)
		}
		if cols := tableInfo(t, path, "users"); hasColumn(cols, "extra") {
			t.Error("the refused commit added its column")
		}

		if err := commit(lastLoad(), 4); err != nil {
			t.Fatalf("commit on the newest load: %v", err)
		}
		if got := one(t, path, `SELECT count(*) FROM users`); got != "3" {
			t.Errorf("%s users, want 3", got)
		}
	})
}

// TestStoredStateLoadOfEmptyDatabase: no state tables is no state and no
// load.
func TestStoredStateLoadOfEmptyDatabase(t *testing.T) {
	forEachDest(t, "empty", func(t *testing.T, path string) {
		db := openDB(t, path)
		defer db.Close()
		st, id, err := load.StoredStateLoad(context.Background(), db, "pipe")
		if err != nil || id != "" || st != nil {
			t.Fatalf("StoredStateLoad = %q, %q, %v; want nothing", st, id, err)
		}
	})
}

func hasColumn(cols []columnInfo, name string) bool {
	for _, c := range cols {
		if c.name == name {
			return true
		}
	}
	return false
}
