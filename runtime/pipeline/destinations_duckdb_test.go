//go:build duckdb

package pipeline

import "github.com/sluicehq/sluice/runtime/destination/duckdb"

func init() {
	destinationRegistrars = append(destinationRegistrars, duckdb.Register)
}
