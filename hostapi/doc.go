// Package hostapi is the sandboxed host API that JavaScript, CEL and WASM
// extensions call: logging, sha256 / hmac-sha256 / base64 / hex, the
// current time, the plugin's own config and a per-resource key-value store
// kept in the pipeline state. It depends on nothing of the engine.
//
// This version of sluice ships no scripted extensions yet, so the package
// holds only the API version that the engines and the WASM ABI will share.
package hostapi

// Version is the host API version a plugin is built against. It is the
// number in the WASM import module name (sluice_v1).
const Version = 1
