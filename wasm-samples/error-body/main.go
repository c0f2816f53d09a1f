// Command error-body is a sluice response action (WebAssembly) for APIs
// that report errors with a 200: when the JSON body has a non-null value
// at config `path` (e.g. error), it answers config `action` (fail or
// retry). Build it with `make wasm-samples`; see README.md.
package main

// main never runs: the module is a reactor, and plugin.go registers the
// response action in init.
func main() {}
