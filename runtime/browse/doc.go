// Package browse reads what a load left in a destination, for people to
// look at: the loads of `_dlt_loads` with their rows per table, the tables
// as the stored dlt schema (`_dlt_version`) describes them with the
// parent → child tree and row counts, pages of rows, the pipeline state of
// `_dlt_pipeline_state` with its incremental cursors, and the schema's
// version history.
//
// It reads through destination.Reader only (Query with `?` placeholders,
// TableExists), so it works on every destination the binary has. It
// never writes, and it never puts text from its caller into SQL: table and
// column names are checked against the stored schema and quoted, values
// (filters, page cursors) are bound parameters.
//
// Pages of rows are keyset pages: ordered by a sort column and a row key
// (the destination's rowid when it has one, else `_dlt_id`), each page
// starting after the last row of the previous one, so page 1000 of a big
// table costs what page 1 does (no OFFSET).
package browse
