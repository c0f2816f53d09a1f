package wasm

import "github.com/sluicehq/sluice/runtime/extension"

// Type is the name the engine registers under in every registry.
const Type = "wasm"

// Register adds the WASM engine to reg: type "wasm" for processing steps,
// incremental.convert, response actions, paginators and auths.
func Register(reg *extension.Registries) {
	reg.Steps.Register(Type, StepSpec, ParseStep)
	reg.Converts.Register(Type, ConvertSpec, ParseConvert)
	reg.Actions.Register(Type, ActionSpec, ParseAction)
	reg.Paginators.Register(Type, PaginatorSpec, ParsePaginator)
	reg.Auths.Register(Type, AuthSpec, ParseAuth)
}
