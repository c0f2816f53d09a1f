package main

import (
	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/destination/filesystem"
	"github.com/sluicehq/sluice/runtime/destination/postgres"
	"github.com/sluicehq/sluice/runtime/destination/sqlite"
)

// destinationRegistrars fill the destination registry of this build, in
// order: SQLite, PostgreSQL and filesystem (Parquet) always (pure Go, so
// the static CGO_ENABLED=0 build has them), DuckDB when built with -tags
// duckdb (destinations_duckdb.go). The engine never names an
// implementation.
var destinationRegistrars = []func(*destination.Registry){
	sqlite.Register,
	postgres.Register,
	filesystem.Register}

// destinations returns the destination registry of this build.
func destinations() *destination.Registry {
	r := destination.NewRegistry()
	for _, register := range destinationRegistrars {
		register(r)
	}
	return r
}
