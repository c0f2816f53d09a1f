package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/schema"
)

// Tx is the transaction of one run.
type Tx struct {
	db   *DB
	tx   pgx.Tx
	done bool
	// tables caches the columns of tables by qualified name, loaded on
	// demand; nil for a table that does not exist
	tables map[string]*table
	// staged marks tables with a staging copy
	staged map[string]bool
	// pending are the rows not yet sent, by qualified table name, and the
	// order the tables were first written in
	pending map[string]*buffer
	order   []string
}

func newTx(d *DB, ptx pgx.Tx) *Tx {
	return &Tx{db: d, tx: ptx, tables: map[string]*table{}, staged: map[string]bool{}, pending: map[string]*buffer{}}
}

func (t *Tx) check() error {
	if t.done {
		return errors.New("postgres: the transaction is finished")
	}
	return nil
}

// LockForCommit implements load.CommitLocker: a transaction-level
// advisory lock on the dataset, held until this transaction ends, so that
// the loader's check that no other load was committed since the run began
// and this run's commit have no other commit between them.
func (t *Tx) LockForCommit(ctx context.Context) error {
	if err := t.check(); err != nil {
		return err
	}
	_, err := t.tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2))", commitLockClass, t.db.dataset)
	return err
}

// mainTarget is a table of the dataset; stagingTarget its staging copy.
func (t *Tx) mainTarget(table string) target { return target{t.db.dataset, table} }
func stagingTarget(table string) target      { return target{"pg_temp", stagingTable(table)} }

// stagingTable names the staging copy of table, within PostgreSQL's 63
// bytes: a long table name is cut and given a hash of the whole, so that
// the copies of two long names sharing a prefix stay apart.
func stagingTable(table string) string {
	name := stagingPrefix + table
	if len(name) <= maxIdentifierLength {
		return name
	}
	h := fnv.New32a()
	h.Write([]byte(table))
	return fmt.Sprintf("%s%s_%08x", stagingPrefix, strings.ToValidUTF8(table[:maxIdentifierLength-len(stagingPrefix)-9], ""), h.Sum32())
}

// mainName is the qualified, quoted name of a table of the dataset.
func (t *Tx) mainName(table string) string { return t.mainTarget(table).String() }

// stagingName is the qualified, quoted name of a table's staging copy.
func stagingName(table string) string { return stagingTarget(table).String() }

// TableExists implements destination.Reader.
func (t *Tx) TableExists(ctx context.Context, table string) (bool, error) {
	if err := t.check(); err != nil {
		return false, err
	}
	tb, err := t.table(ctx, t.mainTarget(table))
	return tb != nil, t.db.redact(err)
}

// Query implements destination.Reader.
func (t *Tx) Query(ctx context.Context, query string, args []any, row func(scan func(dest ...any) error) error) error {
	if err := t.check(); err != nil {
		return err
	}
	if err := t.flush(ctx); err != nil {
		return t.db.redact(err)
	}
	return t.db.redact(runQuery(ctx, t.tx, query, args, row))
}

// Exec implements destination.Tx.
func (t *Tx) Exec(ctx context.Context, query string, args ...any) error {
	if err := t.check(); err != nil {
		return err
	}
	_, err := t.exec(ctx, numbered(query), args...)
	return t.db.redact(err)
}

// exec runs one statement, after sending the buffered rows, and returns
// the number of rows it changed.
func (t *Tx) exec(ctx context.Context, query string, args ...any) (int64, error) {
	if err := t.flush(ctx); err != nil {
		return 0, err
	}
	tag, err := t.tx.Exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// Commit implements destination.Tx.
func (t *Tx) Commit() error {
	if t.done {
		return errors.New("postgres: the transaction is finished")
	}
	t.done = true
	t.db.inTx = false
	ctx := context.Background()
	if err := t.flush(ctx); err != nil {
		_ = t.tx.Rollback(ctx)
		return fmt.Errorf("postgres: commit: %w", t.db.redact(err))
	}
	if err := t.tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", t.db.redact(err))
	}
	return nil
}

// Rollback implements destination.Tx.
func (t *Tx) Rollback() error {
	if t.done {
		return nil
	}
	t.done = true
	t.db.inTx = false
	clear(t.pending)
	t.order = nil
	err := t.tx.Rollback(context.Background())
	if err != nil && !errors.Is(err, pgx.ErrTxClosed) && !t.db.conn.IsClosed() {
		return fmt.Errorf("postgres: rollback: %w", t.db.redact(err))
	}
	return nil
}

// Apply implements destination.Tx.
func (t *Tx) Apply(ctx context.Context, changes []schema.Change) error {
	if err := t.check(); err != nil {
		return err
	}
	for _, ch := range changes {
		if err := t.apply(ctx, ch); err != nil {
			return fmt.Errorf("postgres: %s: %w", ch, t.db.redact(err))
		}
	}
	return nil
}

func (t *Tx) apply(ctx context.Context, ch schema.Change) error {
	g := t.mainTarget(ch.Table)
	have, err := t.table(ctx, g)
	if err != nil {
		return err
	}
	if have == nil {
		if ch.Kind != schema.CreateTable {
			return fmt.Errorf("table %s does not exist", ch.Table)
		}
		created, err := t.create(ctx, g, ch.Columns)
		if err != nil || created {
			return err
		}
		// another run created it meanwhile: add what it lacks
		if have, err = t.table(ctx, g); err != nil {
			return err
		}
		if have == nil {
			return fmt.Errorf("table %s vanished while it was being created", ch.Table)
		}
	}
	for i := range ch.Columns {
		c := &ch.Columns[i]
		if _, ok := have.index[c.Name]; ok {
			continue
		}
		targets := []target{g}
		if t.staged[ch.Table] {
			targets = append(targets, stagingTarget(ch.Table))
		}
		for _, tg := range targets {
			if _, err := t.exec(ctx, "ALTER TABLE "+tg.String()+" ADD COLUMN IF NOT EXISTS "+columnDef(c, false)); err != nil {
				return err
			}
			delete(t.tables, tg.String())
		}
		if have, err = t.table(ctx, g); err != nil {
			return err
		}
	}
	return nil
}

// create creates table g under a savepoint. It returns false, and no
// error, when another transaction created the table first (PostgreSQL
// reports the duplicate once that transaction commits): the savepoint is
// rolled back and the run goes on with the other's table.
func (t *Tx) create(ctx context.Context, g target, cols []schema.Column) (bool, error) {
	defs := make([]string, len(cols))
	for i := range cols {
		defs[i] = columnDef(&cols[i], true)
	}
	delete(t.tables, g.String())
	if _, err := t.exec(ctx, "SAVEPOINT sluice_create"); err != nil {
		return false, err
	}
	_, err := t.exec(ctx, "CREATE TABLE "+g.String()+" ("+strings.Join(defs, ", ")+")")
	if err == nil {
		_, err = t.exec(ctx, "RELEASE SAVEPOINT sluice_create")
		return err == nil, err
	}
	if code := pgCode(err); code != "42P07" && code != "23505" { // duplicate_table, unique_violation
		return false, err
	}
	if _, rerr := t.exec(ctx, "ROLLBACK TO SAVEPOINT sluice_create"); rerr != nil {
		return false, rerr
	}
	_, rerr := t.exec(ctx, "RELEASE SAVEPOINT sluice_create")
	return false, rerr
}

// Insert implements destination.Tx.
func (t *Tx) Insert(ctx context.Context, rows *schema.TableRows) error {
	if err := t.check(); err != nil {
		return err
	}
	if err := t.copy(ctx, t.mainTarget(rows.Table), rows); err != nil {
		return fmt.Errorf("postgres: inserting into %s: %w", rows.Table, t.db.redact(err))
	}
	return nil
}

// Stage implements destination.Tx.
func (t *Tx) Stage(ctx context.Context, rows *schema.TableRows) error {
	if err := t.check(); err != nil {
		return err
	}
	if !t.staged[rows.Table] {
		st := stagingName(rows.Table)
		for _, q := range []string{
			"DROP TABLE IF EXISTS " + st,
			"CREATE TEMP TABLE " + destination.QuoteIdent(stagingTable(rows.Table)) + " (LIKE " + t.mainName(rows.Table) + ") ON COMMIT DROP",
			"ALTER TABLE " + st + " ADD COLUMN " + destination.QuoteIdent(seqColumn) + " bigint GENERATED ALWAYS AS IDENTITY",
		} {
			if _, err := t.exec(ctx, q); err != nil {
				return fmt.Errorf("postgres: staging %s: %w", rows.Table, t.db.redact(err))
			}
		}
		delete(t.tables, st)
		t.staged[rows.Table] = true
	}
	if err := t.copy(ctx, stagingTarget(rows.Table), rows); err != nil {
		return fmt.Errorf("postgres: staging rows of %s: %w", rows.Table, t.db.redact(err))
	}
	return nil
}

// Truncate implements destination.Tx. It deletes rather than TRUNCATEs:
// TRUNCATE would lock the table against readers until the run commits,
// while DELETE lets them go on reading the previous load meanwhile.
func (t *Tx) Truncate(ctx context.Context, tables []string) error {
	if err := t.check(); err != nil {
		return err
	}
	for _, name := range tables {
		have, err := t.table(ctx, t.mainTarget(name))
		if err != nil {
			return t.db.redact(err)
		}
		if have == nil {
			continue
		}
		if _, err := t.exec(ctx, "DELETE FROM "+t.mainName(name)); err != nil {
			return fmt.Errorf("postgres: truncating %s: %w", name, t.db.redact(err))
		}
	}
	return nil
}
