package inspect

import (
	"context"
	"time"

	"github.com/sluicehq/sluice/runtime/browse"
	"github.com/sluicehq/sluice/runtime/destination"
)

// Load is one row of `_dlt_loads`: a completed load (status 0) and the rows
// of each table that still carry its load id.
type Load struct {
	LoadID            string `json:"load_id"`
	SchemaName        string `json:"schema_name"`
	Status            int64  `json:"status"`
	InsertedAt        string `json:"inserted_at"`
	SchemaVersionHash string `json:"schema_version_hash,omitempty"`
	// Rows counts, per data table, the rows in the table now that came
	// with this load: rows a later merge replaced or a replace emptied
	// are no longer counted. Tables without rows of the load are left
	// out.
	Rows map[string]int64 `json:"rows"`
}

// Loads returns the newest limit loads (all when limit <= 0), newest
// first, each with its rows per table of the stored schema, as
// runtime/browse counts them (nested tables through their root rows).
// A destination without `_dlt_loads` has no loads: nil, no error.
func Loads(ctx context.Context, r destination.Reader, limit int) ([]Load, error) {
	bl, err := browse.New(r).Loads(ctx)
	if err != nil {
		return nil, err
	}
	var loads []Load
	for i, l := range bl {
		if limit > 0 && i >= limit {
			break
		}
		ld := Load{LoadID: l.ID, SchemaName: l.SchemaName, Status: l.Status, SchemaVersionHash: l.SchemaVersionHash, Rows: map[string]int64{}}
		if !l.InsertedAt.IsZero() {
			ld.InsertedAt = l.InsertedAt.UTC().Format(time.RFC3339Nano)
		}
		for _, c := range l.Rows {
			if c.Rows > 0 {
				ld.Rows[c.Table] = c.Rows
			}
		}
		loads = append(loads, ld)
	}
	return loads, nil
}
