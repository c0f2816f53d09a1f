package cel

import (
	"fmt"
	"strings"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
)

// MaxSourceBytes bounds an expression's text: CEL is for expressions, a
// longer program belongs in JavaScript or WASM.
const MaxSourceBytes = 100_000

// compiled is a parsed and type-checked expression, ready to be built.
type compiled struct {
	ast *cel.Ast
	// loops tells whether the expression has a comprehension (all,
	// exists, exists_one, map, filter, …): only those can run long, so
	// only those are evaluated with the deadline checked inside.
	loops bool
}

// compile parses and type-checks src against the hook's variables and
// checks that its type can be what the hook needs (want, or dyn). The
// error has the position and a caret under the problem.
func compile(src string, want ...*cel.Type) (*compiled, error) {
	if strings.TrimSpace(src) == "" {
		return nil, fmt.Errorf("the CEL expression is empty")
	}
	if len(src) > MaxSourceBytes {
		return nil, fmt.Errorf("the CEL expression is %d bytes, over the %d an expression may have; write a longer program in JavaScript", len(src), MaxSourceBytes)
	}
	env, err := checkEnv()
	if err != nil {
		return nil, fmt.Errorf("cel: the environment: %w", err)
	}
	ast, iss := env.Compile(src)
	if iss != nil && iss.Err() != nil {
		return nil, fmt.Errorf("invalid CEL expression: %s", strings.TrimPrefix(iss.String(), "ERROR: "))
	}
	if len(want) > 0 {
		out := ast.OutputType()
		ok := out.Kind() == types.DynKind || out.Kind() == types.AnyKind
		for _, w := range want {
			if out.IsAssignableType(w) || w.IsAssignableType(out) {
				ok = true
			}
		}
		if !ok {
			names := make([]string, len(want))
			for i, w := range want {
				names[i] = w.String()
			}
			return nil, fmt.Errorf("the CEL expression gives %s; it must give %s", out, strings.Join(names, " or "))
		}
	}
	nav := celast.NavigateAST(ast.NativeRep())
	loops := len(celast.MatchDescendants(nav, celast.KindMatcher(celast.ComprehensionKind))) > 0
	return &compiled{ast: ast, loops: loops}, nil
}
