package cel

import (
	"context"
	"strings"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"

	"github.com/sluicehq/sluice/runtime/extension"
)

// Type is the name the engine registers under.
const Type = "cel"

var (
	sourceField = func(doc string) extension.Field {
		return extension.Field{Name: extension.HookSource, Type: extension.TypeString, Required: true, Doc: doc}
	}
	configField = extension.Field{Name: extension.HookConfig, Type: extension.TypeObject,
		Doc: "the hook's own settings, seen by the expression as `config` ({} when none)"}

	// StepSpec describes CEL processing steps.
	StepSpec = extension.Spec{
		Summary: "A processing step as one CEL expression over `item`: a filter gives true or false, a map an object, a flat_map a list of objects or null.",
		Fields: []extension.Field{
			{Name: extension.HookKind, Type: extension.TypeString, Required: true, Doc: "filter, map or flat_map (dlt's yield_map)"},
			sourceField("the CEL expression, e.g. `item.id > 10` or `{\"id\": item.id * 10, \"name\": item.name}`"),
			configField,
		},
	}
	// ConvertSpec describes a CEL incremental.convert.
	ConvertSpec = extension.Spec{
		Summary: "incremental.convert as one CEL expression over `value`, e.g. `int(timestamp(value))` for Unix seconds.",
		Fields:  []extension.Field{sourceField("the CEL expression over `value`"), configField},
	}
	// ActionSpec describes a CEL response action.
	ActionSpec = extension.Spec{
		Summary: "A response action as one CEL expression over `response` ({status, headers, body}) giving \"continue\", \"ignore\", \"retry\" or \"fail\", or an object with a new status, headers or body.",
		Fields:  []extension.Field{sourceField("the CEL expression over `response`"), configField},
	}
)

// Register adds type "cel" to the processing step, incremental convert
// and response action registries.
func Register(reg *extension.Registries) {
	reg.Steps.Register(Type, StepSpec, parseStep)
	reg.Converts.Register(Type, ConvertSpec, parseConvert)
	reg.Actions.Register(Type, ActionSpec, parseAction)
}

// hookArgs reads the arguments every CEL hook takes and compiles the
// source; a compile problem is recorded at the source field.
func hookArgs(a *extension.Args, name string, want ...*cel.Type) (*compiled, map[string]any) {
	raw, _ := a.Raw(extension.HookSource)
	config := a.Map(extension.HookConfig)
	src, ok := raw.(string)
	if !ok {
		if raw == nil {
			a.Fail(extension.HookSource, "a CEL hook needs its expression")
		} else {
			a.Fail(extension.HookSource, "the CEL expression must be a string, got %T", raw)
		}
		return nil, config
	}
	c, err := compile(name, src, want...)
	if err != nil {
		a.Fail(extension.HookSource, "%v", err)
		return nil, config
	}
	return c, config
}

func parseStep(a *extension.Args) (extension.Builder[extension.Step], error) {
	kind := a.String(extension.HookKind, "")
	if kind == "yield_map" {
		kind = extension.StepFlatMap
	}
	var want []*cel.Type
	switch kind {
	case extension.StepFilter:
		want = []*cel.Type{cel.BoolType}
	case extension.StepMap:
		want = []*cel.Type{cel.MapType(cel.StringType, cel.DynType)}
	case extension.StepFlatMap:
		want = []*cel.Type{cel.ListType(cel.DynType), cel.NullType}
	default:
		a.Fail(extension.HookKind, "a processing step is one of filter, map, flat_map, not %q", kind)
	}
	c, config := hookArgs(a, varItem, want...)
	if c == nil || want == nil {
		return nil, nil
	}
	return extension.BuilderFunc[extension.Step](func(_ context.Context, env *extension.Env) (extension.Step, error) {
		p, err := build(c, config, env, DefaultCostLimit)
		if err != nil {
			return nil, err
		}
		return &step{kind: kind, p: p}, nil
	}), nil
}

func parseConvert(a *extension.Args) (extension.Builder[extension.Converter], error) {
	c, config := hookArgs(a, varValue)
	if c == nil {
		return nil, nil
	}
	return extension.BuilderFunc[extension.Converter](func(_ context.Context, env *extension.Env) (extension.Converter, error) {
		p, err := build(c, config, env, DefaultCostLimit)
		if err != nil {
			return nil, err
		}
		return &converter{p: p}, nil
	}), nil
}

func parseAction(a *extension.Args) (extension.Builder[extension.ResponseAction], error) {
	c, config := hookArgs(a, varResponse, cel.StringType, cel.MapType(cel.StringType, cel.DynType))
	if c == nil {
		return nil, nil
	}
	if lit, ok := literalString(c); ok {
		if _, known := verdicts[strings.ToLower(lit)]; !known {
			return nil, &extension.ArgError{Field: extension.HookSource,
				Msg: `a CEL response action gives "continue", "ignore", "retry" or "fail"; ` + `"` + lit + `" is none of them`}
		}
	}
	return extension.BuilderFunc[extension.ResponseAction](func(_ context.Context, env *extension.Env) (extension.ResponseAction, error) {
		p, err := build(c, config, env, DefaultCostLimit)
		if err != nil {
			return nil, err
		}
		return &action{p: p}, nil
	}), nil
}

// literalString returns the expression's value when it is a plain string
// literal, such as "ignore".
func literalString(c *compiled) (string, bool) {
	e := c.ast.NativeRep().Expr()
	if e.Kind() != celast.LiteralKind {
		return "", false
	}
	s, ok := e.AsLiteral().(types.String)
	return string(s), ok
}
