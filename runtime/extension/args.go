package extension

import (
	"fmt"
	"math"
	"sort"
	"strconv"
)

// Args gives typed access to the arguments of an extension's YAML object
// and collects the problems found, so that a constructor reports every bad
// field at once. Values are as decoded from YAML or JSON: string, bool,
// int, int64, float64, nil, []any and map[string]any.
type Args struct {
	raw  map[string]any
	used map[string]bool
	errs []*ArgError
}

// NewArgs wraps raw (which may be nil).
func NewArgs(raw map[string]any) *Args {
	return &Args{raw: raw, used: map[string]bool{}}
}

// ArgError is a problem with one argument.
type ArgError struct {
	Field string
	Msg   string
}

func (e *ArgError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return fmt.Sprintf("%s: %s", e.Field, e.Msg)
}

// ArgErrors is every problem found in one object.
type ArgErrors []*ArgError

func (e ArgErrors) Error() string {
	s := ""
	for i, a := range e {
		if i > 0 {
			s += "; "
		}
		s += a.Error()
	}
	return s
}

// Unwrap lets errors.As find each *ArgError.
func (e ArgErrors) Unwrap() []error {
	out := make([]error, len(e))
	for i, a := range e {
		out[i] = a
	}
	return out
}

// Fail records a problem with field.
func (a *Args) Fail(field, format string, v ...any) {
	a.errs = append(a.errs, &ArgError{Field: field, Msg: fmt.Sprintf(format, v...)})
}

// Has reports whether key is present (even as null).
func (a *Args) Has(key string) bool {
	_, ok := a.raw[key]
	a.used[key] = true
	return ok
}

// Raw returns the value of key as given.
func (a *Args) Raw(key string) (any, bool) {
	v, ok := a.raw[key]
	a.used[key] = true
	return v, ok
}

// String returns key as a string, or def when absent or null.
func (a *Args) String(key, def string) string {
	v, ok := a.Raw(key)
	if !ok || v == nil {
		return def
	}
	s, ok := v.(string)
	if !ok {
		a.Fail(key, "expected a string, got %s", describe(v))
		return def
	}
	return s
}

// OptString returns key as a string and whether it was given (non-null).
func (a *Args) OptString(key string) (string, bool) {
	v, ok := a.Raw(key)
	if !ok || v == nil {
		return "", false
	}
	s, ok := v.(string)
	if !ok {
		a.Fail(key, "expected a string, got %s", describe(v))
		return "", false
	}
	return s, true
}

// Int returns key as an integer, or def when absent or null. Numeric
// strings are accepted, as dlt's int() does.
func (a *Args) Int(key string, def int64) int64 {
	n, ok := a.OptInt(key)
	if !ok {
		return def
	}
	return n
}

// OptInt returns key as an integer and whether it was given (non-null).
func (a *Args) OptInt(key string) (int64, bool) {
	v, ok := a.Raw(key)
	if !ok || v == nil {
		return 0, false
	}
	n, err := ToInt(v)
	if err != nil {
		a.Fail(key, "expected an integer, got %s", describe(v))
		return 0, false
	}
	return n, true
}

// Bool returns key as a bool, or def when absent or null.
func (a *Args) Bool(key string, def bool) bool {
	v, ok := a.Raw(key)
	if !ok || v == nil {
		return def
	}
	b, ok := v.(bool)
	if !ok {
		a.Fail(key, "expected true or false, got %s", describe(v))
		return def
	}
	return b
}

// Map returns key as an object, or nil when absent or null.
func (a *Args) Map(key string) map[string]any {
	v, ok := a.Raw(key)
	if !ok || v == nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		a.Fail(key, "expected an object, got %s", describe(v))
		return nil
	}
	return m
}

// Err returns the problems found so far, plus one per argument that no
// getter read (an unknown field), or nil.
func (a *Args) Err() error {
	var unknown []string
	for k := range a.raw {
		if !a.used[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	errs := append(ArgErrors(nil), a.errs...)
	for _, k := range unknown {
		errs = append(errs, &ArgError{Field: k, Msg: "unknown field"})
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// ToInt converts a decoded JSON or YAML number, or a numeric string, to an
// int64. Floats must be integral.
func ToInt(v any) (int64, error) {
	switch t := v.(type) {
	case int:
		return int64(t), nil
	case int64:
		return t, nil
	case uint64:
		if t > math.MaxInt64 {
			return 0, fmt.Errorf("%d is out of range", t)
		}
		return int64(t), nil
	case float64:
		if t != math.Trunc(t) || math.IsInf(t, 0) {
			return 0, fmt.Errorf("%v is not an integer", t)
		}
		return int64(t), nil
	case string:
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not an integer", t)
		}
		return n, nil
	}
	return 0, fmt.Errorf("%s is not an integer", describe(v))
}

func describe(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("string %q", t)
	case bool:
		return fmt.Sprintf("bool %v", t)
	case int, int64, uint64, float64:
		return fmt.Sprintf("number %v", t)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// Read returns the names of the arguments a parse step asked for, whether
// they were given or not, sorted. The spec test compares them with the
// type's declared fields.
func (a *Args) Read() []string {
	out := make([]string, 0, len(a.used))
	for k := range a.used {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
