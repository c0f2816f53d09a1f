// Package wasm is the WebAssembly engine on wazero: processing steps,
// paginators, auths, response actions and incremental.convert written as
// WASM modules that speak the sluice_v1 ABI (hostapi/ABI.md), typically
// Go built with GOOS=wasip1 GOARCH=wasm -buildmode=c-shared and the
// hostapi/guest package.
//
// Each module is compiled once per process and memory limit (with
// wazero's compilation cache in extension.Env.CacheDir) and shared by every resource
// that uses it; each built hook keeps a pool of instances, one per
// concurrent caller, each initialised once with the hook's config. A call
// runs under the resource's limits (memory, default 64 MiB; time per
// call, default extension.DefaultHookTimeout) and with no filesystem,
// network, environment or arguments; the WASI clocks read the run's clock
// and random_get reads crypto/rand. An instance that traps, runs out of
// memory or passes its deadline is closed and never reused.
package wasm
