// Package extension defines the extension points of sluice: the request and
// response shapes that hooks see, one interface per point (Paginator,
// Authenticator), and the registries that map a YAML `type:` to a
// constructor.
//
// A built-in paginator (package builtin), a JavaScript one and a WASM one
// (package scripting) are implementations of the same interface: the engine
// never asks which one it holds.
//
// # Lifecycle
//
// The engine builds a fresh Paginator for every request chain (one per
// top-level resource run and one per parent record for dependent resources),
// so a Paginator may keep state without locking. An Authenticator is built
// once per resource and must be safe for concurrent use.
package extension
