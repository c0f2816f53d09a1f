package destination

import (
	"context"
	"database/sql"
)

// SQLQueryer is what QuerySQL reads through: a *sql.DB, *sql.Conn or
// *sql.Tx.
type SQLQueryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// QuerySQL runs query through a database/sql queryer and calls row once
// per result row, as Reader.Query does: the implementation of Query for
// the destinations built on database/sql (SQLite, DuckDB).
func QuerySQL(ctx context.Context, q SQLQueryer, query string, args []any, row func(scan func(dest ...any) error) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}
