//go:build duckdb

package pipeline

import (
	"database/sql"

	"github.com/sluicehq/sluice/runtime/destination/duckdb"
)

func init() {
	destinationRegistrars = append(destinationRegistrars, duckdb.Register)
	sqlOpeners["duckdb"] = func(path, dataset string) (*sql.DB, func(), error) {
		db, err := duckdb.Open(path, dataset)
		if err != nil {
			return nil, nil, err
		}
		return db.SQL(), func() { db.Close() }, nil
	}
}
