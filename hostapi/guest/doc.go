// Package guest is the Go side of the sluice WASM ABI, version 1
// (hostapi/ABI.md): a plugin imports it, registers its function in init()
// and is built with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o NAME.wasm ./NAME
//
// The package provides the module's exports (sluice_abi, sluice_alloc,
// sluice_free, sluice_describe, sluice_init, the hook exports and
// sluice_gc), a JSON codec without reflection, and the host API (Sha256,
// HmacSha256, Now, KVGet, …) over the sluice_v1 imports. Built for another
// target (the host's tests), the host API runs in plain Go, so a plugin's
// logic can be unit-tested with `go test`.
package guest
