// Package js is sluice's JavaScript engine (goja): processing steps
// (filter, map, flat_map), incremental.convert, response actions,
// paginators ({type: js, script: …}) and auths ({type: js, script: …}),
// registered under the type "js" in every registry (see Register).
//
// A snippet sees its input (item, value, response, request) and one global
// of the host API, host (package hostapi, built from hostapi.Functions so
// that the description and the binding cannot drift), plus console, whose
// methods log through host.log. Nothing else: goja has no require, no
// filesystem, network, environment or process, and the host object and
// the built-in constructors and prototypes are frozen. Each call is
// bounded in time (the resource's limits.timeout_ms, else
// extension.DefaultHookTimeout) by goja's Interrupt, which also fires when
// the run's context ends.
//
// A snippet is compiled once, in Parse (so syntax errors show in
// validate), and the compiled program is shared; runtimes are pooled, one
// per concurrent caller, because a goja runtime is not safe for concurrent
// use.
//
// Values cross as JSON values: records go in as native JS objects (a deep
// copy, so a script may change item freely) and come back as map[string]any,
// []any, int64 for whole numbers, float64, string, bool and nil. Integers
// beyond ±2^53, which a JS number cannot hold exactly, go in as BigInt and
// come back as the exact int64: see docs/scripting-js.md.
package js
