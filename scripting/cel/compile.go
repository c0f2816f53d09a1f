package cel

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
)

// MaxSourceBytes bounds an expression's text: CEL is for expressions, a
// longer program belongs in JavaScript or WASM.
const MaxSourceBytes = 100_000

// issuePos is how cel-go starts each problem it reports.
var issuePos = regexp.MustCompile(`ERROR: <input>:(\d+):(\d+):`)

// compiled is a parsed and type-checked expression, ready to be built.
type compiled struct {
	ast *cel.Ast
	// name is the hook's variable: item, value or response.
	name string
	// loops tells whether the expression has a comprehension (all,
	// exists, exists_one, map, filter, …): only those can run long, so
	// only those are evaluated with the deadline checked inside.
	loops bool
	// maxCost is the most the expression can cost in one evaluation, as
	// cel-go's estimator bounds it (math.MaxUint64 when it depends on the
	// size of the input): when it is within the cost limit, evaluation
	// needs no cost tracking.
	maxCost uint64
}

// noHints is a cost estimator that knows nothing beyond the types: sizes
// of the input are unbounded.
type noHints struct{}

func (noHints) EstimateCallCost(string, string, *cost.AstNode, []cost.AstNode) *cost.CallEstimate {
	return nil
}

func (noHints) EstimateSize(cost.AstNode) *cost.SizeEstimate { return nil }

// compile parses and type-checks src against the hook's variable (name)
// and config, and
// checks that its type can be what the hook needs (want, or dyn). The
// error has the position and a caret under the problem.
func compile(name, src string, want ...*cel.Type) (*compiled, error) {
	if strings.TrimSpace(src) == "" {
		return nil, fmt.Errorf("the CEL expression is empty")
	}
	if len(src) > MaxSourceBytes {
		return nil, fmt.Errorf("the CEL expression is %d bytes, over the %d an expression may have; write a longer program in JavaScript", len(src), MaxSourceBytes)
	}
	env, err := checkEnv(name)
	if err != nil {
		return nil, fmt.Errorf("cel: the environment: %w", err)
	}
	ast, iss := env.Compile(src)
	if iss != nil && iss.Err() != nil {
		msg := strings.ReplaceAll(iss.String(), "ERROR: <input>:-1:0: ", "") // a problem of the whole expression
		msg = issuePos.ReplaceAllString(msg, "line $1, column $2:")
		if strings.Contains(msg, "no matching overload for '_?_:_'") {
			msg += "\n(the two branches of ?: must have the same type: wrap one in dyn(…), e.g. cond ? dyn(\"ignore\") : {\"status\": 200})"
		}
		return nil, fmt.Errorf("invalid CEL expression: %s", msg)
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
	maxCost := uint64(math.MaxUint64)
	if est, err := env.EstimateCost(ast, noHints{}); err == nil {
		maxCost = est.Max
	}
	return &compiled{ast: ast, name: name, loops: loops, maxCost: maxCost}, nil
}
