// Package cel is the CEL engine of sluice (cel-go): processing steps
// (filter, map, flat_map), incremental.convert and response actions
// written as one CEL expression, registered under type "cel".
//
// An expression is parsed and type-checked once, when the pipeline is
// validated, so a syntax or type error is reported at the field with its
// line and column. Build turns it into a cel.Program bound to the
// resource's host API; the program is shared by every goroutine of the
// resource, and each call evaluates its records with one small
// activation, reused from record to record.
//
// The sandbox is CEL's own: an expression has no statements, no loops
// other than the bounded comprehension macros, no I/O and no globals to
// change. It sees its variable (item, value or response), config and the
// pure functions of the host API: sha256, hmacSha256, hmacSha256Hex,
// base64, hex and now. Each evaluation is bounded by DefaultCostLimit and
// each call (a page of records, a convert, an action) by the resource's
// timeout (extension.DefaultHookTimeout unless limits.timeout_ms says
// otherwise).
package cel
