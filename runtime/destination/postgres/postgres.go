// Package postgres is the PostgreSQL destination, on github.com/jackc/pgx/v5
// (pure Go, so every build has it, the static CGO_ENABLED=0 one too).
//
// `destination: {type: postgres, credentials: "${PG_DSN}"}` or
// `--destination postgres --db postgresql://user:pw@host:5432/db`: the DSN
// is a URL or key/value connection string as libpq takes it (pgx reads
// PGHOST, PGPASSWORD, ~/.pgpass and the rest for what it leaves out). It is
// a secret: Display prints it without the password, and every error this
// package returns has the password replaced.
//
// The tables of a pipeline live in the schema named after its dataset, as
// dlt's postgres destination puts them (created when missing); the `_dlt_*`
// tables too. The connection's search_path is that schema, so the loader's
// unqualified SQL reads it.
//
// # Type mapping (dlt's postgres destination)
//
//	dlt type   PostgreSQL type
//	text       varchar (varchar(n) with a precision)
//	bigint     bigint (smallint, integer with a precision of 16, 32)
//	double     double precision
//	bool       boolean
//	timestamp  timestamp with time zone (timestamp (p) with time zone)
//	date       date
//	time       time without time zone
//	json       jsonb
//	decimal    numeric(p,s) (default numeric(38,9))
//	wei        numeric(156,78)
//	binary     bytea
//
// Columns that are not nullable are NOT NULL when the table is created;
// columns added later (ALTER TABLE ADD COLUMN) are nullable.
//
// # Bulk path
//
// Rows go in through COPY … FROM STDIN in PostgreSQL's binary format (pgx's
// CopyFrom), never through INSERT statements. The rows of each table are
// converted as they arrive and buffered up to flushValues values, then sent
// in one COPY; every other statement of the run (DDL, a query, a merge, the
// commit) sends the buffers first, so it sees every row written so far.
//
// # Transactions and concurrency
//
// One connection, one transaction per run: data, schema version, state and
// the `_dlt_loads` row commit together or not at all, and no other session
// sees any of it before the commit. Before that transaction, Begin makes sure,
// in a short transaction of its own that holds a transaction-level advisory
// lock on the dataset (pg_advisory_xact_lock), that the dataset's schema,
// `_dlt_version` and `_dlt_loads` exist: every run shares those, and
// creating them inside a long run transaction would make every other run
// wait for it to end (and then fail on the duplicate name). Data tables are
// created inside the run transaction, under a savepoint: if another run
// created the same table meanwhile, the CREATE fails with a duplicate name
// once that run commits, the savepoint is rolled back and the table is used
// as it is. Several processes, one pipeline each (split by --resources),
// load one server in parallel without waiting for each other.
//
// # Merges
//
// Rows to merge are staged in TEMP tables (`pg_temp."_sluice_staging_<table>"`,
// dropped after the merge or at commit) and merged with DELETE, INSERT …
// SELECT and UPDATE … FROM in the run's transaction (merge.go), as the
// SQLite and DuckDB destinations do.
package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/schema"
)

// Name is the destination type name of PostgreSQL.
const Name = "postgres"

// maxIdentifierLength is PostgreSQL's limit on identifiers, as dlt's
// postgres destination declares it (max_identifier_length = 63).
const maxIdentifierLength = 63

// stagingPrefix names the TEMP copies of tables that collect rows to merge.
const stagingPrefix = "_sluice_staging_"

// seqColumn numbers the rows of a staging table in staging order.
const seqColumn = "_sluice_seq"

// lockClass is the first key of the advisory lock Begin takes per dataset
// ("sluice" in ASCII, truncated to 32 bits): it keeps sluice's locks apart
// from an application's own.
const lockClass = 0x736c7569

// commitLockClass is the first key of the advisory lock LockForCommit
// takes per dataset: another class than Begin's, so that a run waiting to
// commit and a run preparing the shared tables never wait on each other.
const commitLockClass = lockClass + 1

// Register adds the PostgreSQL destination to r: `destination: {type:
// postgres, credentials: DSN}`, tables in the dataset's schema.
func Register(r *destination.Registry) {
	r.Register(destination.Type{
		Name:    Name,
		URL:     true,
		Field:   "credentials",
		Display: Display,
		// PostgreSQL cuts longer names to 63 bytes (NAMEDATALEN - 1);
		// dlt's postgres destination shortens them to 63 with a hash tag
		MaxIdentifierLength: maxIdentifierLength,
		Open: func(ctx context.Context, cfg destination.Config) (destination.Destination, error) {
			return Open(ctx, cfg.Path, cfg.Dataset)
		},
	})
}

// DB is an open connection to a PostgreSQL database.
type DB struct {
	conn    *pgx.Conn
	display string
	pw      string
	dataset string
	inTx    bool
}

var (
	_ destination.Destination = (*DB)(nil)
	_ destination.Tx          = (*Tx)(nil)
)

var errInTx = errors.New("postgres: a run transaction is open; read through the transaction")

// Open connects to the database dsn names; the tables are in the schema
// dataset (created by the first Begin when missing).
func Open(ctx context.Context, dsn, dataset string) (*DB, error) {
	if dsn == "" {
		return nil, errors.New("postgres: no DSN: set destination.credentials (or --db postgresql://user:password@host/database)")
	}
	if dataset == "" {
		return nil, errors.New("postgres: the dataset (pipeline.dataset) is empty")
	}
	pw := password(dsn)
	display := Display(dsn)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgconn's message quotes the DSN; say what to fix without it
		return nil, fmt.Errorf("postgres: destination.credentials is not a valid PostgreSQL DSN (%s): %w", display, redactError(unquoteDSN(err), pw))
	}
	cfg.RuntimeParams["search_path"] = destination.QuoteIdent(dataset)
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "sluice"
	}
	// no named prepared statements: the loader's few queries gain nothing
	// from them, and DDL in a run would invalidate cached plans
	cfg.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connecting to %s: %w", display, redactError(err, pw))
	}
	return &DB{conn: conn, display: display, pw: pw, dataset: dataset}, nil
}

// unquoteDSN drops pgconn's "cannot parse `<dsn>`:" prefix (which has the
// password masked, but still the rest of the DSN) and keeps the reason.
func unquoteDSN(err error) error {
	msg := err.Error()
	for i := len("cannot parse `"); i < len(msg); i++ {
		if msg[i] == '`' && i+2 < len(msg) && msg[i+1] == ':' {
			return errors.New(msg[i+3:])
		}
	}
	return err
}

// Dataset returns the schema the tables live in.
func (d *DB) Dataset() string { return d.dataset }

// Describe implements destination.Destination.
func (d *DB) Describe() string { return "postgres at " + d.display + " (schema " + d.dataset + ")" }

// Close implements destination.Destination.
func (d *DB) Close() error {
	if d.conn == nil {
		return nil
	}
	err := d.conn.Close(context.Background())
	d.conn = nil
	return d.redact(err)
}

// Conn returns the underlying connection (for tests and tools).
func (d *DB) Conn() *pgx.Conn { return d.conn }

func (d *DB) redact(err error) error { return redactError(err, d.pw) }

// TableExists implements destination.Reader.
func (d *DB) TableExists(ctx context.Context, table string) (bool, error) {
	if d.inTx {
		return false, errInTx
	}
	ok, err := tableExists(ctx, d.conn, d.qualified(table))
	return ok, d.redact(err)
}

// Query implements destination.Reader.
func (d *DB) Query(ctx context.Context, query string, args []any, row func(scan func(dest ...any) error) error) error {
	if d.inTx {
		return errInTx
	}
	return d.redact(runQuery(ctx, d.conn, query, args, row))
}

// qualified is the quoted name of a table of the dataset.
func (d *DB) qualified(table string) string {
	return destination.QuoteIdent(d.dataset) + "." + destination.QuoteIdent(table)
}

// querier is what pgx.Conn and pgx.Tx share for queries.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func tableExists(ctx context.Context, q querier, qualified string) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", qualified).Scan(&ok)
	return ok, err
}

func runQuery(ctx context.Context, q querier, query string, args []any, row func(scan func(dest ...any) error) error) error {
	rows, err := q.Query(ctx, numbered(query), args...)
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

// Begin implements destination.Destination. It first makes sure, in a
// short transaction of its own under the dataset's advisory lock, that the
// schema and the shared `_dlt_version` and `_dlt_loads` tables exist (see
// the package doc), then starts the run's transaction.
func (d *DB) Begin(ctx context.Context) (destination.Tx, error) {
	if d.inTx {
		return nil, errors.New("postgres: a run transaction is already open")
	}
	if err := d.prepare(ctx); err != nil {
		return nil, fmt.Errorf("postgres: creating schema %s and the system tables: %w", d.dataset, d.redact(err))
	}
	ptx, err := d.conn.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: begin: %w", d.redact(err))
	}
	d.inTx = true
	return newTx(d, ptx), nil
}

// prepare creates the dataset's schema and the system tables every run
// shares, committed at once, under a transaction-level advisory lock on the
// dataset so that two runs starting together do not both create them.
func (d *DB) prepare(ctx context.Context) error {
	ptx, err := d.conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = ptx.Rollback(context.Background()) }()
	if _, err := ptx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2))", lockClass, d.dataset); err != nil {
		return err
	}
	var have bool
	if err := ptx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", d.dataset).Scan(&have); err != nil {
		return err
	}
	if !have {
		if _, err := ptx.Exec(ctx, "CREATE SCHEMA "+destination.QuoteIdent(d.dataset)); err != nil {
			return err
		}
	}
	t := newTx(d, ptx)
	if err := t.Apply(ctx, []schema.Change{
		schema.CreateChange(schema.VersionTable()),
		schema.CreateChange(schema.LoadsTable()),
	}); err != nil {
		return err
	}
	return ptx.Commit(ctx)
}
