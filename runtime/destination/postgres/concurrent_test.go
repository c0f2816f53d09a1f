package postgres

import (
	"errors"
	"testing"
	"time"

	"github.com/sluicehq/sluice/runtime/load"
	"github.com/sluicehq/sluice/runtime/normalize"
	"github.com/sluicehq/sluice/runtime/schema"
)

var _ load.CommitLocker = (*Tx)(nil)

// TestOverlappingLoads: two runs of one pipeline load at once from two
// connections (as two machines would). The first to commit wins; the
// other's commit sees its state and refuses, leaving its rows out. While one
// holds the commit lock, the other's LockForCommit waits.
func TestOverlappingLoads(t *testing.T) {
	dsn := pgtestDSN(t)
	openAt := func() *DB {
		db, err := Open(ctx, dsn, dataset)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	a, b := openAt(), openAt()
	cols := []schema.Column{col("id", schema.Bigint, false)}
	// each run writes its own table: two transactions creating one table
	// would wait for each other before either reached its commit
	start := func(db *DB, table string) *load.Loader {
		l := load.New(db)
		must(t, l.Begin(ctx))
		tr := &schema.TableRows{Table: table, Columns: []string{"id"}, Types: []schema.DataType{schema.Bigint}, Rows: [][]any{{int64(1)}}}
		must(t, l.Write(ctx, &normalize.Batch{Root: table, WriteDisposition: schema.Append,
			Changes: []schema.Change{{Kind: schema.CreateTable, Table: table, Columns: cols}}, Tables: []*schema.TableRows{tr}}))
		return l
	}
	finish := func(l *load.Loader, base string) error {
		sch := schema.New("s")
		return l.Commit(ctx, load.Finish{LoadID: load.NewLoadID(), Schema: sch, SchemaName: "s", PipelineName: "p",
			State: []byte(`{}`), StateVersion: 1, BaseLoad: &base})
	}
	la, lb := start(a, "users"), start(b, "orders")
	must(t, finish(la, ""))
	var ce *load.ConcurrentLoadError
	if err := finish(lb, ""); !errors.As(err, &ce) {
		t.Fatalf("the second commit: %v, want a ConcurrentLoadError", err)
	}
	if got := queryStrings(t, a, `SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = 'orders'`, dataset); got[0][0] != "0" {
		t.Error("the refused run's table exists")
	}
	if got := queryStrings(t, a, `SELECT count(*) FROM test_dataset._dlt_loads`); got[0][0] != "1" {
		t.Errorf("%s loads, want the first run's only", got[0][0])
	}

	// the lock: b waits for it until a's transaction ends
	ta, tb := begin(t, a).(*Tx), begin(t, b).(*Tx)
	defer tb.Rollback()
	must(t, ta.LockForCommit(ctx))
	locked := make(chan error, 1)
	go func() { locked <- tb.LockForCommit(ctx) }()
	select {
	case err := <-locked:
		t.Fatalf("LockForCommit returned (%v) while another transaction held the lock", err)
	case <-time.After(200 * time.Millisecond):
	}
	must(t, ta.Rollback())
	select {
	case err := <-locked:
		must(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("LockForCommit still waits after the other transaction ended")
	}
}
