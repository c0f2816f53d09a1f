//go:build wasip1

// Command badabi is a test guest that claims ABI version 2.
package main

//go:wasmexport sluice_abi
func abi() uint32 { return 2 }

//go:wasmexport sluice_alloc
func alloc(n uint32) uint32 { return 0 }

//go:wasmexport sluice_free
func free(p uint32) {}

//go:wasmexport sluice_describe
func describe() uint64 { return 0 }

//go:wasmexport sluice_init
func initConfig(p, n uint32) uint64 { return 0 }

func main() {}
