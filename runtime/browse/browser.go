package browse

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/load"
	"github.com/sluicehq/sluice/runtime/schema"
)

// Browser reads one destination. It is safe for concurrent use (the
// Reader it wraps serializes what it must).
type Browser struct {
	r destination.Reader

	mu sync.Mutex
	// keys caches the row key expression per table ("rowid" or `_dlt_id`)
	keys map[string]string
}

// New returns a Browser over r.
func New(r destination.Reader) *Browser {
	return &Browser{r: r, keys: map[string]string{}}
}

// ErrNoSchema is returned when the destination has no stored schema: no
// `_dlt_version` table, or an empty one (nothing was loaded yet).
var ErrNoSchema = errors.New("the destination has no stored dlt schema (_dlt_version is missing or empty): load something with sluice run first")

// Schema returns the newest stored schema (of the schema most recently
// stored, when the destination holds several).
func (b *Browser) Schema(ctx context.Context) (*schema.Schema, error) {
	ok, err := b.r.TableExists(ctx, schema.VersionTableName)
	if err != nil {
		return nil, fmt.Errorf("browse: %w", err)
	}
	if !ok {
		return nil, ErrNoSchema
	}
	var name *string
	err = b.r.Query(ctx, `SELECT "schema_name" FROM "_dlt_version" ORDER BY "inserted_at" DESC, "version" DESC LIMIT 1`, nil,
		func(scan func(...any) error) error { return scan(&name) })
	if err != nil {
		return nil, fmt.Errorf("browse: reading _dlt_version: %w", err)
	}
	if name == nil {
		return nil, ErrNoSchema
	}
	s, err := load.StoredSchema(ctx, b.r, *name)
	if err != nil {
		return nil, fmt.Errorf("browse: %w", err)
	}
	if s == nil {
		return nil, ErrNoSchema
	}
	return s, nil
}

// rowKey returns the key expression keyset pages of table order by: the
// destination's rowid when a probe query accepts it (SQLite, DuckDB),
// otherwise `_dlt_id`, which every dlt data table has.
func (b *Browser) rowKey(ctx context.Context, table string) string {
	b.mu.Lock()
	k, ok := b.keys[table]
	b.mu.Unlock()
	if ok {
		return k
	}
	k = destination.QuoteIdent(schema.ColID)
	if err := b.r.Query(ctx, `SELECT rowid FROM `+destination.QuoteIdent(table)+` LIMIT 0`, nil,
		func(func(...any) error) error { return nil }); err == nil {
		k = "rowid"
	}
	b.mu.Lock()
	b.keys[table] = k
	b.mu.Unlock()
	return k
}

// count returns the rows of table, run as `SELECT count(*)` with an
// optional WHERE clause and its arguments.
func (b *Browser) count(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := b.r.Query(ctx, query, args, func(scan func(...any) error) error { return scan(&n) })
	return n, err
}
