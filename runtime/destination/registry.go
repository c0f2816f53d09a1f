package destination

import (
	"context"
	"fmt"
	"strings"
)

// Config is what opening a destination needs.
type Config struct {
	// Path is the absolute path of the database file, for a type located
	// by a file (Type.URL false); for a type located by a URL (Type.URL),
	// the URL or DSN as given (`postgresql://…`, `file:///data/lake`),
	// which may carry a password and must never be printed as is.
	Path string
	// Format is the file format of a destination that writes files
	// (filesystem: "parquet"); empty otherwise.
	Format string
	// Dataset is the pipeline's dataset: the schema the tables go into on
	// a destination that has schemas (DuckDB); SQLite keeps every table in
	// its main schema and ignores it.
	Dataset string
	// ReadOnly asks for the existing database opened for reading only
	// (sluice ui): nothing is created and no statement may write. A type
	// that cannot honour it opens normally; callers only read.
	ReadOnly bool
}

// Type is one kind of destination a build can load into.
type Type struct {
	// Name is what `destination:` and `--destination` say, e.g. "sqlite".
	Name string
	// Ext is the extension of the default database file, with its dot:
	// "<pipeline name><Ext>" in the current folder. Unused when URL is set.
	Ext string
	// URL is set for a type located by a URL or DSN (postgres, filesystem)
	// rather than a file path: its location has no default, is not made
	// absolute and its folder is not created by the engine.
	URL bool
	// Field names the pipeline file's field that gives the location
	// ("path", "credentials", "bucket_url"), for messages.
	Field string
	// Display, when set, turns a location into what may be printed (a DSN
	// without its password). Nil: the location is printed as it is.
	Display func(location string) string
	// Dispositions lists the write dispositions the type can load
	// ("append", "replace", "skip"); nil means every one. The engine
	// refuses a resource with another one before extracting anything.
	Dispositions []string
	// MaxIdentifierLength is the longest table or column name the
	// destination keeps (PostgreSQL: 63 bytes); longer names are shortened
	// with a hash tag as dlt does for that destination. 0: the normalizer's
	// default (SQLite's, in effect no limit).
	MaxIdentifierLength int
	// NoQuery is set for a type that runs no SQL of its own (filesystem:
	// files, answering only the loader's reads of the `_dlt_*` tables), so
	// the tools that query a destination (sluice ui, sluice pipeline info)
	// refuse it plainly instead of failing on their first query.
	NoQuery bool
	// Open opens (creating if needed) the database that cfg names.
	Open func(ctx context.Context, cfg Config) (Destination, error)
}

// Registry holds the destination types of a build. main fills it; the
// engine looks types up by name and never names an implementation. A
// Registry is filled before use and read-only afterwards.
type Registry struct {
	types map[string]Type
	order []string
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{types: map[string]Type{}} }

// Register adds a destination type. It panics on an empty name, a missing
// Open or a name registered twice: those are programming errors of the
// build, not of a pipeline file.
func (r *Registry) Register(t Type) {
	if t.Name == "" || t.Open == nil {
		panic("destination: Register needs a name and an Open function")
	}
	if _, dup := r.types[t.Name]; dup {
		panic("destination: " + t.Name + " registered twice")
	}
	r.types[t.Name] = t
	r.order = append(r.order, t.Name)
}

// Lookup returns the type called name.
func (r *Registry) Lookup(name string) (Type, bool) {
	if r == nil {
		return Type{}, false
	}
	t, ok := r.types[name]
	return t, ok
}

// Names lists the registered types in registration order.
func (r *Registry) Names() []string {
	if r == nil {
		return nil
	}
	return append([]string(nil), r.order...)
}

// Display returns what may be printed of a location of the type called
// name: Type.Display's result when the type has one, else the location.
func (r *Registry) Display(name, location string) string {
	if t, ok := r.Lookup(name); ok && t.Display != nil {
		return t.Display(location)
	}
	return location
}

// Has describes what the build has, for messages: "sqlite, duckdb", or
// "no destination" when nothing is registered.
func (r *Registry) Has() string {
	if n := r.Names(); len(n) > 0 {
		return strings.Join(n, ", ")
	}
	return "no destination"
}

// NotBuiltError is the error for a destination the build lacks.
type NotBuiltError struct {
	Name string
	// Have lists the destinations the build has.
	Have []string
}

func (e *NotBuiltError) Error() string {
	have := "no destination"
	if len(e.Have) > 0 {
		have = strings.Join(e.Have, ", ")
	}
	return fmt.Sprintf("destination %q is not built into this binary (this build has: %s)", e.Name, have)
}

// Check returns a *NotBuiltError if name is not registered.
func (r *Registry) Check(name string) error {
	if _, ok := r.Lookup(name); !ok {
		return &NotBuiltError{Name: name, Have: r.Names()}
	}
	return nil
}

// Refuses reports whether the type called name cannot load the write
// disposition wd (Type.Dispositions lacks it).
func (r *Registry) Refuses(name, wd string) bool {
	t, ok := r.Lookup(name)
	if !ok || t.Dispositions == nil {
		return false
	}
	for _, d := range t.Dispositions {
		if d == wd {
			return false
		}
	}
	return true
}

// Open opens the destination of type name.
func (r *Registry) Open(ctx context.Context, name string, cfg Config) (Destination, error) {
	t, ok := r.Lookup(name)
	if !ok {
		return nil, &NotBuiltError{Name: name, Have: r.Names()}
	}
	return t.Open(ctx, cfg)
}
