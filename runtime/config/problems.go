package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Problem is one thing wrong with the file.
type Problem struct {
	// Path is the YAML path of the offending value, e.g.
	// "source.resources[0].endpoint.paginator.next_url_path"; empty for
	// problems with the file as a whole (a YAML syntax error). Problems with
	// secrets.toml carry that file's name as the path.
	Path string
	// Line and Column are 1-based; zero when unknown.
	Line, Column int
	Msg          string
	// Hint is a suggestion for the fix; may be empty.
	Hint string
}

// String renders the problem as
//
//	source.resources[0].params (line 12, col 7): unknown field "params"; hint: …
func (p Problem) String() string {
	var b strings.Builder
	switch {
	case p.Path != "" && p.Line > 0:
		fmt.Fprintf(&b, "%s (line %d, col %d): ", p.Path, p.Line, p.Column)
	case p.Path != "":
		b.WriteString(p.Path + ": ")
	case p.Line > 0:
		fmt.Fprintf(&b, "line %d, col %d: ", p.Line, p.Column)
	}
	b.WriteString(p.Msg)
	if p.Hint != "" {
		b.WriteString("; hint: " + p.Hint)
	}
	return b.String()
}

// Problems is every problem found in a file, sorted by line. It is the error
// Load and Parse return for invalid input.
type Problems []Problem

// Error lists all problems, one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// sortProblems orders problems by line, column and path and drops exact
// duplicates (the same value reached twice, e.g. a resource_defaults field
// merged into several resources).
func sortProblems(ps []Problem) Problems {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Path < b.Path
	})
	out := make(Problems, 0, len(ps))
	seen := map[string]bool{}
	for _, p := range ps {
		k := fmt.Sprintf("%s\x00%d\x00%d\x00%s", p.Path, p.Line, p.Column, p.Msg)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, p)
	}
	return out
}

// Mask hides a secret the way dlt does in its error messages: the first
// character, five stars and the last character; values shorter than three
// characters become five stars.
func Mask(s string) string {
	r := []rune(s)
	if len(r) < 3 {
		return "*****"
	}
	return string(r[0]) + "*****" + string(r[len(r)-1])
}

// redact replaces every secret in s by its mask. Long secrets are replaced
// wherever they occur; short ones only where they appear quoted, so that a
// two-letter secret does not mangle the rest of the message.
func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec == "" {
			continue
		}
		if len(sec) >= 6 {
			s = strings.ReplaceAll(s, sec, Mask(sec))
			continue
		}
		s = strings.ReplaceAll(s, strconv.Quote(sec), strconv.Quote(Mask(sec)))
		s = strings.ReplaceAll(s, "`"+sec+"`", "`"+Mask(sec)+"`")
		s = strings.ReplaceAll(s, "'"+sec+"'", "'"+Mask(sec)+"'")
	}
	return s
}
