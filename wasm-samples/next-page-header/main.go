// Command next-page-header is a sluice paginator plugin (WebAssembly): the
// number of the next page arrives in a response header (config `header`,
// e.g. X-Next-Page) and goes into a query parameter (config `param`, e.g.
// page) of the next request; it stops when the header is absent. Build it
// with `make wasm-samples`; see README.md.
package main

// main never runs: the module is a reactor, and plugin.go registers the
// paginator in init.
func main() {}
