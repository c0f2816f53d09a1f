// Command sigv4 is a sluice auth plugin (WebAssembly) that signs every
// outgoing request with AWS Signature Version 4: method, path, query,
// headers and body. Build it with `make wasm-samples`; its config keys are
// access_key_id, secret_access_key, region, service and the optional
// session_token (see README.md).
package main

// main never runs: the module is a reactor, and plugin.go registers the
// auth hook in init.
func main() {}
