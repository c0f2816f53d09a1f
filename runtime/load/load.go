// Package load writes normalized batches into a destination, in one
// transaction per run, together with dlt's system tables:
//
//   - `_dlt_loads(load_id, schema_name, status, inserted_at,
//     schema_version_hash)`: one row per completed load, status 0, written last;
//   - `_dlt_version(version, engine_version, inserted_at, schema_name,
//     version_hash, schema)`: one row per new schema version, `schema` being
//     the schema JSON (see schema.Schema.ToJSON);
//   - `_dlt_pipeline_state(version, engine_version, pipeline_name, state,
//     created_at, version_hash, _dlt_load_id, _dlt_id)`: one row per load
//     that changed the pipeline state, `state` being base64(zlib(JSON)).
//
// Everything a run writes (data, schema version, state, the `_dlt_loads`
// row) commits at once in Commit, or not at all: a failed or killed run
// leaves the destination as it was.
//
// # Write dispositions
//
// The root table of a resource and its nested tables always share the
// resource's disposition.
//
//   - `append` inserts.
//   - `replace` empties the resource's tables — the root and every nested
//     table the schema knows, also those this run brings no rows for — when
//     its first batch arrives, inside the run's transaction; a resource
//     that yields nothing gets an empty batch at the end of the run
//     (pipeline), which empties its tables all the same, as in dlt. Unlike
//     dlt's truncate-and-insert the old rows stay visible to readers until
//     the commit and come back if the run fails: dlt's three strategies
//     (truncate-and-insert, insert-from-staging, staging-optimized) all
//     give this one atomic result here.
//   - `merge` stages the rows (destination.Tx.Stage) and merges them at
//     Commit (destination.Tx.Merge, see destination.MergeJob) with the
//     batch's strategy: `delete-insert` (by primary key and merge key; the
//     rows of one primary key are de-duplicated, the last one winning, or
//     by the `dedup_sort` column hint, unless `deduplicated: true`) or
//     `upsert` (by primary key, updated in place). The `hard_delete` column
//     hint deletes records under both. Without a primary or merge key,
//     delete-insert appends, with a warning (WithLogger), as dlt does;
//     upsert without a primary key is an error.
//   - `skip` loads nothing.
package load

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/normalize"
	"github.com/sluicehq/sluice/runtime/schema"
)

// StateEngineVersion is dlt's pipeline state engine version.
const StateEngineVersion = 4

// Loader is the one writer of a run. Write is called from one goroutine;
// RowCounts may be called from any.
type Loader struct {
	dest destination.Destination
	tx   destination.Tx

	mu     sync.Mutex
	counts map[string]int64

	// merges are the merge roots with staged rows, in first-seen order
	merges     []*mergeRoot
	mergeRoots map[string]*mergeRoot
	truncated  map[string]bool
	// warned marks the merge roots without a key already warned about
	warned  map[string]bool
	changed bool
	log     *slog.Logger
	now     func() time.Time
}

// New returns a loader for dest.
func New(dest destination.Destination) *Loader {
	return &Loader{
		dest:       dest,
		counts:     make(map[string]int64),
		mergeRoots: make(map[string]*mergeRoot),
		truncated:  make(map[string]bool),
		warned:     make(map[string]bool),
		log:        slog.New(slog.DiscardHandler),
		now:        time.Now,
	}
}

// WithLogger makes the loader log its warnings (a merge without a key,
// which appends) to log, and returns it.
func (l *Loader) WithLogger(log *slog.Logger) *Loader {
	if log != nil {
		l.log = log
	}
	return l
}

// Changed reports whether the run wrote rows or emptied a table: a run
// that extracted nothing but replaced a resource with nothing has a load
// to commit.
func (l *Loader) Changed() bool { return l.changed }

// Begin starts the run's transaction and creates `_dlt_version` and
// `_dlt_loads` if they are missing (`_dlt_pipeline_state` is created with
// the first state, as in dlt).
func (l *Loader) Begin(ctx context.Context) error {
	if l.tx != nil {
		return errors.New("load: already begun")
	}
	tx, err := l.dest.Begin(ctx)
	if err != nil {
		return err
	}
	l.tx = tx
	changes := []schema.Change{
		schema.CreateChange(schema.VersionTable()),
		schema.CreateChange(schema.LoadsTable()),
	}
	if err := tx.Apply(ctx, changes); err != nil {
		_ = l.Rollback()
		return fmt.Errorf("load: creating the system tables: %w", err)
	}
	return nil
}

// Write applies the batch's schema changes and writes its rows.
func (l *Loader) Write(ctx context.Context, b *normalize.Batch) error {
	if l.tx == nil {
		return errors.New("load: Write before Begin")
	}
	if b.WriteDisposition == schema.Skip {
		return nil
	}
	if err := l.tx.Apply(ctx, b.Changes); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	if len(b.Truncate) > 0 {
		if err := l.replace(ctx, b.Root, b.Truncate); err != nil {
			return err
		}
	}
	stage, err := l.staging(b)
	if err != nil {
		return err
	}
	for _, rows := range b.Tables {
		if len(rows.Rows) == 0 {
			continue
		}
		var err error
		if stage {
			err = l.tx.Stage(ctx, rows)
		} else {
			err = l.tx.Insert(ctx, rows)
		}
		if err != nil {
			return fmt.Errorf("load: %w", err)
		}
		l.changed = true
		l.mu.Lock()
		l.counts[rows.Table] += int64(len(rows.Rows))
		l.mu.Unlock()
	}
	return nil
}

// staging reports whether the rows of b go to staging for a merge at
// Commit, and registers the merge.
func (l *Loader) staging(b *normalize.Batch) (bool, error) {
	if b.WriteDisposition != schema.Merge {
		return false, nil
	}
	strategy := b.MergeStrategy
	if strategy == "" {
		strategy = destination.DeleteInsert
	}
	switch strategy {
	case destination.DeleteInsert:
		if len(b.PrimaryKey) == 0 && len(b.MergeKey) == 0 {
			if !l.warned[b.Root] {
				l.warned[b.Root] = true
				l.log.Warn("write_disposition is merge but the table has no primary_key or merge_key, so its rows are appended (as dlt does); set primary_key to update records",
					"table", b.Root)
			}
			return false, nil
		}
	case destination.Upsert:
		if len(b.PrimaryKey) == 0 {
			return false, fmt.Errorf("load: table %s: the upsert merge strategy needs a primary_key (set primary_key on the resource, or use strategy delete-insert)", b.Root)
		}
	default:
		return false, fmt.Errorf("load: table %s: merge strategy %q is not supported (use delete-insert or upsert)", b.Root, strategy)
	}
	m := l.mergeRoots[b.Root]
	if m == nil {
		m = &mergeRoot{root: b.Root}
		l.mergeRoots[b.Root] = m
		l.merges = append(l.merges, m)
	}
	m.pk, m.mk = b.PrimaryKey, b.MergeKey
	m.strategy, m.deduplicated = strategy, b.Deduplicated
	return true, nil
}

// replace empties the tables of a replace root once per run.
func (l *Loader) replace(ctx context.Context, root string, tables []string) error {
	if l.truncated[root] {
		return nil
	}
	l.truncated[root] = true
	l.changed = true
	if err := l.tx.Truncate(ctx, tables); err != nil {
		return fmt.Errorf("load: replace %s: %w", root, err)
	}
	return nil
}

type mergeRoot struct {
	root         string
	pk, mk       []string
	strategy     string
	deduplicated bool
}

// Finish is what Commit records about the run.
type Finish struct {
	LoadID       string
	SchemaName   string
	PipelineName string
	// Schema is the schema after the run; Commit bumps its version if its
	// content changed and stores it in `_dlt_version` if that version is
	// not stored yet.
	Schema *schema.Schema
	// State is the pipeline state JSON; nil stores no state row. It is
	// stored as base64(zlib(State)), like dlt.
	State        []byte
	StateVersion int64
	// StateHash is the state's version hash; a state whose hash equals the
	// newest stored one for the pipeline is not stored again.
	StateHash string
	// BaseLoad, when set, is the load id StoredStateLoad gave with the
	// state the run started from ("" for none). Commit then refuses with a
	// *ConcurrentLoadError, committing nothing, if another run of the
	// pipeline has committed a state since: committing would undo it.
	BaseLoad *string
}

// ConcurrentLoadError is Commit's refusal when another run of the pipeline
// committed a state while this one was running (see Finish.BaseLoad).
type ConcurrentLoadError struct {
	Pipeline string
	// Base is the load of the state this run started from ("" for none);
	// Newer the load of the newest state at the check.
	Base, Newer string
}

func (e *ConcurrentLoadError) Error() string {
	return fmt.Sprintf("another run of pipeline %q committed its state (load %s) after this run read it; "+
		"committing would undo that run's cursors and resource state, so nothing was committed: run again "+
		"(runs of one pipeline must not overlap)", e.Pipeline, e.Newer)
}

// CommitLocker is a Tx that can serialize the check of Finish.BaseLoad and
// the commit against other processes committing into the same dataset (a
// database several clients write at once: PostgreSQL). Commit calls
// LockForCommit before the check; the lock lasts until the transaction
// ends. Destinations with one writer at a time need not implement it.
type CommitLocker interface {
	LockForCommit(ctx context.Context) error
}

// Commit merges the staged rows, writes `_dlt_version` (if the schema
// version is new), `_dlt_pipeline_state` and `_dlt_loads` (status 0), and
// commits — all in the one transaction.
func (l *Loader) Commit(ctx context.Context, f Finish) error {
	if l.tx == nil {
		return errors.New("load: Commit before Begin")
	}
	if f.LoadID == "" || f.Schema == nil {
		return errors.New("load: Commit needs a load id and a schema")
	}
	if f.SchemaName == "" {
		f.SchemaName = f.Schema.Name
	}
	if err := l.commit(ctx, f); err != nil {
		_ = l.Rollback()
		return err
	}
	tx := l.tx
	l.tx = nil
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("load: commit: %w", err)
	}
	return nil
}

func (l *Loader) commit(ctx context.Context, f Finish) error {
	if f.BaseLoad != nil {
		if err := CheckBase(ctx, l.tx, f.PipelineName, *f.BaseLoad); err != nil {
			return err
		}
	}
	for _, m := range l.merges {
		job := mergeJob(m, f.Schema)
		if err := l.tx.Merge(ctx, job); err != nil {
			return fmt.Errorf("load: %w", err)
		}
	}
	now := l.now().UTC()
	if f.State != nil && f.Schema.Table(schema.PipelineStateTableName) == nil {
		// as in dlt, the state table joins the schema with the first state
		f.Schema.AddTable(schema.PipelineStateTable())
	}
	f.Schema.Bump()
	stored := false
	err := l.tx.Query(ctx, `SELECT 1 FROM "_dlt_version" WHERE "version_hash" = ? AND "schema_name" = ? LIMIT 1`,
		[]any{f.Schema.VersionHash, f.SchemaName}, func(func(...any) error) error { stored = true; return nil })
	if err != nil {
		return fmt.Errorf("load: reading _dlt_version: %w", err)
	}
	if !stored {
		if err := l.insertRow(ctx, schema.VersionTable(),
			f.Schema.Version, int64(schema.EngineVersion), now, f.SchemaName, f.Schema.VersionHash, string(f.Schema.ToJSON())); err != nil {
			return err
		}
	}
	if f.State != nil {
		if err := l.tx.Apply(ctx, []schema.Change{schema.CreateChange(schema.PipelineStateTable())}); err != nil {
			return fmt.Errorf("load: creating %s: %w", schema.PipelineStateTableName, err)
		}
		same := false
		if f.StateHash != "" {
			err := l.tx.Query(ctx, `SELECT "version_hash" FROM "_dlt_pipeline_state" WHERE "pipeline_name" = ? ORDER BY "_dlt_load_id" DESC, "created_at" DESC LIMIT 1`,
				[]any{f.PipelineName}, func(scan func(...any) error) error {
					var h *string
					if err := scan(&h); err != nil {
						return err
					}
					same = h != nil && *h == f.StateHash
					return nil
				})
			if err != nil {
				return fmt.Errorf("load: reading _dlt_pipeline_state: %w", err)
			}
		}
		if !same {
			enc, err := CompressState(f.State)
			if err != nil {
				return err
			}
			var hash any
			if f.StateHash != "" {
				hash = f.StateHash
			}
			if err := l.insertRow(ctx, schema.PipelineStateTable(),
				f.StateVersion, int64(StateEngineVersion), f.PipelineName, enc, now, hash, f.LoadID, NewRowID()); err != nil {
				return err
			}
		}
	}
	return l.insertRow(ctx, schema.LoadsTable(), f.LoadID, f.SchemaName, int64(0), now, f.Schema.VersionHash)
}

// mergeJob describes the merge of m with the column hints of sch
// (dedup_sort, hard_delete) and every nested table sch knows.
func mergeJob(m *mergeRoot, sch *schema.Schema) destination.MergeJob {
	job := destination.MergeJob{Root: m.root, Strategy: m.strategy, PrimaryKey: m.pk, MergeKey: m.mk, Deduplicated: m.deduplicated}
	if t := sch.Table(m.root); t != nil {
		for _, c := range t.Columns {
			if !c.Complete() {
				continue
			}
			if v, ok := c.Extra["dedup_sort"].(string); ok && (v == "asc" || v == "desc") {
				job.DedupSort = append(job.DedupSort, destination.SortColumn{Column: c.Name, Desc: v == "desc"})
			}
			if hd, _ := c.Extra["hard_delete"].(bool); hd {
				job.HardDelete = append(job.HardDelete, destination.HardDeleteColumn{Column: c.Name, Bool: c.DataType == schema.Bool})
			}
		}
	}
	for _, t := range sch.Descendants(m.root) {
		job.Nested = append(job.Nested, t.Name)
		if job.Parents == nil {
			job.Parents = map[string]string{}
		}
		job.Parents[t.Name] = t.Parent
	}
	return job
}

// insertRow inserts one row into a system table through the destination's
// bulk path (so types such as timestamps are stored as in data tables).
func (l *Loader) insertRow(ctx context.Context, t *schema.Table, values ...any) error {
	rows := &schema.TableRows{Table: t.Name, Rows: [][]any{values}}
	for _, c := range t.Columns {
		rows.Columns = append(rows.Columns, c.Name)
		rows.Types = append(rows.Types, c.DataType)
	}
	if err := l.tx.Insert(ctx, rows); err != nil {
		return fmt.Errorf("load: writing %s: %w", t.Name, err)
	}
	return nil
}

// Rollback abandons the run's transaction; the destination is left as it
// was before Begin. It does nothing when there is no open transaction.
func (l *Loader) Rollback() error {
	if l.tx == nil {
		return nil
	}
	tx := l.tx
	l.tx = nil
	return tx.Rollback()
}

// RowCounts returns the rows written per table in this run (rows staged for
// a merge count before deduplication, as dlt counts its load jobs).
func (l *Loader) RowCounts() map[string]int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]int64, len(l.counts))
	for k, v := range l.counts {
		out[k] = v
	}
	return out
}

// StoredSchema returns the newest schema called schemaName stored in
// `_dlt_version`, or nil if there is none (or no `_dlt_version` table).
// Call it before Begin.
func StoredSchema(ctx context.Context, dest destination.Reader, schemaName string) (*schema.Schema, error) {
	ok, err := dest.TableExists(ctx, schema.VersionTableName)
	if err != nil || !ok {
		return nil, err
	}
	var text *string
	err = dest.Query(ctx, `SELECT "schema" FROM "_dlt_version" WHERE "schema_name" = ? ORDER BY "inserted_at" DESC, "version" DESC LIMIT 1`,
		[]any{schemaName}, func(scan func(...any) error) error { return scan(&text) })
	if err != nil {
		return nil, fmt.Errorf("load: reading _dlt_version: %w", err)
	}
	if text == nil {
		return nil, nil
	}
	data := []byte(*text)
	if len(data) > 0 && data[0] != '{' {
		// dlt stores long schemas as base64(zlib(JSON))
		if dec, err := DecompressState(*text); err == nil {
			data = dec
		}
	}
	s, err := schema.FromJSON(data)
	if err != nil {
		return nil, fmt.Errorf("load: the stored schema %s: %w", schemaName, err)
	}
	return s, nil
}

// CheckBase returns a *ConcurrentLoadError unless the newest stored state
// of pipeline that tx sees is still the one of load base (as
// StoredStateLoad gave it before the run). A CommitLocker tx is locked
// first, until it ends. Call it in the transaction, just before writing
// the system tables.
func CheckBase(ctx context.Context, tx destination.Tx, pipeline, base string) error {
	if lk, ok := tx.(CommitLocker); ok {
		if err := lk.LockForCommit(ctx); err != nil {
			return fmt.Errorf("load: locking the dataset for the commit: %w", err)
		}
	}
	return sameBase(ctx, tx, pipeline, base)
}

// CheckBase is the check of Finish.BaseLoad made early, without the
// commit lock: called just after Begin, it refuses a run whose base is
// already stale (one that waited for the database's write lock while
// another run committed) before it extracts anything. Commit checks again.
func (l *Loader) CheckBase(ctx context.Context, pipeline, base string) error {
	if l.tx == nil {
		return errors.New("load: CheckBase before Begin")
	}
	return sameBase(ctx, l.tx, pipeline, base)
}

// sameBase returns a *ConcurrentLoadError unless the newest state of
// pipeline that r sees was stored by load base.
func sameBase(ctx context.Context, r destination.Reader, pipeline, base string) error {
	_, newest, err := StoredStateLoad(ctx, r, pipeline)
	if err != nil {
		return err
	}
	if newest != base {
		return &ConcurrentLoadError{Pipeline: pipeline, Base: base, Newer: newest}
	}
	return nil
}

// StoredState returns the state JSON of the newest `_dlt_pipeline_state` row
// of pipelineName whose load completed, or nil if there is none. Call it
// before Begin.
func StoredState(ctx context.Context, dest destination.Reader, pipelineName string) ([]byte, error) {
	state, _, err := StoredStateLoad(ctx, dest, pipelineName)
	return state, err
}

// StoredStateLoad is StoredState with the id of the load that stored the
// state ("" with none), read in the same statement: a run passes it as
// Finish.BaseLoad.
func StoredStateLoad(ctx context.Context, dest destination.Reader, pipelineName string) ([]byte, string, error) {
	for _, tbl := range []string{schema.PipelineStateTableName, schema.LoadsTableName} {
		ok, err := dest.TableExists(ctx, tbl)
		if err != nil || !ok {
			return nil, "", err
		}
	}
	var text, loadID *string
	err := dest.Query(ctx, `SELECT s."state", s."_dlt_load_id" FROM "_dlt_pipeline_state" AS s JOIN "_dlt_loads" AS l ON l."load_id" = s."_dlt_load_id"
WHERE s."pipeline_name" = ? AND l."status" = 0 ORDER BY l."load_id" DESC, s."created_at" DESC LIMIT 1`,
		[]any{pipelineName}, func(scan func(...any) error) error { return scan(&text, &loadID) })
	if err != nil {
		return nil, "", fmt.Errorf("load: reading _dlt_pipeline_state: %w", err)
	}
	if text == nil || loadID == nil {
		return nil, "", nil
	}
	state, err := DecompressState(*text)
	if err != nil {
		// dlt falls back to plain JSON when the text is not base64
		if len(*text) > 0 && (*text)[0] == '{' {
			return []byte(*text), *loadID, nil
		}
		return nil, "", fmt.Errorf("load: the stored state of %s: %w", pipelineName, err)
	}
	return state, *loadID, nil
}

// CompressState encodes state as dlt stores it: base64(zlib(state)).
func CompressState(state []byte) (string, error) {
	var b bytes.Buffer
	w, err := zlib.NewWriterLevel(&b, zlib.BestCompression)
	if err != nil {
		return "", err
	}
	if _, err := w.Write(state); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b.Bytes()), nil
}

// DecompressState decodes base64(zlib(state)).
func DecompressState(s string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	r, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// NewRowID returns a random `_dlt_id`: base64 of 10 random bytes, unpadded.
func NewRowID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return base64.RawStdEncoding.EncodeToString(b[:])
}

var (
	loadIDMu   sync.Mutex
	lastLoadID float64
)

// NewLoadID returns a load id as dlt makes them: the current Unix time in
// seconds as a decimal string (e.g. "1714500000.1234567"), strictly
// increasing within the process.
func NewLoadID() string {
	loadIDMu.Lock()
	defer loadIDMu.Unlock()
	t := float64(time.Now().UnixNano()) / 1e9
	if t <= lastLoadID {
		t = math.Nextafter(lastLoadID, math.Inf(1))
	}
	lastLoadID = t
	return strconv.FormatFloat(t, 'f', -1, 64)
}
