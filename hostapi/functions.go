package hostapi

// Function describes one function of the host API, as each binding names
// it. The JS binding is the `host` global; CEL gets functions where they
// fit an expression; WASM imports them from module sluice_v1.
type Function struct {
	// Name is the function's name in this description.
	Name string
	// JS is how a script calls it.
	JS string
	// CEL is how an expression calls it; empty when CEL has no binding
	// (CEL expressions have no side effects).
	CEL string
	// WASM is the import of module sluice_v1 (pointer/length pairs for
	// strings; see ABI.md).
	WASM string
	// Doc says what it does.
	Doc string
}

// Functions is the host API, version 1.
var Functions = []Function{
	{Name: "log", JS: "host.log(level, msg)", WASM: "log(level u32, ptr u32, len u32)",
		Doc: "logs msg at level debug, info, warn or error, with the resource and the hook named"},
	{Name: "sha256", JS: "host.sha256(s)", CEL: "sha256(s)", WASM: "sha256(ptr, len, out): 64 hex chars at out",
		Doc: "SHA-256 of the UTF-8 string s, lowercase hex"},
	{Name: "hmac_sha256", JS: "host.hmacSha256(key, s)", CEL: "hmacSha256(key, s)", WASM: "hmac_sha256(kptr, klen, ptr, len, out): 64 hex chars at out",
		Doc: "HMAC-SHA256 of s with key, lowercase hex"},
	{Name: "hmac_sha256_hex", JS: "host.hmacSha256Hex(hexKey, s)", CEL: "hmacSha256Hex(hexKey, s)", WASM: "hmac_sha256_hex(kptr, klen, ptr, len, out) -> i32 (64, or -1 for a bad key)",
		Doc: "HMAC-SHA256 of s with a key given as hex (chained signatures such as AWS SigV4), lowercase hex"},
	{Name: "base64", JS: "host.base64(s)", CEL: "base64(s)", WASM: "base64(ptr, len, out, cap) -> i32 (length)",
		Doc: "standard base64 (with padding) of the UTF-8 string s"},
	{Name: "hex", JS: "host.hex(s)", CEL: "hex(s)", WASM: "hex(ptr, len, out, cap) -> i32 (length)",
		Doc: "lowercase hex of the UTF-8 string s"},
	{Name: "now", JS: "host.now()", CEL: "now()", WASM: "now(out): 24 bytes of RFC 3339; the WASI clocks give the same time",
		Doc: "the current time in UTC, RFC 3339 with milliseconds; tests inject the clock"},
	{Name: "config", JS: "host.config", CEL: "config", WASM: "the config object arrives in sluice_init",
		Doc: "the hook's own `config:` object from the pipeline file ({} when none)"},
	{Name: "kv_get", JS: "host.kv.get(key)", WASM: "kv_get(kptr, klen, out, cap) -> i32 (length of the JSON, -1 when absent)",
		Doc: "the value the resource's hooks kept under key (this run or an earlier one), or null"},
	{Name: "kv_set", JS: "host.kv.set(key, value)", WASM: "kv_set(kptr, klen, vptr, vlen) -> i32 (0 ok)",
		Doc: "keeps a JSON value under key (key up to 256 bytes, value up to 64 KiB of JSON); committed with the load"},
}
