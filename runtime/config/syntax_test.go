package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestSyntaxErrorFiles loads each broken file of testdata/config/broken/
// whose mistake is YAML syntax and checks that the one problem names the
// line and column of the mistake, with a plain hint. yaml.v3 alone names
// another line for most of them (the start of the enclosing block).
func TestSyntaxErrorFiles(t *testing.T) {
	tests := []struct {
		file      string
		line, col int
		msg, hint string
	}{
		{"syntax_tab.yaml", 12, 1, "a tab indents this line", "tabs cannot indent YAML; use spaces"},
		{"syntax_unclosed_brace.yaml", 7, 11, "this { is never closed", "add the closing }"},
		{"syntax_unclosed_bracket.yaml", 11, 20, "this [ is never closed", "add the closing ]"},
		{"syntax_unclosed_quote.yaml", 6, 15, `this " quote is never closed`, "runs on into line 7"},
		{"syntax_unclosed_single_quote.yaml", 9, 24, "this ' quote is never closed", "add the closing '"},
		{"syntax_bad_indent.yaml", 8, 4, "indented 3 spaces, which lines up with no key above it", `2 (like "client") or 4 (like "base_url")`},
		{"syntax_over_indent.yaml", 7, 7, `indented more than "base_url" above it, which already has a value`, `indent it 4 spaces, like "base_url"`},
		{"syntax_list_indent.yaml", 10, 6, "indented 5 spaces", "4 (like the list entries)"},
		{"syntax_colon_in_value.yaml", 8, 22, `contains ": "`, "in quotes"},
		{"syntax_bad_escape.yaml", 10, 44, `"\d" is not an escape`, "single quotes"},
		{"syntax_extra_bracket.yaml", 7, 29, "this ] closes nothing", "remove it"},
		{"syntax_missing_colon.yaml", 4, 3, `this line has no "key:"`, "key and a colon"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, probs := load(t, fixture("broken/"+tt.file), nil, true)
			if len(probs) != 1 {
				t.Fatalf("got %d problems, want 1:\n%v", len(probs), probs)
			}
			p := probs[0]
			if p.Line != tt.line || p.Column != tt.col {
				t.Errorf("at line %d, col %d; want line %d, col %d\n%v", p.Line, p.Column, tt.line, tt.col, p)
			}
			if p.Path != "" || !strings.HasPrefix(p.Msg, "invalid YAML: ") || !strings.Contains(p.Msg, tt.msg) || !strings.Contains(p.Hint, tt.hint) {
				t.Errorf("problem %q; want a message with %q and a hint with %q", p, tt.msg, tt.hint)
			}
			// The fixture's first line says where the mistake is.
			src, err := os.ReadFile(fixture("broken/" + tt.file))
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(string(src), "\n")
			if !regexp.MustCompile(`\bline ` + strconv.Itoa(tt.line) + `\b`).MatchString(first) {
				t.Errorf("the fixture's comment %q does not name line %d", first, tt.line)
			}
		})
	}
}

// TestLocateSyntax checks the culprit finder on small inputs that yaml.v3
// rejects, and that it finds nothing in tricky but valid YAML (it runs only
// after yaml.v3 failed, but a culprit in valid text would send a user to a
// line that is fine).
func TestLocateSyntax(t *testing.T) {
	broken := []struct {
		name      string
		src       string
		line, col int
		msg       string
	}{
		{"tab after spaces", "a:\n  b: 1\n \tc: 2\n", 3, 2, "a tab indents"},
		{"tab in a list", "a:\n  - b\n\t- c\n", 3, 1, "a tab indents"},
		{"unclosed flow at the end", "a: {b: [1, 2]\n", 1, 4, "this { is never closed"},
		{"unclosed nested flow", "a:\n  b: [1, {c: 2]\n  d: 3\n", 2, 10, "this { is never closed"},
		{"flow runs into the next key", "a: [1,\n  2\nb: 3\n", 1, 4, "this [ is never closed"},
		{"quote in a flow", "a: {b: \"c}\nd: 1\n", 1, 8, `this " quote is never closed`},
		{"quote at the end", "a: 'b\n", 1, 4, "this ' quote is never closed"},
		{"dedent to no level", "a:\n    b: 1\n  c: 2\n", 3, 3, "indented 2 spaces"},
		{"one space", "a:\n  b: 1\n c: 2\n", 3, 2, "indented 1 space,"},
		{"child of a value", "a: 1\n  b: 2\n", 2, 3, `more than "a"`},
		{"child of a list entry value", "- a\n  - b: 1\n", 2, 3, "more than the list entry"},
		{"text after a quote", "a: \"b\" c\n", 1, 8, "text after the end of the value"},
		{"text after a flow", "a: [b] c\n", 1, 8, "text after the end of the value"},
		{"stray closer", "a: b\nc: }\n", 2, 4, "this } closes nothing"},
		{"mismatched closer", "a: [b}\n", 1, 4, "this [ is never closed"},
		{"second colon", "- a: b: c\n", 1, 7, `contains ": "`},
		{"at sign", "a: @b\n", 1, 4, "cannot start with @"},
		{"percent", "a: %Y-%m\n", 1, 4, "cannot start with %"},
		{"bad escape on a continued line", "a: \"x\n  \\q\"\n", 2, 3, `"\q" is not an escape`},
		{"short hex escape", `a: "\x4"` + "\n", 1, 5, `"\x" must be followed by 2 hex digits`},
		{"no colon", "a: 1\nb\n", 2, 1, `no "key:"`},
		{"unicode column", "a: \"é\" x\n", 1, 8, "text after"},
		{"old Mac line breaks", "a:\r  b: 1\r c: 2\r", 3, 2, "indented 1 space"},
		{"unicode line separator", "a: 1\u2028b: [\n", 2, 4, "this [ is never closed"},
	}
	for _, tt := range broken {
		t.Run(tt.name, func(t *testing.T) {
			var n yaml.Node
			if err := yaml.Unmarshal([]byte(tt.src), &n); err == nil {
				t.Fatalf("yaml.v3 accepts %q: not a test of a syntax error", tt.src)
			}
			c := locateSyntax([]byte(tt.src))
			if c == nil {
				t.Fatalf("no culprit in %q", tt.src)
			}
			if c.line != tt.line || c.col != tt.col || !strings.Contains(c.msg, tt.msg) || c.hint == "" {
				t.Errorf("culprit %+v; want line %d, col %d, %q and a hint", *c, tt.line, tt.col, tt.msg)
			}
		})
	}

	valid := map[string]string{
		"block scalar with tabs":      "a: |\n  x\n  \ty\nb: 1\n",
		"folded block at the top":     ">-\n  folded\n  text\n",
		"block scalar in a list":      "- a: |\n    line: with colon\n    }]\"\n- b\n",
		"plain scalar on three lines": "a: this is\n  a long\n  value\nb: 2\n",
		"tab before a continuation":   "a\n\tb\n",
		"quoted on two lines":         "a: \"two\n  lines\"\nb: 'it''s\n  fine'\n",
		"flow on several lines":       "a: {\n  b: 1,\n  c: [2,\n    3]\n}\nd: 4\n",
		"compact sequence":            "a:\n- b\n- c: 1\n  d: 2\ne: 3\n",
		"nested entries":              "- - a\n  - b\n- c\n",
		"comments with quotes":        "a: 1 # it's \"fine\" {\n# [unclosed\nb: 2\n",
		"hash inside a value":         "a: b#c\nurl: http://x/#frag\n",
		"anchors and tags":            "a: &x {b: 1}\nc: *x\nd: !!str 5\ne: &y\n  f: 1\n",
		"quoted keys":                 "\"a b\": 1\n'c': {d: \"e\"}\n",
		"empty values":                "a:\nb:\n  c:\nd: 1\n",
		"documents":                   "---\na: 1\n...\n---\nb: 2\n",
		"after the first document":    "a: 1\n---\n}not yaml [\n",
		"crlf line ends":              "a:\r\n  b: 1\r\nc: [x, y]\r\n",
		"byte order mark":             "\uFEFFa: 1\n",
		"escapes":                     `a: "\t\n\\\"\x41\u00e9\U0001F600 \'"` + "\n",
		"colon without space":         "a: http://x:80/y\nb: c:d\n",
		"dollar selectors":            "a: $.items[*]\nb: [$, x]\n",
		"the demo pipeline":           "",
	}
	demo, err := os.ReadFile(filepath.Join("..", "..", "examples", "demo", "pipeline.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	valid["the demo pipeline"] = string(demo)
	for name, src := range valid {
		t.Run(name, func(t *testing.T) {
			var n yaml.Node
			if err := yaml.Unmarshal([]byte(src), &n); err != nil {
				t.Fatalf("yaml.v3 rejects %q: %v", src, err)
			}
			if c := locateSyntax([]byte(src)); c != nil {
				t.Errorf("culprit %+v in valid YAML %q", *c, src)
			}
		})
	}
}
