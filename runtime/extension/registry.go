package extension

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

type entry[T any] struct {
	parse ParseFunc[T]
	spec  Spec
}

// Registry maps the `type:` names of one extension point to their parse
// steps. It is filled once at start-up, from main (builtin.Register, then
// the scripting engines), and only read afterwards, so lookups need no
// lock.
type Registry[T any] struct {
	point   string
	entries map[string]entry[T]
}

// NewRegistry returns an empty registry for the extension point named point
// ("paginator", "auth", …), used in error messages.
func NewRegistry[T any](point string) *Registry[T] {
	return &Registry[T]{point: point, entries: map[string]entry[T]{}}
}

// Point names the extension point.
func (r *Registry[T]) Point() string { return r.point }

// Register adds a type. It panics when the name is taken: two
// implementations under one name is a programming error.
func (r *Registry[T]) Register(typ string, spec Spec, parse ParseFunc[T]) {
	if _, dup := r.entries[typ]; dup {
		panic(fmt.Sprintf("extension: %s type %q registered twice", r.point, typ))
	}
	r.entries[typ] = entry[T]{parse: parse, spec: spec}
}

// Has reports whether typ is registered.
func (r *Registry[T]) Has(typ string) bool {
	_, ok := r.entries[typ]
	return ok
}

// Types returns the registered names, sorted.
func (r *Registry[T]) Types() []string {
	names := make([]string, 0, len(r.entries))
	for n := range r.entries {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Spec returns the spec of typ.
func (r *Registry[T]) Spec(typ string) (Spec, bool) {
	e, ok := r.entries[typ]
	return e.spec, ok
}

// Parse checks args for typ without side effects and returns the Builder
// that builds it. An unknown type gives an *UnknownTypeError; bad arguments
// give ArgErrors naming each field. This is all `validate` does with an
// extension.
func (r *Registry[T]) Parse(typ string, args map[string]any) (b Builder[T], err error) {
	e, ok := r.entries[typ]
	if !ok {
		return nil, &UnknownTypeError{Point: r.point, Type: typ, Known: r.Types()}
	}
	defer func() {
		// A broken extension must not take validation down.
		if p := recover(); p != nil {
			b, err = nil, fmt.Errorf("%s %q: parse panicked: %v", r.point, typ, p)
		}
	}()
	a := NewArgs(args)
	b, err = e.parse(a)
	if aerr := a.Err(); aerr != nil {
		return nil, aerr
	}
	if err != nil {
		return nil, err
	}
	if b == nil {
		return nil, fmt.Errorf("%s %q: parse returned no builder", r.point, typ)
	}
	return b, nil
}

// New parses args for typ and builds the result with env (nil: a default
// Env, see Env.WithDefaults): a shortcut for tests and tools. The engine
// parses once and builds once per resource.
func (r *Registry[T]) New(ctx context.Context, typ string, args map[string]any, env *Env) (T, error) {
	var zero T
	b, err := r.Parse(typ, args)
	if err != nil {
		return zero, err
	}
	return b.Build(ctx, env.WithDefaults())
}

// UnknownTypeError says that a `type:` names nothing registered.
type UnknownTypeError struct {
	Point string
	Type  string
	Known []string
}

func (e *UnknownTypeError) Error() string {
	return fmt.Sprintf("unknown %s type %q (known: %v)", e.Point, e.Type, e.Known)
}

// Registries holds one registry per extension point.
type Registries struct {
	Paginators *Registry[PaginatorFactory]
	Auths      *Registry[Authenticator]
	// Actions are keyed by the built-in actions' names (ignore, retry,
	// fail) and by the engines of scripted ones (js, cel, wasm), which get
	// HookSource or HookModule and HookConfig.
	Actions *Registry[ResponseAction]
	// Steps and Converts are keyed by engine (js, cel, wasm); a step's
	// parse gets HookKind, HookSource or HookModule, and HookConfig.
	Steps    *Registry[Step]
	Converts *Registry[Converter]
	// DetectPaginator picks a paginator for a resource that names none;
	// nil reads such a resource as one page.
	DetectPaginator DetectPaginator
}

// NewRegistries returns empty registries.
func NewRegistries() *Registries {
	return &Registries{
		Paginators: NewRegistry[PaginatorFactory]("paginator"),
		Auths:      NewRegistry[Authenticator]("auth"),
		Actions:    NewRegistry[ResponseAction]("response action"),
		Steps:      NewRegistry[Step]("processing step"),
		Converts:   NewRegistry[Converter]("incremental convert"),
	}
}

// CheckSpec compares what the parse step of typ reads with the fields its
// Spec declares: it parses an empty argument object and reports every
// field read but not declared, and every field declared but never read, so
// that docs, validate's hints and the implementation cannot drift apart.
// Each declared field must also have a type and a doc line, and a required
// field no default.
func (r *Registry[T]) CheckSpec(typ string) error {
	e, ok := r.entries[typ]
	if !ok {
		return &UnknownTypeError{Point: r.point, Type: typ, Known: r.Types()}
	}
	a := NewArgs(nil)
	func() {
		defer func() { _ = recover() }() // a parse that panics on no arguments still read what it read
		_, _ = e.parse(a)
	}()
	var problems []string
	read := a.Read()
	for _, k := range read {
		if _, ok := e.spec.Field(k); !ok {
			problems = append(problems, fmt.Sprintf("reads %q, which its spec does not declare", k))
		}
	}
	for _, f := range e.spec.Fields {
		if !slices.Contains(read, f.Name) {
			problems = append(problems, fmt.Sprintf("declares %q, which its parse step never reads", f.Name))
		}
		if f.Type == "" || f.Doc == "" {
			problems = append(problems, fmt.Sprintf("field %q needs a type and a doc line", f.Name))
		}
		if f.Required && f.Default != nil {
			problems = append(problems, fmt.Sprintf("field %q is required and has a default", f.Name))
		}
	}
	if e.spec.Summary == "" {
		problems = append(problems, "has no summary")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s %q: %s", r.point, typ, strings.Join(problems, "; "))
	}
	return nil
}

// CheckSpecs runs CheckSpec on every registered type and joins the
// errors: the one call each implementation's tests make.
func (r *Registry[T]) CheckSpecs() error {
	var errs []error
	for _, typ := range r.Types() {
		if err := r.CheckSpec(typ); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
