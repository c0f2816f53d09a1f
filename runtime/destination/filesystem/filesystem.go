// Package filesystem is the `filesystem` destination: Parquet files in a
// local folder (a `file://` bucket URL) laid out as dlt's filesystem
// destination lays them out, so that DuckDB's read_parquet, Spark, Trino and
// dlt's own readers find what they expect:
//
//	<bucket>/<dataset>/init                                   {"initial_version": 2, "current_version": 2}
//	<bucket>/<dataset>/<table>/<load_id>.<file_id>.parquet    the rows of one load
//	<bucket>/<dataset>/_dlt_loads/<schema>__<load_id>.jsonl   one per completed load, written last
//	<bucket>/<dataset>/_dlt_version/<schema>__<id>__<hash>.jsonl
//	<bucket>/<dataset>/_dlt_pipeline_state/<pipeline>__<load_id>__<hash>.jsonl
//
// The system tables are one JSON document per file, as dlt writes them
// (not Parquet, whatever the format): dlt's readers parse exactly that.
//
// # Atomic loads
//
// A run writes its files under `<bucket>/.sluice-staging/<id>/`, a folder
// no reader globs, holding an flock(2) on its `lock` file while it runs.
// Commit writes a manifest (`commit.json`, made atomic by a rename) listing
// every rename and delete, then carries it out: data files first, then the
// deletes of a `replace`, then `_dlt_version`, `_dlt_pipeline_state` and last
// `_dlt_loads`. A run killed before the manifest leaves only its staging
// folder, which the next Open of the bucket removes; a run killed after it is
// finished by the next Open (the manifest is replayed; every step can be
// repeated). A folder whose lock is held belongs to a live run and is left
// alone, so several processes may load one lake at once (one pipeline
// each: two runs of one pipeline would both write its state).
//
// # What the loader sends
//
// The loader reads the system tables with four fixed SQL statements
// (runtime/load). This destination has no SQL engine: Query recognises
// exactly those four statements and answers them from the files' names and
// contents (system.go); any other statement is an error naming it. Exec is
// refused. Apply records the tables' columns; Insert streams rows into one
// Parquet file per table (a new file when the table gains a column, so later
// files have more columns, as in dlt); Truncate (`replace`) deletes the
// table's earlier files at commit; Stage and Merge refuse: dlt's
// filesystem destination merges only into delta or iceberg tables.
//
// # Type mapping (dlt's Parquet mapping)
//
//	dlt type   Parquet
//	text       BYTE_ARRAY STRING
//	bigint     INT64
//	double     DOUBLE
//	bool       BOOLEAN
//	timestamp  INT64 TIMESTAMP(MICROS, isAdjustedToUTC)
//	date       INT32 DATE
//	time       INT64 TIME(MICROS)
//	decimal    FIXED_LEN_BYTE_ARRAY DECIMAL(p, s), default (38, 9)
//	wei        BYTE_ARRAY STRING, the exact decimal integer
//	json       BYTE_ARRAY STRING, compact JSON
//	binary     BYTE_ARRAY
//
// Every column is OPTIONAL. Rows are written in row groups of at most
// RowGroupRows rows and about RowGroupBytes bytes of values, so memory
// stays bounded whatever a table's size.
package filesystem

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/schema"
)

// Name is the destination type's name.
const Name = "filesystem"

// RowGroupRows caps the rows of one Parquet row group.
const RowGroupRows = 128 * 1024

// RowGroupBytes ends a row group once about this many bytes of values are
// buffered for it: the writer keeps a row group in memory until it ends,
// so this bounds the memory of each open file.
const RowGroupBytes = 4 << 20

// stagingDir is the folder of the bucket that holds running loads.
const stagingDir = ".sluice-staging"

// initFile is dlt's marker of an initialised dataset folder.
const initFile = "init"

// initContent is what dlt writes into the init file (storage version 2).
const initContent = `{"initial_version": 2, "current_version": 2}`

// Register adds the filesystem type to r.
func Register(r *destination.Registry) {
	r.Register(destination.Type{
		Name:         Name,
		URL:          true,
		Field:        "bucket_url",
		Dispositions: []string{schema.Append, schema.Replace, schema.Skip},
		NoQuery:      true,
		Open: func(ctx context.Context, cfg destination.Config) (destination.Destination, error) {
			return Open(ctx, cfg)
		},
	})
}

// Lake is an open bucket folder, for one dataset.
type Lake struct {
	url     string
	bucket  string
	dataset string
	dir     string
	inTx    atomic.Bool
}

var (
	_ destination.Destination = (*Lake)(nil)
	_ destination.Tx          = (*Tx)(nil)
)

// BucketPath returns the folder a `file://` bucket URL names. Any other
// URL is an error naming the bucket_url field.
func BucketPath(bucketURL string) (string, error) {
	u, err := url.Parse(bucketURL)
	if err != nil || u.Scheme == "" {
		return "", fmt.Errorf("bucket_url %q is not a URL: write it as file:///absolute/path/to/lake", bucketURL)
	}
	if u.Scheme != "file" {
		return "", fmt.Errorf("bucket_url %q: the filesystem destination writes only to local folders (file:///absolute/path); %s:// buckets are not supported", bucketURL, u.Scheme)
	}
	if u.Host != "" && u.Host != "localhost" {
		return "", fmt.Errorf("bucket_url %q names the host %q: write a local folder with three slashes, file:///absolute/path", bucketURL, u.Host)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("bucket_url %q: a file:// URL takes no ?query or #fragment", bucketURL)
	}
	p := u.Path
	if p == "" || !filepath.IsAbs(p) {
		return "", fmt.Errorf("bucket_url %q: the path must be absolute, as in file:///data/lake", bucketURL)
	}
	return filepath.Clean(p), nil
}

// Open opens the bucket cfg.Path names (a `file://` URL) for the dataset
// cfg.Dataset, creating the bucket folder if needed, and finishes or
// removes the loads that processes killed earlier left behind.
func Open(ctx context.Context, cfg destination.Config) (*Lake, error) {
	if f := strings.ToLower(cfg.Format); f != "" && f != "parquet" {
		return nil, fmt.Errorf("filesystem: format %q is not supported: write format: parquet (or leave format out)", cfg.Format)
	}
	bucket, err := BucketPath(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("filesystem: %w", err)
	}
	if cfg.Dataset == "" || strings.ContainsAny(cfg.Dataset, `/\`) || cfg.Dataset == "." || cfg.Dataset == ".." {
		return nil, fmt.Errorf("filesystem: the dataset name %q cannot be a folder name: set pipeline.dataset to a plain name", cfg.Dataset)
	}
	if err := os.MkdirAll(bucket, 0o755); err != nil {
		return nil, fmt.Errorf("filesystem: creating the bucket folder of bucket_url: %w", err)
	}
	l := &Lake{url: cfg.Path, bucket: bucket, dataset: cfg.Dataset, dir: filepath.Join(bucket, cfg.Dataset)}
	if err := recoverStaging(filepath.Join(bucket, stagingDir)); err != nil {
		return nil, fmt.Errorf("filesystem: finishing an interrupted load in %s: %w", bucket, err)
	}
	return l, nil
}

// Dir returns the dataset's folder.
func (l *Lake) Dir() string { return l.dir }

// Describe implements destination.Destination.
func (l *Lake) Describe() string {
	return "filesystem at " + l.url + " (dataset " + l.dataset + ", parquet)"
}

// Close implements destination.Destination.
func (l *Lake) Close() error { return nil }

var errInTx = errors.New("filesystem: a run transaction is open; read through the transaction")

// TableExists implements destination.Reader: a table exists when its
// folder holds at least one file.
func (l *Lake) TableExists(ctx context.Context, table string) (bool, error) {
	if l.inTx.Load() {
		return false, errInTx
	}
	return l.tableHasFiles(table)
}

func (l *Lake) tableHasFiles(table string) (bool, error) {
	names, err := listFiles(filepath.Join(l.dir, table))
	return len(names) > 0, err
}

// Query implements destination.Reader for the loader's system-table
// statements (see system.go).
func (l *Lake) Query(ctx context.Context, query string, args []any, row func(scan func(dest ...any) error) error) error {
	if l.inTx.Load() {
		return errInTx
	}
	return l.query(nil, query, args, row)
}

// listFiles returns the names of the visible files of dir (no folders, no
// dot files), sorted; a missing folder has none.
func listFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") || e.Name() == initFile {
			continue
		}
		out = append(out, e.Name())
	}
	return out, nil
}
