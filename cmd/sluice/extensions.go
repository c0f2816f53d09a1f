package main

import (
	"github.com/sluicehq/sluice/builtin"
	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/scripting/cel"
	"github.com/sluicehq/sluice/scripting/js"
	"github.com/sluicehq/sluice/scripting/wasm"
)

// registrars fill the extension registries of this build, in order: the
// built-in paginators and auths first, then each scripting engine. Adding
// an engine (JavaScript, CEL, WASM) is its own package plus one line here;
// the engine, config and validate never name an implementation.
var registrars = []func(*extension.Registries){
	builtin.Register,
	js.Register,
	cel.Register,
	wasm.Register,
}

// registries returns the extension registries of this build. validate and
// run use the same ones, so validate accepts exactly the types run can
// build.
func registries() *extension.Registries {
	r := extension.NewRegistries()
	for _, register := range registrars {
		register(r)
	}
	return r
}
