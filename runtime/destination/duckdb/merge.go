//go:build duckdb

package duckdb

import (
	"context"
	"fmt"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/destination/sqlmerge"
)

// Merge implements destination.Tx: delete-insert or upsert of the staged
// rows of job.Root and its nested tables, in the run's transaction (see
// destination.MergeJob and package sqlmerge). The staging copies are
// dropped afterwards.
func (t *Tx) Merge(ctx context.Context, job destination.MergeJob) error {
	if err := t.check(); err != nil {
		return err
	}
	if err := sqlmerge.Run(ctx, t.mergeDialect(), job); err != nil {
		return fmt.Errorf("duckdb: merging %s: %w", job.Root, err)
	}
	return nil
}

// mergeDialect is DuckDB's SQL for a merge: keys of several columns
// compare as row(…), staged rows keep their order by rowid.
func (t *Tx) mergeDialect() *sqlmerge.Dialect {
	return &sqlmerge.Dialect{
		Name: Name,
		Exec: func(ctx context.Context, q string) (int64, error) {
			res, err := t.exec(ctx, q)
			if err != nil {
				return 0, err
			}
			return res.RowsAffected()
		},
		Main:    t.mainName,
		Staging: stagingName,
		Columns: func(ctx context.Context, table string, staging bool) ([]string, error) {
			if staging {
				return t.columnNames(ctx, stagingTarget(table))
			}
			return t.columnNames(ctx, t.mainTarget(table))
		},
		Altered: func(table string) { delete(t.tables, t.mainName(table)) },
		Staged:  func(table string) bool { return t.staged[table] },
		Dropped: func(table string) {
			delete(t.staged, table)
			delete(t.tables, stagingName(table))
		},
		Row:       func(cols string) string { return "row(" + cols + ")" },
		RowSelect: func(cols string) string { return "row(" + cols + ")" },
		Order:     "rowid",
		Text:      "VARCHAR",
		IsTrue:    " IS TRUE",
	}
}
