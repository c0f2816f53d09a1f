//go:build duckdb

package load_test

import (
	"database/sql"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/destination/duckdb"
)

// testDataset is the schema the DuckDB tests load into.
const testDataset = "pipe_dataset"

func init() {
	testDests = append(testDests, testDest{
		name: "duckdb", ext: ".duckdb",
		open: func(path string) (destination.Destination, error) { return duckdb.Open(path, testDataset) },
		sql: func(path string) (*sql.DB, func(), error) {
			db, err := duckdb.Open(path, testDataset)
			if err != nil {
				return nil, nil, err
			}
			return db.SQL(), func() { db.Close() }, nil
		},
	})
}
