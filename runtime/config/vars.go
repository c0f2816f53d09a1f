package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// SecretsFile is the name of the file beside the pipeline file that ${NAME}
// references fall back to.
const SecretsFile = "secrets.toml"

var varNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\-]*$`)

// resolver looks ${NAME} references up in the environment, then in
// secrets.toml.
type resolver struct {
	lookupEnv func(string) (string, bool)
	dir       string

	loaded      bool
	exists      bool
	secretsPath string
	table       map[string]any
	loadProblem *Problem
}

// varSource says where a value came from.
type varSource int

const (
	fromNowhere varSource = iota
	fromEnv
	fromSecretsFile
	fromFallback
)

// varUse is one reference found in a string.
type varUse struct {
	Name   string
	Value  string
	Source varSource
}

// secret reports whether the value of u must never be printed: every value
// that came from outside the file (the environment, a dlt-style
// environment name, secrets.toml), whatever the variable is called. A
// ${NAME:-fallback} fallback is written in the file itself, so it is not a
// secret (unless it is a reference itself, which is then its own use).
func (u varUse) secret() bool {
	return u.Source == fromEnv || u.Source == fromSecretsFile
}

// varError is a reference that could not be resolved.
type varError struct {
	Name string // may be empty for a malformed reference
	Ref  string // the reference as written
	Msg  string
	Hint string
}

func (r *resolver) load() {
	if r.loaded {
		return
	}
	r.loaded = true
	if r.dir == "" {
		r.dir = "."
	}
	r.secretsPath = filepath.Join(r.dir, SecretsFile)
	data, err := os.ReadFile(r.secretsPath)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			r.loadProblem = &Problem{Path: r.secretsPath, Msg: fmt.Sprintf("cannot read %s: %v", SecretsFile, err)}
		}
		return
	}
	r.exists = true
	var t map[string]any
	if err := toml.Unmarshal(data, &t); err != nil {
		p := &Problem{Path: r.secretsPath, Msg: fmt.Sprintf("%s is not valid TOML", SecretsFile)}
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			p.Line, p.Column = row, col
			// The decode error's text may quote the line, and with it a
			// secret: keep only the description.
			p.Msg += ": " + firstLine(de.Error())
		}
		r.loadProblem = p
		return
	}
	r.table = t
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// fromFile looks name up in secrets.toml: a dotted name walks the tables
// (`sources.github.token` reads `[sources.github] token`); a top-level key
// that itself contains dots is tried first.
func (r *resolver) fromFile(name string) (string, bool, string) {
	r.load()
	if r.table == nil {
		return "", false, ""
	}
	var v any
	if lit, ok := r.table[name]; ok {
		v = lit
	} else {
		cur := any(r.table)
		for _, part := range strings.Split(name, ".") {
			m, ok := cur.(map[string]any)
			if !ok {
				return "", false, ""
			}
			if cur, ok = m[part]; !ok {
				return "", false, ""
			}
		}
		v = cur
	}
	switch t := v.(type) {
	case string:
		return t, true, ""
	case int64:
		return strconv.FormatInt(t, 10), true, ""
	case float64:
		return strconv.FormatFloat(t, 'g', -1, 64), true, ""
	case bool:
		return strconv.FormatBool(t), true, ""
	case time.Time:
		return t.Format(time.RFC3339Nano), true, ""
	case toml.LocalDate, toml.LocalTime, toml.LocalDateTime:
		return fmt.Sprint(t), true, ""
	case map[string]any:
		return "", false, fmt.Sprintf("%s in %s is a table, not a value", name, SecretsFile)
	case []any:
		return "", false, fmt.Sprintf("%s in %s is an array, not a value", name, SecretsFile)
	}
	return "", false, fmt.Sprintf("%s in %s has an unsupported type", name, SecretsFile)
}

// dltEnvName is the environment name dlt gives a dotted config key:
// sources.github.token → SOURCES__GITHUB__TOKEN.
func dltEnvName(name string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.ReplaceAll(name, ".", "__"), "-", "_"))
}

// lookup resolves one name: the environment, then (for a dotted name) its
// dlt-style environment name, then secrets.toml.
func (r *resolver) lookup(name string) (string, varSource, string) {
	if v, ok := r.lookupEnv(name); ok {
		return v, fromEnv, ""
	}
	if strings.Contains(name, ".") {
		if v, ok := r.lookupEnv(dltEnvName(name)); ok {
			return v, fromEnv, ""
		}
	}
	v, ok, why := r.fromFile(name)
	if ok {
		return v, fromSecretsFile, ""
	}
	return "", fromNowhere, why
}

// expand replaces every ${NAME} and ${NAME:-fallback} in s. `$${` is a
// literal `${`. Single braces (dlt's {resources.x.y}) are left alone.
func (r *resolver) expand(s string) (string, []varUse, []varError) {
	if !strings.Contains(s, "$") {
		return s, nil, nil
	}
	var b strings.Builder
	var uses []varUse
	var errs []varError
	for i := 0; i < len(s); {
		c := s[i]
		if c != '$' {
			b.WriteByte(c)
			i++
			continue
		}
		if strings.HasPrefix(s[i:], "$${") {
			b.WriteString("${")
			i += 3
			continue
		}
		if !strings.HasPrefix(s[i:], "${") {
			b.WriteByte(c)
			i++
			continue
		}
		// find the matching brace, allowing braces nested in a fallback
		end := matchingBrace(s, i+2)
		if end < 0 {
			errs = append(errs, varError{Ref: s[i:], Msg: "unclosed ${ (no matching })", Hint: "write $${ for a literal ${"})
			b.WriteString(s[i:])
			break
		}
		ref := s[i : end+1]
		inner := s[i+2 : end]
		i = end + 1
		name, fallback, hasFallback := strings.Cut(inner, ":-")
		if !varNameRE.MatchString(name) {
			errs = append(errs, varError{Ref: ref, Msg: fmt.Sprintf("%s is not a valid reference: a name is letters, digits, _, - and . (as in ${NAME} or ${NAME:-fallback})", ref),
				Hint: "write $${ for a literal ${ (a JavaScript template literal, for example)"})
			b.WriteString(ref)
			continue
		}
		v, src, why := r.lookup(name)
		if src == fromEnv && v == "" && hasFallback {
			src = fromNowhere // bash semantics: :- also replaces an empty value
		}
		if src == fromNowhere {
			if hasFallback {
				fv, fu, fe := r.expand(fallback)
				uses = append(uses, fu...)
				errs = append(errs, fe...)
				uses = append(uses, varUse{Name: name, Value: fv, Source: fromFallback})
				b.WriteString(fv)
				continue
			}
			e := varError{Name: name, Ref: ref}
			if why != "" {
				e.Msg = fmt.Sprintf("missing value for ${%s}: %s", name, why)
			} else {
				where := "not set in the environment"
				r.load()
				if r.exists {
					where += " nor in " + SecretsFile
				} else {
					where += " and there is no " + SecretsFile + " beside the pipeline file"
				}
				e.Msg = fmt.Sprintf("missing value for ${%s}: %s", name, where)
			}
			e.Hint = fmt.Sprintf("set %s in the environment, add it to %s, or give a default with ${%s:-…}", name, SecretsFile, name)
			if strings.Contains(name, ".") {
				parts := strings.Split(name, ".")
				e.Hint = fmt.Sprintf("set %s in the environment, or add `%s = \"…\"` under [%s] in %s",
					dltEnvName(name), parts[len(parts)-1], strings.Join(parts[:len(parts)-1], "."), SecretsFile)
			}
			errs = append(errs, e)
			b.WriteString(ref)
			continue
		}
		uses = append(uses, varUse{Name: name, Value: v, Source: src})
		b.WriteString(v)
	}
	return b.String(), uses, errs
}

// matchingBrace returns the index of the `}` that closes a brace opened
// just before from, allowing nested braces, or -1.
func matchingBrace(s string, from int) int {
	depth := 0
	for j := from; j < len(s); j++ {
		switch s[j] {
		case '{':
			depth++
		case '}':
			if depth == 0 {
				return j
			}
			depth--
		}
	}
	return -1
}
