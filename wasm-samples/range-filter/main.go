// Command range-filter is a sluice filter step (WebAssembly) that keeps a
// record when the number at config `field` lies within config `min` and
// `max` (both optional, both inclusive). Build it with `make
// wasm-samples`; see README.md.
package main

// main never runs: the module is a reactor, and plugin.go registers the
// filter in init.
func main() {}
