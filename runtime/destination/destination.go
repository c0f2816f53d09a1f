// Package destination defines what the loader needs from a database: one
// transaction per run that applies schema changes, inserts rows, merges and
// truncates tables, and reads and writes dlt's system tables.
//
// A destination is one subpackage (sqlite, duckdb) implementing
// Destination and registering a Type in a Registry, which main fills: the
// engine opens destinations by name through the Registry and never imports
// an implementation. The loader (package load) never issues DDL or bulk inserts
// itself: column types, quoting and bulk paths belong to the destination.
// The small amount of SQL the loader does send through Exec and Query (for
// the `_dlt_*` tables) is portable: double-quoted identifiers, `?`
// placeholders, plain INSERT/SELECT/ORDER BY/LIMIT.
package destination

import (
	"context"
	"strings"

	"github.com/sluicehq/sluice/runtime/schema"
)

// Destination is a database that sluice loads into.
type Destination interface {
	Reader
	// Begin starts the one transaction of a run: data, system tables and
	// the state all commit together or not at all. Only one transaction
	// may be open at a time, and Reader methods of the Destination must
	// not be called while it is (use the Tx's).
	Begin(ctx context.Context) (Tx, error)
	// Describe names the destination and its location for humans, e.g.
	// "sqlite at /abs/path/github.db".
	Describe() string
	// Close releases the database.
	Close() error
}

// Reader reads from the destination.
type Reader interface {
	// TableExists reports whether a table exists in the destination's
	// dataset (SQLite: the main schema; DuckDB: the dataset's schema).
	TableExists(ctx context.Context, table string) (bool, error)
	// Query runs a read-only query and calls row once per result row with
	// a function that scans the row into dest (as database/sql's
	// Rows.Scan does).
	Query(ctx context.Context, query string, args []any, row func(scan func(dest ...any) error) error) error
}

// Tx is the transaction of one run. A Tx is used by one goroutine.
type Tx interface {
	Reader
	// Apply runs DDL for schema changes, in order. CreateTable creates the
	// table if missing and otherwise adds the columns it lacks; AddColumns
	// skips columns that already exist. Both are safe to repeat.
	Apply(ctx context.Context, changes []schema.Change) error
	// Insert appends rows to rows.Table in multi-row batches.
	Insert(ctx context.Context, rows *schema.TableRows) error
	// Stage appends rows to the staging copy of rows.Table (created on first
	// use with the table's columns), for a later Merge.
	Stage(ctx context.Context, rows *schema.TableRows) error
	// Merge moves the staged rows of a root table and its nested tables
	// into the destination tables with the job's strategy (delete-insert
	// or upsert), then drops the staging copies. See MergeJob.
	Merge(ctx context.Context, job MergeJob) error
	// Truncate deletes all rows of the tables that exist; missing tables
	// are skipped.
	Truncate(ctx context.Context, tables []string) error
	// Exec runs one statement.
	Exec(ctx context.Context, query string, args ...any) error
	// Commit commits the transaction.
	Commit() error
	// Rollback abandons the transaction; the database is left as it was
	// before Begin. It is safe to call after Commit (it does nothing).
	Rollback() error
}

// Merge strategies of a MergeJob.
const (
	// DeleteInsert deletes the destination rows that staged rows replace
	// (by primary key or merge key), then inserts the staged rows.
	DeleteInsert = "delete-insert"
	// Upsert updates the destination rows whose primary key a staged row
	// has and inserts the others.
	Upsert = "upsert"
)

// MergeJob describes the merge of one root table (write disposition
// `merge`) and its nested tables, as dlt does it.
//
// Strategy DeleteInsert (the default, also for ""):
//
//  1. staged root rows are deduplicated by PrimaryKey, unless Deduplicated:
//     of the staged rows of one key the last one wins, or, with DedupSort,
//     the first in that order (the highest value for a descending column);
//     without a primary key nothing is deduplicated;
//  2. rows of Nested tables whose `_dlt_root_id` belongs to a destination
//     root row matching a staged row by PrimaryKey or by MergeKey are
//     deleted, then those root rows;
//  3. the staged root rows are inserted, except those HardDelete marks,
//     then the staged nested rows whose root was inserted.
//
// Strategy Upsert (needs a PrimaryKey; MergeKey is not used):
//
//  1. staged root rows are deduplicated by PrimaryKey as above;
//  2. destination rows whose key a HardDelete-marked staged row has are
//     deleted with their nested rows;
//  3. the nested rows of every other destination row a staged row updates
//     are deleted; the updated root rows take every column of the staged
//     row (and keep their place in the table); the staged root rows of new
//     keys are inserted; then the staged nested rows are inserted.
//
// Either way the destination tables end as if the staged records had
// replaced the records of the same key, nested rows included, in the
// run's transaction.
type MergeJob struct {
	Root string
	// Strategy is DeleteInsert ("" too) or Upsert.
	Strategy   string
	PrimaryKey []string
	MergeKey   []string
	// Deduplicated skips step 1 of delete-insert: the caller vouches that
	// the staged rows have one row per primary key (dlt's `deduplicated:
	// true`). Upsert de-duplicates regardless: a key staged twice would
	// otherwise be inserted twice.
	Deduplicated bool
	// DedupSort orders the staged rows of one primary key before
	// deduplication (dlt's `dedup_sort` column hint); ties keep the row
	// staged first. Empty: the row staged last wins.
	DedupSort []SortColumn
	// HardDelete are the columns that mark a staged row as a delete (dlt's
	// `hard_delete` column hint): a bool column when true, any other
	// column when not null.
	HardDelete []HardDeleteColumn
	// Nested lists every nested table of Root known to the schema,
	// parents before children (staged or not: old nested rows of a replaced
	// record must go even if this run brought none).
	Nested []string
	// Parents maps each nested table to its parent table. Nested rows
	// loaded before the root was a merge table have no `_dlt_root_id`;
	// the destination fills it in from the parents before merging (dlt
	// asks users to do that by hand), so their records merge as well.
	Parents map[string]string
}

// SortColumn is one column of MergeJob.DedupSort.
type SortColumn struct {
	Column string
	// Desc keeps the row with the highest value (dlt's `dedup_sort: desc`).
	Desc bool
}

// HardDeleteColumn is one column of MergeJob.HardDelete.
type HardDeleteColumn struct {
	Column string
	// Bool is set for a bool column: only true marks a delete; otherwise
	// any non-null value does.
	Bool bool
}

// QuoteIdent quotes an SQL identifier with double quotes.
func QuoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
