// Package inspect reads what pipelines left in a destination — the loads
// of `_dlt_loads` with the rows each brought, the stored dlt schema
// (tables, columns, types, parent and child tables), row counts, and the
// pipeline state with every resource's incremental cursors — and resets a
// pipeline (Drop).
//
// It reads through destination.Reader and writes through destination.Tx,
// so it works on every destination of the build, and it is the one place
// both `sluice pipeline NAME info|state|drop` and the web UI read from.
// Every function takes an open destination; none opens or closes one.
package inspect
