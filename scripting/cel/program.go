package cel

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"

	"github.com/sluicehq/sluice/runtime/extension"
)

// DefaultCostLimit bounds one evaluation (one record, one convert, one
// response) in CEL's cost units: roughly one per operation, plus one per
// element a comprehension visits or per few bytes a string function
// reads. A filter such as `item.id > 10 && item.active` costs about 5; a
// million is several milliseconds of work, far past any per-record
// expression, and stops a runaway comprehension long before the time
// limit.
const DefaultCostLimit uint64 = 1_000_000

// interruptEvery is how many comprehension iterations pass between two
// checks of the call's deadline.
const interruptEvery = 100

// program is an expression built for one resource: the shared
// cel.Program (safe for concurrent use) and what each evaluation needs.
type program struct {
	prg     cel.Program
	loops   bool
	name    string  // the variable the hook's value is bound to
	config  ref.Val // the hook's config, converted once
	timeout time.Duration
	limit   uint64
}

// build makes the program of c for a resource: now() reads env's clock,
// config is the hook's config, every evaluation is bounded by costLimit
// and every call by the resource's timeout.
func build(c *compiled, config map[string]any, env *extension.Env, costLimit uint64) (*program, error) {
	env = env.WithDefaults()
	e, err := runEnv(c.name, env.Now)
	if err != nil {
		return nil, fmt.Errorf("cel: the environment: %w", err)
	}
	opts := []cel.ProgramOption{cel.EvalOptions(cel.OptOptimize)}
	if costLimit > 0 && c.maxCost > costLimit {
		opts = append(opts, cel.CostLimit(costLimit))
	}
	if c.loops {
		opts = append(opts, cel.InterruptCheckFrequency(interruptEvery))
	}
	prg, err := e.Program(c.ast, opts...)
	if err != nil {
		return nil, fmt.Errorf("cel: %w", err)
	}
	if config == nil {
		config = map[string]any{}
	}
	timeout := env.Limits.Timeout
	if timeout <= 0 {
		timeout = extension.DefaultHookTimeout
	}
	return &program{
		prg: prg, loops: c.loops, name: c.name,
		config:  types.DefaultTypeAdapter.NativeToValue(normalize(config)),
		timeout: timeout, limit: costLimit,
	}, nil
}

// TimeoutError is a call that ran past the resource's time limit.
type TimeoutError struct {
	Limit time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("the CEL expression ran past its time limit of %v; raise it with `limits: {timeout_ms: %d}` on the resource, or make the expression do less",
		e.Limit, 2*e.Limit.Milliseconds())
}

// CostError is an evaluation that passed DefaultCostLimit.
type CostError struct {
	Limit uint64
}

func (e *CostError) Error() string {
	return fmt.Sprintf("the CEL expression passed its cost limit of %d units for one evaluation (each operation, each element a comprehension visits and each few bytes a string function reads count); make it do less per record", e.Limit)
}

// call bounds one call of the hook (a page, a convert, a response) by the
// resource's timeout. The returned context's cause is a *TimeoutError
// once the limit has passed.
func (p *program) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, p.timeout, &TimeoutError{Limit: p.timeout})
}

// activation binds the hook's variable and config for one evaluation.
// It is reused from record to record within one call.
type activation struct {
	name   string
	value  any
	config ref.Val
}

func (a *activation) ResolveName(name string) (any, bool) {
	if name == a.name {
		return a.value, true
	}
	if name == varConfig {
		return a.config, true
	}
	return nil, false
}

func (a *activation) Parent() interpreter.Activation { return nil }

// eval evaluates the program once with act. ctx is the call's context
// from p.call: an expression with comprehensions checks it as it runs;
// one without cannot run long and is checked by the caller between
// evaluations.
func (p *program) eval(ctx context.Context, act *activation) (ref.Val, error) {
	var out ref.Val
	var err error
	if p.loops {
		out, _, err = p.prg.ContextEval(ctx, act)
	} else {
		out, _, err = p.prg.Eval(act)
	}
	if err != nil {
		return nil, p.explain(ctx, err)
	}
	return out, nil
}

// explain turns an evaluation error into one that says what to do.
func (p *program) explain(ctx context.Context, err error) error {
	var cancelled interpreter.EvalCancelledError
	if errors.As(err, &cancelled) && cancelled.Cause == interpreter.CostLimitExceeded {
		return &CostError{Limit: p.limit}
	}
	if errors.Is(err, interpreter.InterruptError{}) || errors.As(err, &cancelled) {
		return p.stopped(ctx)
	}
	return fmt.Errorf("the CEL expression failed: %w", err)
}

// stopped returns why ctx ended: the time limit (a *TimeoutError) or the
// run's own cancellation.
func (p *program) stopped(ctx context.Context) error {
	if cause := context.Cause(ctx); cause != nil {
		return cause
	}
	return ctx.Err()
}
