// Package scripting turns JavaScript snippets (goja), CEL expressions
// (cel-go) and WebAssembly modules (wazero) into the extension interfaces
// of package runtime/extension, so that a scripted paginator or auth is
// registered and used exactly like a built-in one.
//
// The engines arrive in a later version; until then every extension point
// is served by the built-ins in package builtin.
package scripting
