// Package extension defines the extension points of sluice: the request and
// response shapes that hooks see, one interface per point (PaginatorFactory
// and Paginator, Authenticator), the lifecycle every extension follows, and
// the registries that map a YAML `type:` to a parse step.
//
// A built-in paginator (package builtin), a JavaScript one and a WASM one
// (package scripting) are implementations of the same interface: the engine
// never asks which one it holds.
//
// # Lifecycle
//
// Every extension type goes through the same steps, as restic's backends
// (ParseConfig, then Open) and Caddy's modules (provision, cleanup) do:
//
//	Parse(args)           side-effect free: checks the arguments against the
//	                      type's Spec (its typed fields: default, secret,
//	                      docs) and returns a Builder. All `validate` runs.
//	Build(ctx, *Env) → T  once per resource and run: compiles a script or a
//	                      module. Env carries the resource's name, its
//	                      limits, the pipeline file's folder, the logger,
//	                      the clock and the resource's key-value store.
//	T's methods(ctx, …)   every call takes the run's context, so that a
//	                      deadline reaches a goja interrupt or a wazero call.
//	Close()               when T implements io.Closer, the engine closes it
//	                      after the run, whether it succeeded or not.
//
// A PaginatorFactory hands out a fresh Paginator for every request chain,
// so a Paginator may keep state without locking. An Authenticator is built
// once per resource and must be safe for concurrent use.
//
// Registering a new engine (JavaScript, WASM) is new files only: a package
// with a ParseFunc per point, registered from main next to
// builtin.Register. The conformance walk every paginator passes is in
// package paginatortest.
package extension
