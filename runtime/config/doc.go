// Package config reads a sluice pipeline file: the `pipeline:` section and
// the `source:` section, which is dlt's RESTAPIConfig written in YAML, field
// for field. It resolves ${VAR} values from the environment and
// secrets.toml, merges resource_defaults into each resource exactly as dlt
// does, and validates the whole file, reporting every problem at once with
// its YAML path and line.
//
// # Reading
//
// The YAML is read into a node tree and walked by hand, so that every
// problem carries the path of the value (source.resources[0].endpoint.path)
// and its line and column. Anchors, aliases and `<<` merge keys are
// expanded first; a key given twice in one mapping is a problem (YAML
// forbids it, and the second value would silently win otherwise).
//
// # Values from outside
//
// In every string value (not in keys), ${NAME} is replaced by the
// environment variable NAME, or, when it is not set, by the value at the
// dotted key NAME in secrets.toml beside the pipeline file
// (${sources.github.token} reads `token` of the [sources.github] table). A
// dotted name is also looked up in the environment the way dlt names its
// config keys (SOURCES__GITHUB__TOKEN) before secrets.toml. ${NAME:-text}
// gives text when NAME is unset or empty; `$${` is a literal `${`. dlt's own
// single-brace placeholders ({resources.p.id}, {incremental.start_value})
// are left for the engine. A value that came wholly from ${NAME} is still
// a string: numeric and boolean fields (concurrency, selected, …) accept
// such a string when it holds a number or a boolean.
//
// A JavaScript template literal in a processing step (`${item.id}`) looks
// like a reference: write $${item.id} there.
//
// # Secrets
//
// File.Secrets lists the values that must never be printed: every value a
// ${NAME} reference took from the environment (under its own name or its
// dlt-style name) or from secrets.toml, whatever the name, and the value of
// every field an extension's Spec marks Secret (a literal token too). A
// ${NAME:-fallback} fallback is not a secret: it is written in the file. Problems
// never contain them: a secret quoted in a message is masked the way dlt
// masks it (first character, *****, last character).
//
// # Merging resource_defaults (dlt §1.4)
//
// A string resource "posts" is {name: posts, endpoint: {path: posts}}; a
// string endpoint is {path: …}; a missing path is the resource name (before
// the merge, so a path in resource_defaults never applies). Then the
// resource's top-level keys replace the defaults' whole; inside endpoint the
// keys replace as a whole too, except params and json, which are merged one
// level deep (the defaults' keys first, the resource's value winning);
// columns are merged per column and per hint. An explicit null in the
// resource (paginator: null, data_selector: null, primary_key: null)
// overrides the default.
//
// # Validation
//
// Unknown keys are problems at every level, with a hint when the key
// belongs at another level (params on a resource belongs in its endpoint;
// primary_key in an endpoint belongs on the resource; base_url belongs in
// the client) or looks like a typo of an allowed key. Paginators and auths
// are parsed (never built: parsing has no side effects) with
// Options.Registries, so an unknown type lists the known ones and a bad
// argument is reported at its own line. The semantic
// checks of dlt that need no HTTP are run too: placeholders in path,
// params, json, data and headers; parents that exist; one parent per
// resource; include_from_parent only on a child; resolve params bound in
// the path; one incremental param; no dependency cycle. Messages of those
// checks keep dlt's wording.
//
// Differences from dlt: every problem is reported, not only the first;
// `sluice`'s own fields (client.rate_limit, client.concurrency,
// client.retry, resource limits, hooks as {js|cel|wasm}) are accepted; an
// auth string shorthand is not filled from dlt's credential sections; the
// static path params of §5.6 ({id} in the path bound from params) and
// single-entity detection are left to the engine, which sees the path and
// params as written.
package config
