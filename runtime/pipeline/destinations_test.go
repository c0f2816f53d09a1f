package pipeline

import (
	"database/sql"
	"testing"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/destination/sqlite"
)

// destinationRegistrars are the destinations the tests can load into:
// sqlite always, duckdb in a build with -tags duckdb
// (destinations_duckdb_test.go).
var destinationRegistrars = []func(*destination.Registry){sqlite.Register}

// testDestinations returns the destination registry of the test build.
func testDestinations() *destination.Registry {
	r := destination.NewRegistry()
	for _, register := range destinationRegistrars {
		register(r)
	}
	return r
}

// sqlOpeners open a database file of each test destination for reading
// back with the destination's own driver; dataset is the schema of a
// destination that has schemas.
var sqlOpeners = map[string]func(path, dataset string) (*sql.DB, func(), error){
	"sqlite": func(path, _ string) (*sql.DB, func(), error) {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			return nil, nil, err
		}
		return db, func() { db.Close() }, nil
	},
}

// forEachDestination runs f once per destination of the test build, as a
// subtest named after it.
func forEachDestination(t *testing.T, f func(t *testing.T, dest string)) {
	dests := testDestinations()
	for _, name := range dests.Names() {
		t.Run(name, func(t *testing.T) { f(t, name) })
	}
}
