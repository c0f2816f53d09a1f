package js

import (
	"errors"
	"fmt"
	"strings"

	"github.com/dop251/goja"
	"github.com/dop251/goja/ast"
)

// compileSnippet compiles a snippet over one parameter (item, value,
// response) into a program whose value is a function of that parameter.
//
// The snippet is an expression (`item.id > 10`, `({...item, id: 1})`) or,
// when it does not parse as one, a function body that returns
// (`const n = item.name; return {n}`). An expression that evaluates to a
// function (`item => item.id > 10`) is called with the parameter: see
// hookFunc. Trailing semicolons of an expression are dropped, so
// `item.id > 10;` is the expression, not a body that returns nothing.
//
// It returns the program and how many lines the wrapper adds before the
// snippet's first line, to give positions in the snippet's own lines.
func compileSnippet(name, param, src string) (*goja.Program, int, error) {
	if strings.TrimSpace(src) == "" {
		return nil, 0, errors.New("is empty: write an expression over " + param)
	}
	expr := strings.TrimRight(strings.TrimSpace(src), "; \t\r\n")
	// The newlines keep a trailing // comment from swallowing the ")".
	if p, err := goja.Compile(name, "(function ("+param+") {\nreturn (\n"+expr+"\n);\n})", true); err == nil {
		return p, 2, nil
	}
	p, err := goja.Compile(name, "(function ("+param+") {\n"+src+"\n})", true)
	if err != nil {
		return nil, 0, fmt.Errorf("is neither an expression over %s nor a function body: %s", param, syntaxMessage(err))
	}
	return p, 1, nil
}

// compileScript compiles a script that defines the functions named in
// fns (next and init, or auth) into a program whose value is a factory:
// each call runs the script's top level in a fresh scope and returns an
// array of the functions (undefined for one it does not define), so that
// every request chain gets its own variables. required is the function
// the script must define; its absence is an error at compile time.
func compileScript(name, src, required string, fns ...string) (*goja.Program, error) {
	if strings.TrimSpace(src) == "" {
		return nil, fmt.Errorf("is empty: define function %s", required)
	}
	prog, err := goja.Parse(name, src)
	if err != nil {
		return nil, errors.New(syntaxMessage(err))
	}
	if !declares(prog, required) {
		return nil, fmt.Errorf("defines no function %s at its top level (write `function %s(…) {…}`)", required, required)
	}
	var ret strings.Builder
	for i, f := range fns {
		if i > 0 {
			ret.WriteString(", ")
		}
		fmt.Fprintf(&ret, "typeof %s === 'function' ? %s : undefined", f, f)
	}
	// The script's first line stays line 2 of the wrapper: messages name
	// the line, and "line N" is one off at most in the first line only.
	wrapped := "(function () {\n" + src + "\n;return [" + ret.String() + "];\n})"
	p, err := goja.Compile(name, wrapped, true)
	if err != nil {
		return nil, errors.New(syntaxMessage(err))
	}
	return p, nil
}

// declares reports whether the top level of prog declares name, as a
// function or a variable (const next = (resp, req) => …).
func declares(prog *ast.Program, name string) bool {
	for _, st := range prog.Body {
		switch s := st.(type) {
		case *ast.FunctionDeclaration:
			if s.Function.Name != nil && string(s.Function.Name.Name) == name {
				return true
			}
		case *ast.VariableStatement:
			if bindsName(s.List, name) {
				return true
			}
		case *ast.LexicalDeclaration:
			if bindsName(s.List, name) {
				return true
			}
		}
	}
	return false
}

func bindsName(list []*ast.Binding, name string) bool {
	for _, b := range list {
		if id, ok := b.Target.(*ast.Identifier); ok && string(id.Name) == name {
			return true
		}
	}
	return false
}

// syntaxMessage is goja's syntax error without its Go type prefix.
func syntaxMessage(err error) string {
	var se *goja.CompilerSyntaxError
	if errors.As(err, &se) {
		return "syntax error: " + se.Message
	}
	return err.Error()
}
