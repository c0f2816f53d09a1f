package extension

import (
	"context"
	"fmt"
	"time"
)

// Kinds of processing steps (the keys of a processing_steps entry).
const (
	StepFilter  = "filter"
	StepMap     = "map"
	StepFlatMap = "flat_map" // dlt's yield_map is the same step
)

// DefaultHookTimeout bounds one call of a scripted or WASM hook (a step's
// call on one page, a paginator's next, an auth, a response action, a
// convert) when the resource's limits.timeout_ms does not say otherwise.
const DefaultHookTimeout = 2 * time.Second

// Step is one entry of a resource's processing_steps, built for the
// resource: a filter, a map or a flat_map. Steps run between the data
// selector and the incremental filter, in file order, one page at a time.
//
// Apply gets a page's records in order and returns the records that go on:
// a filter keeps those its function finds truthy, a map returns one record
// per record, a flat_map any number per record (a null or an empty list
// drops it). Apply must not change the records it is given (the parent's
// records are read by its children at the same time); it returns new
// values where it changes one. It must be safe for concurrent use: the
// request chains of a dependent resource run at once. A failure at a
// record is a *StepError.
type Step interface {
	Apply(ctx context.Context, records []any) ([]any, error)
}

// StepError is a step's failure at one record of a page: its function
// threw, timed out or returned the wrong shape.
type StepError struct {
	// Index is the record's position in the page given to Apply, from 0.
	Index int
	Err   error
}

func (e *StepError) Error() string { return fmt.Sprintf("record %d: %v", e.Index+1, e.Err) }

func (e *StepError) Unwrap() error { return e.Err }

// Converter is incremental.convert: it turns each incremental value
// (initial_value, start_value, last_value, end_value; never a null) into
// the form the API's requests take, e.g. an RFC 3339 timestamp into Unix
// seconds. It must be safe for concurrent use.
type Converter interface {
	Convert(ctx context.Context, v any) (any, error)
}

// The arguments the engine gives a hook's parse step (the registries of
// steps, converts and scripted response actions are keyed by engine: js,
// cel, wasm). A hook reads the ones it takes with Args and fails on what
// it cannot do.
const (
	// HookKind is the step kind (StepFilter, StepMap, StepFlatMap); absent
	// for converts and response actions.
	HookKind = "kind"
	// HookSource is a js or cel hook's code: an expression, or a script
	// that defines the hook's function.
	HookSource = "source"
	// HookModule is a wasm hook's module path, relative to the pipeline
	// file's folder (Env.Dir).
	HookModule = "module"
	// HookConfig is the hook's `config:` object (host.config); absent when
	// none is given.
	HookConfig = "config"
)
