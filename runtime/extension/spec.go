package extension

import (
	"fmt"
	"slices"
	"strings"
)

// FieldType is the kind of value a field takes, for docs and for the spec
// test that checks a type's declared fields against what its parse step
// reads.
type FieldType string

// The field types.
const (
	TypeString   FieldType = "string"
	TypeInt      FieldType = "integer"
	TypeNumber   FieldType = "number"
	TypeBool     FieldType = "boolean"
	TypeObject   FieldType = "object"
	TypeList     FieldType = "list"
	TypeJSONPath FieldType = "jsonpath"
	TypeAny      FieldType = "any"
)

// Field describes one argument of an extension type, as Benthos' ConfigSpec
// fields do: its name, type, default, whether it is required or a secret,
// and one line of documentation.
type Field struct {
	Name string
	Type FieldType
	// Default is the value used when the field is absent or null; nil
	// means none (the field is required, or absent means "off").
	Default any
	// Required fields must be given.
	Required bool
	// Secret fields hold credentials: their values are redacted from every
	// log line, error and state, whatever way they were written.
	Secret bool
	// Doc is one line on what the field does.
	Doc string
}

// String renders the field as one line of help, e.g.
// "next_url_path (jsonpath, default "next"): JSONPath of the next URL".
func (f Field) String() string {
	var b strings.Builder
	b.WriteString(f.Name)
	b.WriteString(" (")
	b.WriteString(string(f.Type))
	switch {
	case f.Required:
		b.WriteString(", required")
	case f.Default != nil:
		fmt.Fprintf(&b, ", default %#v", f.Default)
	}
	if f.Secret {
		b.WriteString(", secret")
	}
	b.WriteString(")")
	if f.Doc != "" {
		b.WriteString(": ")
		b.WriteString(f.Doc)
	}
	return b.String()
}

// Spec describes a registered type for validate, --help and docs: what it
// does and every field it takes.
type Spec struct {
	// Summary is one line on what the type does.
	Summary string
	// Fields are the accepted arguments, in the order docs list them.
	Fields []Field
}

// Field returns the field called name.
func (s Spec) Field(name string) (Field, bool) {
	for _, f := range s.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// FieldNames returns the names of the fields, sorted.
func (s Spec) FieldNames() []string {
	out := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		out[i] = f.Name
	}
	slices.Sort(out)
	return out
}

// SecretFields returns the names of the fields marked Secret.
func (s Spec) SecretFields() []string {
	var out []string
	for _, f := range s.Fields {
		if f.Secret {
			out = append(out, f.Name)
		}
	}
	return out
}
