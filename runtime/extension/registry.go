package extension

import (
	"fmt"
	"sort"
)

// Constructor builds an implementation of T from its YAML arguments (the
// object with `type` removed). It reads args through Args, which records
// what was read, and ends with args.Err() so that unknown or mistyped
// fields become errors that name the field.
type Constructor[T any] func(args *Args) (T, error)

// Spec describes a registered type for validate, --help and docs.
type Spec struct {
	// Summary is one line on what the type does.
	Summary string
	// Fields maps each accepted argument to a one-line description with its
	// default.
	Fields map[string]string
}

type entry[T any] struct {
	ctor Constructor[T]
	spec Spec
}

// Registry maps the `type:` names of one extension point to constructors.
// It is filled once at start-up (builtin.Register, then the scripting
// engines) and only read afterwards, so lookups need no lock.
type Registry[T any] struct {
	point   string
	entries map[string]entry[T]
}

// NewRegistry returns an empty registry for the extension point named point
// ("paginator", "auth", …), used in error messages.
func NewRegistry[T any](point string) *Registry[T] {
	return &Registry[T]{point: point, entries: map[string]entry[T]{}}
}

// Register adds a type. It panics when the name is taken: two
// implementations under one name is a programming error.
func (r *Registry[T]) Register(typ string, spec Spec, ctor Constructor[T]) {
	if _, dup := r.entries[typ]; dup {
		panic(fmt.Sprintf("extension: %s type %q registered twice", r.point, typ))
	}
	r.entries[typ] = entry[T]{ctor: ctor, spec: spec}
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

// New builds a typ from args. An unknown type gives an *UnknownTypeError;
// bad arguments give an *ArgError naming the field.
func (r *Registry[T]) New(typ string, args map[string]any) (T, error) {
	var zero T
	e, ok := r.entries[typ]
	if !ok {
		return zero, &UnknownTypeError{Point: r.point, Type: typ, Known: r.Types()}
	}
	a := NewArgs(args)
	v, err := e.ctor(a)
	if err != nil {
		return zero, err
	}
	if err := a.Err(); err != nil {
		return zero, err
	}
	return v, nil
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
	Paginators *Registry[Paginator]
	Auths      *Registry[Authenticator]
}

// NewRegistries returns empty registries.
func NewRegistries() *Registries {
	return &Registries{
		Paginators: NewRegistry[Paginator]("paginator"),
		Auths:      NewRegistry[Authenticator]("auth"),
	}
}
