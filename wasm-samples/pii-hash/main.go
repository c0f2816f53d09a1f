// Command pii-hash is a sluice map step (WebAssembly) that replaces each
// field named in config `fields` (top-level keys) with the lowercase hex
// SHA-256 of its value, so that personal data never lands in clear. Build
// it with `make wasm-samples`; see README.md.
package main

// main never runs: the module is a reactor, and plugin.go registers the
// map step in init.
func main() {}
