package sqlite

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
		return fmt.Errorf("sqlite: merging %s: %w", job.Root, err)
	}
	return nil
}

// mergeDialect is SQLite's SQL for a merge: staging copies in the temp
// schema, keys of several columns as (a, b), booleans stored as 0 and 1.
func (t *Tx) mergeDialect() *sqlmerge.Dialect {
	return &sqlmerge.Dialect{
		Name: "sqlite",
		Exec: func(ctx context.Context, q string) (int64, error) {
			res, err := t.conn.ExecContext(ctx, q)
			if err != nil {
				return 0, err
			}
			return res.RowsAffected()
		},
		Main:    mainName,
		Staging: stagingName,
		Columns: func(ctx context.Context, table string, staging bool) ([]string, error) {
			if staging {
				return t.tableColumns(ctx, "temp", stagingPrefix+table)
			}
			cols, err := t.tableColumns(ctx, "main", table)
			if err != nil || len(cols) == 0 {
				return nil, err // no columns: no such table
			}
			return cols, nil
		},
		Altered:   func(table string) { delete(t.columns, table) },
		Staged:    func(table string) bool { return t.staged[table] },
		Dropped:   func(table string) { delete(t.staged, table) },
		Row:       func(cols string) string { return "(" + cols + ")" },
		RowSelect: func(cols string) string { return cols },
		Order:     "rowid",
		Text:      "TEXT",
		IsTrue:    " = 1",
	}
}
