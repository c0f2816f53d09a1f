package filesystem

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/schema"
)

func openTx(t *testing.T, bucket string) (*Lake, *Tx) {
	t.Helper()
	ctx := context.Background()
	l, err := Open(ctx, destination.Config{Path: "file://" + bucket, Dataset: "ds"})
	if err != nil {
		t.Fatal(err)
	}
	dtx, err := l.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tx := dtx.(*Tx)
	cols := []schema.Column{{Name: "id", DataType: schema.Bigint}}
	if err := tx.Apply(ctx, []schema.Change{{Kind: schema.CreateTable, Table: "users", Columns: cols}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Insert(ctx, &schema.TableRows{Table: "users", Columns: []string{"id"}, Types: []schema.DataType{schema.Bigint}, Rows: [][]any{{int64(1)}}}); err != nil {
		t.Fatal(err)
	}
	loads := &schema.TableRows{Table: schema.LoadsTableName, Columns: []string{"load_id", "schema_name", "status", "inserted_at", "schema_version_hash"},
		Types: []schema.DataType{schema.Text, schema.Text, schema.Bigint, schema.Timestamp, schema.Text},
		Rows:  [][]any{{"1764644418.5", "s", int64(0), time.Now(), "h"}}}
	if err := tx.Insert(ctx, loads); err != nil {
		t.Fatal(err)
	}
	return l, tx
}

func count(t *testing.T, dir string) int {
	t.Helper()
	names, err := listFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(names)
}

// A process killed after writing its manifest but before the renames:
// the next Open finishes the load.
func TestOpenFinishesACommittedLoad(t *testing.T) {
	bucket := t.TempDir()
	_, tx := openTx(t, bucket)
	m, err := tx.prepare()
	if err != nil {
		t.Fatal(err)
	}
	if err := writeManifest(filepath.Join(tx.stage, manifestFile), m); err != nil {
		t.Fatal(err)
	}
	tx.lock.Close() // the process dies: its lock goes
	ds := filepath.Join(bucket, "ds")
	if n := count(t, filepath.Join(ds, "users")); n != 0 {
		t.Fatalf("%d files visible before recovery", n)
	}
	if _, err := Open(context.Background(), destination.Config{Path: "file://" + bucket, Dataset: "other"}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, filepath.Join(ds, "users")); n != 1 {
		t.Errorf("users: %d files after recovery, want 1", n)
	}
	if n := count(t, filepath.Join(ds, schema.LoadsTableName)); n != 1 {
		t.Errorf("_dlt_loads: %d files after recovery, want 1", n)
	}
	if ents, _ := os.ReadDir(filepath.Join(bucket, stagingDir)); len(ents) != 0 {
		t.Errorf("staging left: %v", ents)
	}
}

// A live run's staging folder (its lock held) survives another process's
// Open; a dead run's without a manifest is removed and publishes nothing.
func TestOpenLeavesLiveRunsAndDropsDeadOnes(t *testing.T) {
	bucket := t.TempDir()
	_, live := openTx(t, bucket)
	if _, err := Open(context.Background(), destination.Config{Path: "file://" + bucket, Dataset: "ds"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(live.stage); err != nil {
		t.Fatalf("the live run's staging folder was removed: %v", err)
	}
	if err := live.Commit(); err != nil {
		t.Fatalf("the live run could not commit: %v", err)
	}

	_, dead := openTx(t, bucket)
	dead.lock.Close()
	if _, err := Open(context.Background(), destination.Config{Path: "file://" + bucket, Dataset: "ds"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dead.stage); !os.IsNotExist(err) {
		t.Errorf("the dead run's staging folder is still there: %v", err)
	}
	if n := count(t, filepath.Join(bucket, "ds", "users")); n != 1 {
		t.Errorf("users: %d files, want only the live run's 1", n)
	}
}

// Many rows make several row groups: a file's rows are not held in memory
// until the end.
func TestRowGroupsEndByBytes(t *testing.T) {
	dir := t.TempDir()
	cols := []schema.Column{{Name: "s", DataType: schema.Text}}
	fw, err := newFileWriter("t", filepath.Join(dir, "t.parquet"), cols)
	if err != nil {
		t.Fatal(err)
	}
	long := string(make([]byte, 1000))
	rows := make([][]any, 10_000) // about 10 MB of values
	for i := range rows {
		rows[i] = []any{long}
	}
	if err := fw.write([]string{"s"}, rows); err != nil {
		t.Fatal(err)
	}
	if err := fw.close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(fw.path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(pf.RowGroups()); n < 2 {
		t.Errorf("%d row group(s) for 10 MB of values, want several of about %d bytes", n, RowGroupBytes)
	}
}
