// Package incremental is the incremental cursor of a resource: it decides
// which records of each page are new, advances the cursor and gives back
// the state to store, the way dlt's `incremental` does for a rest_api
// source (reference §6). It does no I/O: the extractor feeds it pages and
// stores its state with the run's rows.
//
// # Configuration
//
// A resource is incremental when its endpoint has an `incremental` object
// (or, in dlt's deprecated form, a query parameter of `type: incremental`):
//
//	endpoint:
//	  path: issues
//	  params:
//	    since: "{incremental.start_value}"
//	  incremental:
//	    cursor_path: updated_at          # a field name or a JSONPath ($.meta.updated_at)
//	    initial_value: "2024-01-01T00:00:00Z"
//	    # end_value: "2024-02-01T00:00:00Z"   # a backfill window: stateless
//	    # last_value_func: max               # or min, for a cursor that shrinks
//	    # row_order: asc                     # or desc: stop paging once out of range
//	    # range_start: closed                # or open: drop rows equal to start_value
//	    # range_end: open                    # or closed: keep rows equal to end_value
//	    # lag: 3600                          # seconds (days for date-only cursors)
//	    # on_cursor_value_missing: raise     # or include, exclude
//	    # primary_key: [id]                  # de-duplication key; [] turns it off
//
// # What a run sees
//
// At the start of a run the cursor's start_value is the last_value stored
// by the previous run, or initial_value on the first run (and always with
// end_value). The placeholders {incremental.initial_value},
// {incremental.start_value}, {incremental.last_value},
// {incremental.end_value} and {incremental.lag} take their values from
// Cursor.Values; start_value stays fixed for the whole run, last_value is
// the running value (a dependent resource's requests see it grow page by
// page, as in dlt). An unset value is null.
//
// # Which records are kept
//
// For last_value_func: max (min is the mirror image) each record's cursor
// value is read (a plain key, or the first JSONPath match), then:
//
//   - a missing or null value raises an error naming cursor_path and the
//     record (on_cursor_value_missing: raise), keeps the record without
//     moving the cursor (include) or drops it (exclude);
//   - with end_value, records above it are dropped, and with range_end:
//     open (the default) also those equal to it;
//   - records below start_value are dropped; with range_start: open also
//     those equal to it;
//   - records equal to start_value that the previous run already loaded
//     are dropped (boundary de-duplication, below);
//   - every other record is kept, and the greatest value seen becomes the
//     running last_value.
//
// The filter compares with the run's fixed start_value, not the running
// maximum, so records between the two are kept (pages need not be
// sorted).
//
// Values compare as dlt compares them in Python: numbers by value
// (integers, floats and big integers alike, exactly); strings by code
// point, so ISO 8601 timestamps written in one format sort in time order
// and timestamps in mixed formats ("…Z" and "…+00:00") do not. An
// initial_value written as an unquoted YAML timestamp is its text and
// compares as text. A number against a string is an error that names the
// field to fix.
//
// # Boundary de-duplication
//
// Several records can share the cursor's last value, and the next run
// starts at that value (range_start: closed), so it would load them again.
// The state therefore keeps a hash of each record at the last value (in
// unique_hashes), and the next run drops the records at start_value whose
// hash it holds. The hash is dlt's: the first 15 bytes of SHAKE128, in
// unpadded base64, of the JSON (sorted keys, no spaces) of the primary key
// value, of the list of the key's values for a compound key, or of the
// whole record when the resource has no primary key, so a state written by
// dlt de-duplicates the same rows. Without a primary key a record that
// changed at the boundary is loaded again (its hash differs). A warning
// is logged when more than 200 records share the last value: a cursor of a
// finer resolution keeps the state small.
//
// De-duplication is off with primary_key: [], range_start: open,
// end_value or lag.
//
// # row_order
//
// With row_order: asc a record past end_value, and with desc a record
// before start_value, means no later page can hold new records: Filter
// reports stop, the current page is still kept in full and no further
// page is requested. Dependent resources ignore it.
//
// # lag
//
// lag re-reads a window before the stored last value on each run:
// start_value is last_value minus lag (plus, for min). Numeric cursors
// move by lag (whole numbers stay whole); ISO timestamp strings move by lag
// seconds and date-only strings (2024-01-31, 20240131) by lag days, and
// are written back in their own format (offset, "Z", number of fraction
// digits). start_value never crosses initial_value, and the stored
// last_value never moves backwards. lag turns de-duplication off (the
// destination's merge must absorb the re-read window) and is ignored with
// end_value.
//
// # State
//
// The state of a cursor is dlt's object {initial_value, last_value,
// unique_hashes, start_value}, stored at
// sources.<source>.resources.<resource>.incremental.<cursor_path>.
// Cursor.State gives it back after the run, Cursor.Changed says whether it
// differs from what was stored (a run that finds nothing new changes
// nothing, and then adds no load package). A run with end_value is a
// stateless backfill: it neither reads nor writes the state.
//
// # Differences from dlt
//
//   - Lagged timestamps keep their number of fraction digits (dlt writes
//     six), and timestamps without a zone but with fractions, or with a
//     space for the "T", can be lagged (dlt returns a datetime object that
//     no longer compares with the records' strings).
//   - The stored last_value never moves backwards even when it is 0 or ""
//     (dlt tests Python truthiness).
//   - With end_value, {incremental.last_value} is the running value (dlt
//     gives initial_value).
//   - A one-column primary key hashes the column's value whether written
//     `primary_key: id` or `primary_key: [id]` (dlt hashes a one-element
//     list for the second): a state written by dlt for `[id]` re-loads the
//     boundary rows once.
//   - Numbers read back from a stored state are whole numbers when they
//     are whole, unless initial_value or end_value is a float.
package incremental
