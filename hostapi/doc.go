// Package hostapi is the sandboxed host API that JavaScript, CEL and WASM
// extensions call, version 1: log at a level, sha256 / hmac-sha256 /
// base64 / hex, the current time, the hook's own config, and a small
// key-value store per resource kept in the pipeline state (committed with
// the load). It depends on nothing of the engine: the engines build a Host
// from their environment and bind its functions.
//
// Functions is the one description of the API that the JS binding
// (scripting/js: the `host` global), the CEL binding (scripting/cel) and
// the WASM binding (the sluice_v1 imports) follow, function for function,
// and that docs/scripting.md documents.
package hostapi

// Version is the host API version a plugin is built against. It is the
// number in the WASM import module name (sluice_v1).
const Version = 1
