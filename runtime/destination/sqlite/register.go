package sqlite

import (
	"context"

	"github.com/sluicehq/sluice/runtime/destination"
)

// Name is the destination type name of SQLite.
const Name = "sqlite"

// Register adds the SQLite destination to r: `destination: sqlite`,
// default file `<pipeline name>.db`. SQLite has no schemas, so the dataset
// is not used. Config.ReadOnly opens an existing file read-only.
func Register(r *destination.Registry) {
	r.Register(destination.Type{
		Name: Name,
		Ext:  ".db",
		Open: func(_ context.Context, cfg destination.Config) (destination.Destination, error) {
			if cfg.ReadOnly {
				return OpenReadOnly(cfg.Path)
			}
			return Open(cfg.Path)
		},
	})
}
