package pipeline

import (
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
