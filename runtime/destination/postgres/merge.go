package postgres

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
		return fmt.Errorf("postgres: merging %s: %w", job.Root, t.db.redact(err))
	}
	return nil
}

// mergeDialect is PostgreSQL's SQL for a merge: staged rows keep their
// order by a sequence column (PostgreSQL has no rowid); "not among" is
// NOT EXISTS and the root id backfill UPDATE … FROM, which the planner
// turns into joins where NOT IN and correlated subqueries run row by row.
func (t *Tx) mergeDialect() *sqlmerge.Dialect {
	return &sqlmerge.Dialect{
		Name:    Name,
		Exec:    func(ctx context.Context, q string) (int64, error) { return t.exec(ctx, q) },
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
		Row:        func(cols string) string { return "(" + cols + ")" },
		RowSelect:  func(cols string) string { return cols },
		Order:      destination.QuoteIdent(seqColumn),
		Text:       "varchar",
		IsTrue:     " IS TRUE",
		AntiJoin:   true,
		UpdateFrom: true,
	}
}
