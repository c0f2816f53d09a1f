package filesystem

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/internal/flock"
	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/schema"
)

// ErrMerge is returned for rows to merge: without a table format (delta,
// iceberg) dlt's filesystem destination cannot merge either.
var ErrMerge = errors.New("filesystem: write_disposition merge is not supported by the filesystem destination " +
	"(Parquet files cannot be updated in place; dlt merges only into delta or iceberg tables): " +
	"use write_disposition append or replace, or a database destination")

// Tx is the transaction of one run: files written into a staging folder
// and moved into the dataset at Commit.
type Tx struct {
	lake  *Lake
	stage string
	lock  *os.File
	done  bool
	// columns are the known columns of each data table, in table order
	columns map[string][]schema.Column
	// created marks the tables created in this run
	created   map[string]bool
	writers   map[string]*fileWriter
	files     []*fileWriter
	truncated []string
	system    []*systemFile
	seq       int
}

// Begin implements destination.Destination: it creates the run's staging
// folder, locked for as long as the run lasts, and reads the columns of the
// tables loaded before from the newest stored schema.
func (l *Lake) Begin(ctx context.Context) (destination.Tx, error) {
	if !l.inTx.CompareAndSwap(false, true) {
		return nil, errors.New("filesystem: a run transaction is already open")
	}
	tx, err := l.begin()
	if err != nil {
		l.inTx.Store(false)
		return nil, err
	}
	return tx, nil
}

func (l *Lake) begin() (*Tx, error) {
	root := filepath.Join(l.bucket, stagingDir)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("filesystem: creating %s: %w", root, err)
	}
	tmp, err := os.MkdirTemp(root, newPrefix)
	if err != nil {
		return nil, fmt.Errorf("filesystem: creating the staging folder: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(tmp, lockFile), os.O_CREATE|os.O_RDWR, 0o644)
	if err == nil {
		if ok, lerr := flock.TryLock(lock); lerr != nil || !ok {
			lock.Close()
			err = fmt.Errorf("locking: %v", lerr)
		}
	}
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("filesystem: creating the staging folder: %w", err)
	}
	stage := filepath.Join(root, randomID(16))
	if err := os.Rename(tmp, stage); err != nil {
		lock.Close()
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("filesystem: creating the staging folder: %w", err)
	}
	tx := &Tx{lake: l, stage: stage, lock: lock,
		columns: map[string][]schema.Column{}, created: map[string]bool{}, writers: map[string]*fileWriter{}}
	if err := tx.loadColumns(); err != nil {
		tx.cleanup()
		return nil, err
	}
	return tx, nil
}

// loadColumns reads the tables' columns from the newest stored schema.
func (t *Tx) loadColumns() error {
	es, err := t.lake.entries(nil, schema.VersionTableName)
	if err != nil {
		return fmt.Errorf("filesystem: listing _dlt_version: %w", err)
	}
	e := newest(es, func(*sysEntry) bool { return true })
	if e == nil {
		return nil
	}
	doc, err := e.read()
	if err != nil {
		return fmt.Errorf("filesystem: reading _dlt_version: %w", err)
	}
	text, _ := doc["schema"].(string)
	sch, err := schema.FromJSON([]byte(text))
	if err != nil {
		return fmt.Errorf("filesystem: the stored schema in %s: %w", e.path, err)
	}
	for _, tb := range sch.DataTables() {
		for _, c := range tb.CompleteColumns() {
			t.columns[tb.Name] = append(t.columns[tb.Name], *c)
		}
	}
	return nil
}

func (t *Tx) check() error {
	if t.done {
		return errors.New("filesystem: the transaction is finished")
	}
	return nil
}

// TableExists implements destination.Reader.
func (t *Tx) TableExists(ctx context.Context, table string) (bool, error) {
	if err := t.check(); err != nil {
		return false, err
	}
	if t.created[table] {
		return true, nil
	}
	return t.lake.tableHasFiles(table)
}

// Query implements destination.Reader (the loader's statements only).
func (t *Tx) Query(ctx context.Context, query string, args []any, row func(scan func(dest ...any) error) error) error {
	if err := t.check(); err != nil {
		return err
	}
	return t.lake.query(t, query, args, row)
}

// Exec implements destination.Tx: there is no SQL engine to run it.
func (t *Tx) Exec(ctx context.Context, query string, args ...any) error {
	return fmt.Errorf("filesystem: the filesystem destination has no SQL engine; it cannot run %q", query)
}

// Apply implements destination.Tx: it records the columns; a table that
// gains a column gets a new file for its next rows.
func (t *Tx) Apply(ctx context.Context, changes []schema.Change) error {
	if err := t.check(); err != nil {
		return err
	}
	for _, ch := range changes {
		t.created[ch.Table] = true
		if systemTables[ch.Table] {
			continue
		}
		t.addColumns(ch.Table, ch.Columns)
	}
	return nil
}

// addColumns adds the columns the table lacks and reports whether it did.
func (t *Tx) addColumns(table string, cols []schema.Column) bool {
	have := t.columns[table]
	added := false
	for _, c := range cols {
		if !hasColumn(have, c.Name) {
			have = append(have, c)
			added = true
		}
	}
	t.columns[table] = have
	if added {
		// the open file has the old columns: later rows go to a new one
		delete(t.writers, table)
	}
	return added
}

func hasColumn(cols []schema.Column, name string) bool {
	for i := range cols {
		if cols[i].Name == name {
			return true
		}
	}
	return false
}

// Insert implements destination.Tx.
func (t *Tx) Insert(ctx context.Context, rows *schema.TableRows) error {
	if err := t.check(); err != nil {
		return err
	}
	if systemTables[rows.Table] {
		docs, err := systemDocs(rows)
		if err != nil {
			return err
		}
		t.system = append(t.system, docs...)
		return nil
	}
	if len(rows.Rows) == 0 {
		return nil
	}
	var missing []schema.Column
	for i, name := range rows.Columns {
		if !hasColumn(t.columns[rows.Table], name) {
			typ := schema.Text
			if i < len(rows.Types) {
				typ = rows.Types[i]
			}
			missing = append(missing, schema.Column{Name: name, DataType: typ, Nullable: true})
		}
	}
	if len(missing) > 0 {
		t.addColumns(rows.Table, missing)
	}
	w := t.writers[rows.Table]
	if w == nil {
		dir := filepath.Join(t.stage, "data", rows.Table)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("filesystem: %w", err)
		}
		t.seq++
		var err error
		w, err = newFileWriter(rows.Table, filepath.Join(dir, strconv.Itoa(t.seq)+".parquet"), t.columns[rows.Table])
		if err != nil {
			return fmt.Errorf("filesystem: creating a file for %s: %w", rows.Table, err)
		}
		t.writers[rows.Table] = w
		t.files = append(t.files, w)
	}
	if err := w.write(rows.Columns, rows.Rows); err != nil {
		return fmt.Errorf("filesystem: writing %s: %w", rows.Table, err)
	}
	return nil
}

// Stage implements destination.Tx: merging is not supported.
func (t *Tx) Stage(ctx context.Context, rows *schema.TableRows) error { return ErrMerge }

// Merge implements destination.Tx: merging is not supported.
func (t *Tx) Merge(ctx context.Context, job destination.MergeJob) error { return ErrMerge }

// Truncate implements destination.Tx: the tables' files of earlier loads
// are deleted at Commit, and rows this run wrote before are dropped.
func (t *Tx) Truncate(ctx context.Context, tables []string) error {
	if err := t.check(); err != nil {
		return err
	}
	for _, name := range tables {
		if !contains(t.truncated, name) {
			t.truncated = append(t.truncated, name)
		}
		delete(t.writers, name)
		kept := t.files[:0]
		for _, f := range t.files {
			if f.table == name {
				f.abort()
				continue
			}
			kept = append(kept, f)
		}
		t.files = kept
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Rollback implements destination.Tx: the staging folder goes, the
// dataset is untouched.
func (t *Tx) Rollback() error {
	if t.done {
		return nil
	}
	for _, f := range t.files {
		f.abort()
	}
	t.files = nil
	return t.cleanup()
}

// cleanup removes the staging folder and ends the transaction.
func (t *Tx) cleanup() error {
	t.done = true
	err := os.RemoveAll(t.stage)
	t.lock.Close()
	t.lake.inTx.Store(false)
	return err
}

// randomID returns n lowercase base32 characters.
func randomID(n int) string {
	b := make([]byte, (n*5+7)/8)
	_, _ = rand.Read(b)
	s := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	return s[:n]
}
