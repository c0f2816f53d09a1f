// Package sqlite is the SQLite destination, on modernc.org/sqlite (pure Go,
// so the binary stays static with CGO_ENABLED=0).
//
// The database is opened in WAL mode with synchronous=NORMAL and a single
// connection: one writer, one transaction per run (BEGIN IMMEDIATE … COMMIT).
// A run that fails or is killed leaves the file as it was before the run.
// Tables live in the file's main schema.
//
// # Type mapping
//
//	dlt type   declared type   stored as
//	text       TEXT            TEXT
//	bigint     INTEGER         INTEGER
//	double     REAL            REAL
//	bool       BOOLEAN         INTEGER 0 / 1
//	timestamp  TIMESTAMP       TEXT "2006-01-02 15:04:05.000000", UTC
//	date       DATE            TEXT "2006-01-02"
//	time       TIME            TEXT "15:04:05.000000"
//	json       JSON            TEXT, compact JSON
//	decimal    DECIMAL(p,s)    as given (default precision 38, scale 9)
//	wei        TEXT            TEXT, the exact decimal integer
//	binary     BLOB            BLOB
//
// Timestamps are ISO-8601 UTC text in exactly the form dlt's SQLite
// destination (SQLAlchemy's SQLite DATETIME) writes: a space between date
// and time, always six fractional digits, no zone designator (every value is
// UTC). Text in that form sorts chronologically and works with SQLite's date
// functions (`datetime(created_at)`, `strftime('%Y', created_at)`), and
// SQLAlchemy reads it back as a datetime.
//
// # Merges
//
// Rows to merge are staged in TEMP tables (`temp."_sluice_staging_<table>"`,
// dropped after the merge) and merged with plain DELETE, INSERT … SELECT
// and UPDATE … FROM statements in the run's transaction (merge.go): no
// unique index is needed, so upsert works on tables dlt created too.
//
// Columns whose dlt column is not nullable are NOT NULL when the table is
// created (system columns, primary keys); columns added later with ALTER
// TABLE ADD COLUMN are always nullable, because SQLite cannot add a NOT NULL
// column without a default.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/schema"
)

// maxVariables is SQLite's default SQLITE_MAX_VARIABLE_NUMBER.
const maxVariables = 32766

// maxRowsPerInsert caps the rows of one multi-row INSERT; beyond about a
// hundred rows a bigger statement stops paying (go-notes.md).
const maxRowsPerInsert = 128

// stagingPrefix names the TEMP copies of tables that collect rows to merge.
const stagingPrefix = "_sluice_staging_"

// TimestampLayout is how timestamps are stored (UTC).
const TimestampLayout = "2006-01-02 15:04:05.000000"

// DB is an open SQLite database file.
type DB struct {
	db   *sql.DB
	path string
	open bool
	// inTx is set while a run transaction holds the one connection: reads
	// through DB would wait for it forever, so they fail instead
	inTx atomic.Bool
}

var errInTx = errors.New("sqlite: a run transaction is open; read through the transaction")

var (
	_ destination.Destination = (*DB)(nil)
	_ destination.Tx          = (*Tx)(nil)
)

// Open opens (creating if needed) the SQLite database at path.
func Open(path string) (*DB, error) {
	abs, err := absPath(path)
	if err != nil {
		return nil, err
	}
	dsn := abs + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
		// A 2 MiB page cache: 16 MiB cost ~27 MB of RSS (docs/performance.md).
		"&_pragma=cache_size(-2048)&_txlock=immediate"
	return openDSN(abs, dsn, "")
}

// OpenReadOnly opens the existing SQLite database at path for reading
// only: the file is opened with mode=ro and every connection has
// query_only set, so no statement can change it, and a missing file is an
// error rather than a new empty database. Begin fails on it.
func OpenReadOnly(path string) (*DB, error) {
	abs, err := absPath(path)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("sqlite: opening %s read-only: %w", abs, err)
	}
	u := url.URL{Scheme: "file", Path: abs, RawQuery: "mode=ro&_pragma=query_only(1)&_pragma=busy_timeout(10000)&_pragma=cache_size(-2048)"}
	return openDSN(abs, u.String(), " read-only")
}

// absPath is path made absolute, refused when it holds characters the
// driver's DSN would read as a query.
func absPath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if strings.ContainsAny(abs, "?#") {
		return "", fmt.Errorf("sqlite: the database path %q contains ? or #", abs)
	}
	return abs, nil
}

// openDSN opens the database file abs through dsn on one connection (the
// run's transaction is the only user) and checks that it opens; how is
// said in errors (" read-only" or "").
func openDSN(abs, dsn, how string) (*DB, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: opening %s%s: %w", abs, how, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: opening %s%s: %w", abs, how, err)
	}
	return &DB{db: db, path: abs, open: true}, nil
}

// Path returns the absolute path of the database file.
func (d *DB) Path() string { return d.path }

// Describe implements destination.Destination.
func (d *DB) Describe() string { return "sqlite at " + d.path }

// Close implements destination.Destination.
func (d *DB) Close() error {
	if !d.open {
		return nil
	}
	d.open = false
	return d.db.Close()
}

// SQL returns the underlying database handle (for tests and tools).
func (d *DB) SQL() *sql.DB { return d.db }

// TableExists implements destination.Reader.
func (d *DB) TableExists(ctx context.Context, table string) (bool, error) {
	if d.inTx.Load() {
		return false, errInTx
	}
	return tableExists(ctx, d.db, "main", table)
}

// Query implements destination.Reader.
func (d *DB) Query(ctx context.Context, query string, args []any, row func(scan func(dest ...any) error) error) error {
	if d.inTx.Load() {
		return errInTx
	}
	return destination.QuerySQL(ctx, d.db, query, args, row)
}

func tableExists(ctx context.Context, q destination.SQLQueryer, schemaName, table string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx,
		"SELECT count(*) FROM "+schemaName+".sqlite_master WHERE type = 'table' AND name = ?", table).Scan(&n)
	return n > 0, err
}

// Begin implements destination.Destination: it takes the one connection and
// starts an IMMEDIATE transaction (the write lock is taken at once, so a
// concurrent writer fails fast instead of midway).
func (d *DB) Begin(ctx context.Context) (destination.Tx, error) {
	if !d.inTx.CompareAndSwap(false, true) {
		return nil, errors.New("sqlite: a run transaction is already open")
	}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		d.inTx.Store(false)
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		conn.Close()
		d.inTx.Store(false)
		return nil, fmt.Errorf("sqlite: begin: %w", err)
	}
	return &Tx{
		db:      d,
		conn:    conn,
		stmts:   make(map[string]driver.Stmt),
		columns: make(map[string]map[string]bool),
		staged:  make(map[string]bool),
	}, nil
}

// Tx is the transaction of one run.
type Tx struct {
	db    *DB
	conn  *sql.Conn
	done  bool
	stmts map[string]driver.Stmt
	// columns caches the columns of main tables (by table), loaded on demand
	columns map[string]map[string]bool
	// staged marks tables with a staging copy
	staged map[string]bool
	args   []driver.NamedValue
	key    []byte
}

func (t *Tx) check() error {
	if t.done {
		return errors.New("sqlite: the transaction is finished")
	}
	return nil
}

// TableExists implements destination.Reader.
func (t *Tx) TableExists(ctx context.Context, table string) (bool, error) {
	if err := t.check(); err != nil {
		return false, err
	}
	return tableExists(ctx, t.conn, "main", table)
}

// Query implements destination.Reader.
func (t *Tx) Query(ctx context.Context, query string, args []any, row func(scan func(dest ...any) error) error) error {
	if err := t.check(); err != nil {
		return err
	}
	return destination.QuerySQL(ctx, t.conn, query, args, row)
}

// Exec implements destination.Tx.
func (t *Tx) Exec(ctx context.Context, query string, args ...any) error {
	if err := t.check(); err != nil {
		return err
	}
	_, err := t.conn.ExecContext(ctx, query, args...)
	return err
}

// Commit implements destination.Tx.
func (t *Tx) Commit() error {
	if t.done {
		return errors.New("sqlite: the transaction is finished")
	}
	t.done = true
	t.closeStmts()
	ctx := context.Background()
	_, err := t.conn.ExecContext(ctx, "COMMIT")
	if err != nil {
		_, _ = t.conn.ExecContext(ctx, "ROLLBACK")
		t.conn.Close()
		t.db.inTx.Store(false)
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	err = t.conn.Close()
	t.db.inTx.Store(false)
	return err
}

// Rollback implements destination.Tx.
func (t *Tx) Rollback() error {
	if t.done {
		return nil
	}
	t.done = true
	t.closeStmts()
	_, err := t.conn.ExecContext(context.Background(), "ROLLBACK")
	if err != nil && strings.Contains(err.Error(), "no transaction is active") {
		// An interrupted statement (the run's context cancelled mid-INSERT)
		// makes SQLite roll the whole transaction back itself: the rollback
		// asked for has happened.
		err = nil
	}
	if cerr := t.conn.Close(); err == nil {
		err = cerr
	}
	t.db.inTx.Store(false)
	if err != nil {
		return fmt.Errorf("sqlite: rollback: %w", err)
	}
	return nil
}

func (t *Tx) closeStmts() {
	if len(t.stmts) == 0 {
		return
	}
	_ = t.conn.Raw(func(any) error {
		for k, s := range t.stmts {
			s.Close()
			delete(t.stmts, k)
		}
		return nil
	})
}

// SQLType returns the declared SQLite type of a column.
func SQLType(c *schema.Column) string {
	switch c.DataType {
	case schema.Text:
		return "TEXT"
	case schema.Bigint:
		return "INTEGER"
	case schema.Double:
		return "REAL"
	case schema.Bool:
		return "BOOLEAN"
	case schema.Timestamp:
		return "TIMESTAMP"
	case schema.Date:
		return "DATE"
	case schema.Time:
		return "TIME"
	case schema.JSON:
		return "JSON"
	case schema.Decimal:
		p, s := 38, 9
		if c.Precision != nil {
			p = *c.Precision
		}
		if c.Scale != nil {
			s = *c.Scale
		}
		return fmt.Sprintf("DECIMAL(%d,%d)", p, s)
	case schema.Wei:
		// A declared DECIMAL has NUMERIC affinity: SQLite would turn the
		// text of an integer beyond int64 into a REAL and lose digits
		// (1180591620717411303424 → 1.1805916207174113e+21). TEXT keeps
		// it exact; CAST(x AS REAL) or CAST(x AS INTEGER) where it fits.
		return "TEXT"
	case schema.Binary:
		return "BLOB"
	}
	return "TEXT"
}

func columnDef(c *schema.Column, notNull bool) string {
	def := destination.QuoteIdent(c.Name) + " " + SQLType(c)
	if notNull && !c.Nullable {
		def += " NOT NULL"
	}
	return def
}

func mainName(table string) string    { return "main." + destination.QuoteIdent(table) }
func stagingName(table string) string { return "temp." + destination.QuoteIdent(stagingPrefix+table) }

// tableColumns returns the columns of a table ("main" or "temp" schema).
func (t *Tx) tableColumns(ctx context.Context, schemaName, table string) ([]string, error) {
	var cols []string
	err := destination.QuerySQL(ctx, t.conn, "SELECT name FROM pragma_table_info(?, ?)", []any{table, schemaName},
		func(scan func(...any) error) error {
			var name string
			if err := scan(&name); err != nil {
				return err
			}
			cols = append(cols, name)
			return nil
		})
	return cols, err
}

// known returns the cached column set of a main table, nil if it does not exist.
func (t *Tx) known(ctx context.Context, table string) (map[string]bool, error) {
	if m, ok := t.columns[table]; ok {
		return m, nil
	}
	cols, err := t.tableColumns(ctx, "main", table)
	if err != nil {
		return nil, err
	}
	var m map[string]bool
	if len(cols) > 0 {
		m = make(map[string]bool, len(cols))
		for _, c := range cols {
			m[c] = true
		}
	}
	t.columns[table] = m
	return m, nil
}

// Apply implements destination.Tx.
func (t *Tx) Apply(ctx context.Context, changes []schema.Change) error {
	if err := t.check(); err != nil {
		return err
	}
	for _, ch := range changes {
		if err := t.apply(ctx, ch); err != nil {
			return fmt.Errorf("sqlite: %s: %w", ch, err)
		}
	}
	return nil
}

func (t *Tx) apply(ctx context.Context, ch schema.Change) error {
	have, err := t.known(ctx, ch.Table)
	if err != nil {
		return err
	}
	if have == nil {
		if ch.Kind != schema.CreateTable {
			return fmt.Errorf("table %s does not exist", ch.Table)
		}
		defs := make([]string, len(ch.Columns))
		have = make(map[string]bool, len(ch.Columns))
		for i := range ch.Columns {
			defs[i] = columnDef(&ch.Columns[i], true)
			have[ch.Columns[i].Name] = true
		}
		if _, err := t.conn.ExecContext(ctx, "CREATE TABLE "+mainName(ch.Table)+" ("+strings.Join(defs, ", ")+")"); err != nil {
			return err
		}
		t.columns[ch.Table] = have
		return nil
	}
	for i := range ch.Columns {
		c := &ch.Columns[i]
		if have[c.Name] {
			continue
		}
		if _, err := t.conn.ExecContext(ctx, "ALTER TABLE "+mainName(ch.Table)+" ADD COLUMN "+columnDef(c, false)); err != nil {
			return err
		}
		if t.staged[ch.Table] {
			if _, err := t.conn.ExecContext(ctx, "ALTER TABLE "+stagingName(ch.Table)+" ADD COLUMN "+columnDef(c, false)); err != nil {
				return err
			}
		}
		have[c.Name] = true
	}
	return nil
}

// Insert implements destination.Tx.
func (t *Tx) Insert(ctx context.Context, rows *schema.TableRows) error {
	if err := t.check(); err != nil {
		return err
	}
	if err := t.insert(ctx, mainName(rows.Table), rows); err != nil {
		return fmt.Errorf("sqlite: inserting into %s: %w", rows.Table, err)
	}
	return nil
}

// Stage implements destination.Tx.
func (t *Tx) Stage(ctx context.Context, rows *schema.TableRows) error {
	if err := t.check(); err != nil {
		return err
	}
	if !t.staged[rows.Table] {
		q := "CREATE TEMP TABLE IF NOT EXISTS " + destination.QuoteIdent(stagingPrefix+rows.Table) +
			" AS SELECT * FROM " + mainName(rows.Table) + " WHERE 0"
		if _, err := t.conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("sqlite: staging %s: %w", rows.Table, err)
		}
		t.staged[rows.Table] = true
	}
	if err := t.insert(ctx, stagingName(rows.Table), rows); err != nil {
		return fmt.Errorf("sqlite: staging rows of %s: %w", rows.Table, err)
	}
	return nil
}

// insert writes rows with multi-row INSERT statements of up to
// maxRowsPerInsert rows; the rest goes in statements of power-of-two sizes,
// so that few distinct statements are prepared and cached.
func (t *Tx) insert(ctx context.Context, target string, rows *schema.TableRows) error {
	ncol := len(rows.Columns)
	if len(rows.Rows) == 0 || ncol == 0 {
		return nil
	}
	per := maxVariables / ncol
	if per > maxRowsPerInsert {
		per = maxRowsPerInsert
	}
	if per < 1 {
		return fmt.Errorf("%d columns exceed SQLite's %d variables", ncol, maxVariables)
	}
	return t.conn.Raw(func(dc any) error {
		pc, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return errors.New("the sqlite driver cannot prepare statements")
		}
		todo := rows.Rows
		for len(todo) > 0 {
			k := per
			if len(todo) < per {
				k = 1
				for k*2 <= len(todo) {
					k *= 2
				}
			}
			st, err := t.stmt(ctx, pc, target, rows.Columns, k)
			if err != nil {
				return err
			}
			args := t.bind(rows, todo[:k])
			if _, err := st.(driver.StmtExecContext).ExecContext(ctx, args); err != nil {
				return err
			}
			todo = todo[k:]
		}
		return nil
	})
}

// stmt returns the cached statement inserting k rows of cols into target.
func (t *Tx) stmt(ctx context.Context, pc driver.ConnPrepareContext, target string, cols []string, k int) (driver.Stmt, error) {
	key := append(t.key[:0], target...)
	for _, c := range cols {
		key = append(key, 0)
		key = append(key, c...)
	}
	key = append(key, 0)
	key = strconv.AppendInt(key, int64(k), 10)
	t.key = key
	if st, ok := t.stmts[string(key)]; ok {
		return st, nil
	}
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(target)
	b.WriteString(" (")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(destination.QuoteIdent(c))
	}
	b.WriteString(") VALUES ")
	tuple := "(" + strings.Repeat("?,", len(cols)-1) + "?)"
	for i := 0; i < k; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(tuple)
	}
	st, err := pc.PrepareContext(ctx, b.String())
	if err != nil {
		return nil, err
	}
	t.stmts[string(key)] = st
	return st, nil
}

// bind converts rows to driver arguments: bools to 0/1 and times to text in
// the layout of the column type.
func (t *Tx) bind(rows *schema.TableRows, part [][]any) []driver.NamedValue {
	ncol := len(rows.Columns)
	n := len(part) * ncol
	if cap(t.args) < n {
		t.args = make([]driver.NamedValue, n)
		for i := range t.args {
			t.args[i].Ordinal = i + 1
		}
	}
	args := t.args[:n]
	i := 0
	for _, row := range part {
		for c := 0; c < ncol; c++ {
			var v any
			if c < len(row) {
				v = row[c]
			}
			switch x := v.(type) {
			case bool:
				if x {
					v = int64(1)
				} else {
					v = int64(0)
				}
			case time.Time:
				v = formatTime(x, rows.Types[c])
			}
			args[i].Value = v
			i++
		}
	}
	return args
}

func formatTime(x time.Time, t schema.DataType) string {
	x = x.UTC()
	switch t {
	case schema.Date:
		return x.Format("2006-01-02")
	case schema.Time:
		return x.Format("15:04:05.000000")
	case schema.Text:
		return x.Format(time.RFC3339Nano)
	}
	return x.Format(TimestampLayout)
}

// FormatTimestamp formats t as the SQLite destination stores timestamps.
func FormatTimestamp(t time.Time) string { return t.UTC().Format(TimestampLayout) }

// Truncate implements destination.Tx.
func (t *Tx) Truncate(ctx context.Context, tables []string) error {
	if err := t.check(); err != nil {
		return err
	}
	for _, name := range tables {
		have, err := t.known(ctx, name)
		if err != nil {
			return err
		}
		if have == nil {
			continue
		}
		if _, err := t.conn.ExecContext(ctx, "DELETE FROM "+mainName(name)); err != nil {
			return fmt.Errorf("sqlite: truncating %s: %w", name, err)
		}
	}
	return nil
}
