//go:build duckdb

package main

import "github.com/sluicehq/sluice/runtime/destination/duckdb"

// A build with -tags duckdb (cgo) loads into DuckDB too.
func init() {
	destinationRegistrars = append(destinationRegistrars, duckdb.Register)
}
