//go:build duckdb

// Package duckdb is the DuckDB destination, on the official Go driver
// github.com/duckdb/duckdb-go/v2 (cgo; it links DuckDB's prebuilt static
// library). It is compiled only with the build tag `duckdb`, so the default
// CGO_ENABLED=0 build stays pure Go and static.
//
// The tables of a pipeline live in the schema named after its dataset
// (created with CREATE SCHEMA IF NOT EXISTS), as dlt's duckdb destination
// puts them; the `_dlt_*` tables too. The connection's default schema is the
// dataset, so `SELECT * FROM users` in the duckdb shell after
// `SET schema = 'github_dataset'` (or `FROM github_dataset.users`) reads
// them. One connection, one transaction per run (BEGIN TRANSACTION …
// COMMIT): data, schema version, state and the `_dlt_loads` row commit
// together or not at all.
//
// # Type mapping (dlt's duckdb destination)
//
//	dlt type   DuckDB type
//	text       VARCHAR
//	bigint     BIGINT
//	double     DOUBLE
//	bool       BOOLEAN
//	timestamp  TIMESTAMP WITH TIME ZONE (microseconds)
//	date       DATE
//	time       TIME
//	json       JSON
//	decimal    DECIMAL(p,s) (default DECIMAL(38,9))
//	wei        DECIMAL(38,0)
//	binary     BLOB
//
// Columns that are not nullable are NOT NULL when the table is created;
// columns added later (ALTER TABLE ADD COLUMN) are nullable.
//
// # Bulk path
//
// Rows go in through DuckDB's appender, never through INSERT statements:
// one appender per table stays open while batches for it arrive and is
// flushed before any other statement runs on the connection (DDL, a
// query, a merge, the commit).
//
// # Merges
//
// Rows to merge are staged in TEMP tables (`temp.main."_sluice_staging_<table>"`)
// and merged with DELETE, INSERT … SELECT and UPDATE … FROM in the run's
// transaction (merge.go), exactly as the SQLite destination does.
package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	duckdbdrv "github.com/duckdb/duckdb-go/v2"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/schema"
)

// Name is the destination type name of DuckDB.
const Name = "duckdb"

// stagingPrefix names the TEMP copies of tables that collect rows to merge.
const stagingPrefix = "_sluice_staging_"

// EnvMemoryLimit names the environment variable that sets DuckDB's
// memory_limit (DuckDB's syntax: "64MB", "1GB"), fixed for the run. Unset,
// the limit starts at DefaultMemoryLimit and grows with the width of the
// tables being loaded (columnMemory). DuckDB writes the row groups of a
// large load to the file as they fill and evicts them beyond the limit, so
// the limit bounds the process's memory whatever the number of rows;
// operators that need more (a large merge) spill to a temporary folder
// beside the database file.
const EnvMemoryLimit = "SLUICE_DUCKDB_MEMORY_LIMIT"

// DefaultMemoryLimit is DuckDB's memory_limit at the start of a run unless
// EnvMemoryLimit says otherwise.
const DefaultMemoryLimit = "32MB"

// DuckDB pins memory for every column it is appending to (the column's
// current segment and the appender's buffer), which it cannot evict: at the
// 32 MB default a 100-column table failed with "could not allocate block"
// after 18,000 rows, and 300 columns needed more than 128 MB. So without
// EnvMemoryLimit the limit is raised, when an appender opens, to
// columnMemoryKB for each column of the tables being appended to at once,
// when that is more than the default (half as much again as the failures
// showed was needed; more lets DuckDB cache more, which costs RSS on narrow
// tables: the demo's 38 columns stay at 32 MB).
const (
	columnMemoryKB = 768
	defaultLimitMB = 32
)

// Register adds the DuckDB destination to r: `destination: duckdb`,
// default file `<pipeline name>.duckdb`, tables in the dataset's schema.
func Register(r *destination.Registry) {
	r.Register(destination.Type{
		Name: Name,
		Ext:  ".duckdb",
		Open: func(_ context.Context, cfg destination.Config) (destination.Destination, error) {
			if cfg.ReadOnly {
				return OpenReadOnly(cfg.Path, cfg.Dataset)
			}
			return Open(cfg.Path, cfg.Dataset)
		},
	})
}

// DB is an open DuckDB database file.
type DB struct {
	db      *sql.DB
	path    string
	dataset string
	// catalog is the database's name in DuckDB (the file name without
	// extension), for fully qualified table names
	catalog string
	open    bool
	inTx    atomic.Bool
	// limitMB is DuckDB's memory_limit in MB while sluice sizes it (0 when
	// EnvMemoryLimit fixes it)
	limitMB int
}

var errInTx = errors.New("duckdb: a run transaction is open; read through the transaction")

var (
	_ destination.Destination = (*DB)(nil)
	_ destination.Tx          = (*Tx)(nil)
)

// Open opens (creating if needed) the DuckDB database at path and the
// schema dataset in it.
func Open(path, dataset string) (*DB, error) { return open(path, dataset, false) }

// OpenReadOnly opens the existing DuckDB database at path for reading only
// (DuckDB's access_mode READ_ONLY: nothing, not even the schema, is
// created, and any write fails), for looking at a load (sluice ui,
// sluice pipeline info).
func OpenReadOnly(path, dataset string) (*DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("duckdb: %w", err)
	}
	return open(path, dataset, true)
}

func open(path, dataset string, readOnly bool) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if strings.ContainsAny(abs, "?#") {
		return nil, fmt.Errorf("duckdb: the database path %q contains ? or #", abs)
	}
	if dataset == "" {
		return nil, errors.New("duckdb: the dataset (pipeline.dataset) is empty")
	}
	limit := os.Getenv(EnvMemoryLimit)
	autoLimit := limit == ""
	if autoLimit {
		limit = DefaultMemoryLimit
	}
	setup := []string{
		"SET memory_limit = " + quoteString(limit),
		"CREATE SCHEMA IF NOT EXISTS " + destination.QuoteIdent(dataset),
		"SET schema = " + quoteString(dataset),
	}
	dsn := abs
	if readOnly {
		setup = append(setup[:1], setup[2:]...)
		dsn += "?access_mode=READ_ONLY"
	}
	init := func(ex driver.ExecerContext) error {
		for _, q := range setup {
			if _, err := ex.ExecContext(context.Background(), q, nil); err != nil {
				return err
			}
		}
		return nil
	}
	conn, err := duckdbdrv.NewConnector(dsn, init)
	if err != nil {
		return nil, fmt.Errorf("duckdb: opening %s: %w", abs, err)
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	d := &DB{db: db, path: abs, dataset: dataset, open: true}
	if autoLimit {
		d.limitMB = defaultLimitMB
	}
	if err := db.QueryRow("SELECT current_database()").Scan(&d.catalog); err != nil {
		db.Close()
		return nil, fmt.Errorf("duckdb: opening %s: %w", abs, err)
	}
	return d, nil
}

// Path returns the absolute path of the database file.
func (d *DB) Path() string { return d.path }

// Dataset returns the schema the tables live in.
func (d *DB) Dataset() string { return d.dataset }

// Describe implements destination.Destination.
func (d *DB) Describe() string { return "duckdb at " + d.path + " (schema " + d.dataset + ")" }

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
	return tableExists(ctx, d.db, d.catalog, d.dataset, table)
}

// Query implements destination.Reader.
func (d *DB) Query(ctx context.Context, query string, args []any, row func(scan func(dest ...any) error) error) error {
	if d.inTx.Load() {
		return errInTx
	}
	return destination.QuerySQL(ctx, d.db, query, args, row)
}

func tableExists(ctx context.Context, q destination.SQLQueryer, catalog, schemaName, table string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx,
		"SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? AND table_name = ?",
		catalog, schemaName, table).Scan(&n)
	return n > 0, err
}

// Begin implements destination.Destination: it takes the one connection
// and starts a transaction.
func (d *DB) Begin(ctx context.Context) (destination.Tx, error) {
	if !d.inTx.CompareAndSwap(false, true) {
		return nil, errors.New("duckdb: a run transaction is already open")
	}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		d.inTx.Store(false)
		return nil, fmt.Errorf("duckdb: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		conn.Close()
		d.inTx.Store(false)
		return nil, fmt.Errorf("duckdb: begin: %w", err)
	}
	return &Tx{
		db:        d,
		conn:      conn,
		tables:    make(map[string]*table),
		appenders: make(map[string]*appenderState),
		staged:    make(map[string]bool),
	}, nil
}

// Tx is the transaction of one run.
type Tx struct {
	db   *DB
	conn *sql.Conn
	done bool
	// tables caches the columns of tables by qualified name, loaded on
	// demand; nil for a table that does not exist
	tables map[string]*table
	// appenders are the open appenders by qualified table name
	appenders map[string]*appenderState
	// staged marks tables with a staging copy
	staged map[string]bool
}

func (t *Tx) check() error {
	if t.done {
		return errors.New("duckdb: the transaction is finished")
	}
	return nil
}

// TableExists implements destination.Reader.
func (t *Tx) TableExists(ctx context.Context, table string) (bool, error) {
	if err := t.check(); err != nil {
		return false, err
	}
	tb, err := t.table(ctx, t.mainTarget(table))
	return tb != nil, err
}

// Query implements destination.Reader.
func (t *Tx) Query(ctx context.Context, query string, args []any, row func(scan func(dest ...any) error) error) error {
	if err := t.check(); err != nil {
		return err
	}
	if err := t.flush(); err != nil {
		return err
	}
	return destination.QuerySQL(ctx, t.conn, query, args, row)
}

// Exec implements destination.Tx.
func (t *Tx) Exec(ctx context.Context, query string, args ...any) error {
	if err := t.check(); err != nil {
		return err
	}
	_, err := t.exec(ctx, query, args...)
	return err
}

// exec runs a statement after flushing the appenders, so it sees every
// row appended so far.
func (t *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	return t.conn.ExecContext(ctx, query, args...)
}

// Commit implements destination.Tx.
func (t *Tx) Commit() error {
	if t.done {
		return errors.New("duckdb: the transaction is finished")
	}
	ctx := context.Background()
	err := t.flush()
	t.done = true
	if err == nil {
		_, err = t.conn.ExecContext(ctx, "COMMIT")
	}
	if err != nil {
		_, _ = t.conn.ExecContext(ctx, "ROLLBACK")
		t.conn.Close()
		t.db.inTx.Store(false)
		return fmt.Errorf("duckdb: commit: %w", err)
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
	t.discard()
	_, err := t.conn.ExecContext(context.Background(), "ROLLBACK")
	if err != nil && strings.Contains(err.Error(), "no transaction is active") {
		// an interrupted statement can end the transaction itself
		err = nil
	}
	if cerr := t.conn.Close(); err == nil {
		err = cerr
	}
	t.db.inTx.Store(false)
	if err != nil {
		return fmt.Errorf("duckdb: rollback: %w", err)
	}
	return nil
}

// SQLType returns the DuckDB type of a column, as dlt's duckdb destination
// declares it.
func SQLType(c *schema.Column) string {
	switch c.DataType {
	case schema.Text:
		return "VARCHAR"
	case schema.Bigint:
		return "BIGINT"
	case schema.Double:
		return "DOUBLE"
	case schema.Bool:
		return "BOOLEAN"
	case schema.Timestamp:
		return "TIMESTAMP WITH TIME ZONE"
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
		return "DECIMAL(38,0)"
	case schema.Binary:
		return "BLOB"
	}
	return "VARCHAR"
}

func columnDef(c *schema.Column, notNull bool) string {
	def := destination.QuoteIdent(c.Name) + " " + SQLType(c)
	if notNull && !c.Nullable {
		def += " NOT NULL"
	}
	return def
}

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// mainName is the fully qualified name of a table of the dataset.
func (t *Tx) mainName(table string) string { return t.mainTarget(table).String() }

// stagingName is the fully qualified name of a table's staging copy.
func stagingName(table string) string { return stagingTarget(table).String() }

// Apply implements destination.Tx.
func (t *Tx) Apply(ctx context.Context, changes []schema.Change) error {
	if err := t.check(); err != nil {
		return err
	}
	for _, ch := range changes {
		if err := t.apply(ctx, ch); err != nil {
			return fmt.Errorf("duckdb: %s: %w", ch, err)
		}
	}
	return nil
}

func (t *Tx) apply(ctx context.Context, ch schema.Change) error {
	g := t.mainTarget(ch.Table)
	name := g.String()
	have, err := t.table(ctx, g)
	if err != nil {
		return err
	}
	if have == nil {
		if ch.Kind != schema.CreateTable {
			return fmt.Errorf("table %s does not exist", ch.Table)
		}
		defs := make([]string, len(ch.Columns))
		for i := range ch.Columns {
			defs[i] = columnDef(&ch.Columns[i], true)
		}
		if _, err := t.exec(ctx, "CREATE TABLE "+name+" ("+strings.Join(defs, ", ")+")"); err != nil {
			return err
		}
		delete(t.tables, name)
		return nil
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
			if _, err := t.exec(ctx, "ALTER TABLE "+tg.String()+" ADD COLUMN "+columnDef(c, false)); err != nil {
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

// Insert implements destination.Tx.
func (t *Tx) Insert(ctx context.Context, rows *schema.TableRows) error {
	if err := t.check(); err != nil {
		return err
	}
	if err := t.append(ctx, t.mainTarget(rows.Table), rows); err != nil {
		return fmt.Errorf("duckdb: inserting into %s: %w", rows.Table, err)
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
			" AS SELECT * FROM " + t.mainName(rows.Table) + " LIMIT 0"
		if _, err := t.exec(ctx, q); err != nil {
			return fmt.Errorf("duckdb: staging %s: %w", rows.Table, err)
		}
		delete(t.tables, stagingName(rows.Table))
		t.staged[rows.Table] = true
	}
	if err := t.append(ctx, stagingTarget(rows.Table), rows); err != nil {
		return fmt.Errorf("duckdb: staging rows of %s: %w", rows.Table, err)
	}
	return nil
}

// Truncate implements destination.Tx.
func (t *Tx) Truncate(ctx context.Context, tables []string) error {
	if err := t.check(); err != nil {
		return err
	}
	for _, name := range tables {
		have, err := t.table(ctx, t.mainTarget(name))
		if err != nil {
			return err
		}
		if have == nil {
			continue
		}
		if _, err := t.exec(ctx, "DELETE FROM "+t.mainName(name)); err != nil {
			return fmt.Errorf("duckdb: truncating %s: %w", name, err)
		}
	}
	return nil
}
