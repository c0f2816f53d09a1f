// Package samples holds the end-to-end tests of the sample WASM plugins:
// samples_test.go builds sluice and every module in wasm-samples/ (and
// wasm-samples/testdata/) with the standard toolchain, then runs real
// pipelines against test servers. The plugins themselves are the
// package-main folders beside this file.
package samples
