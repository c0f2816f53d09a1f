package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds arbitrary bytes to Parse: it must never panic, must
// return either a file or a non-empty Problems, and every problem must
// point inside the input (a line that exists, a column on it).
func FuzzParse(f *testing.F) {
	for _, glob := range []string{"../../testdata/config/*/*.yaml", "../../examples/*/*.yaml"} {
		files, _ := filepath.Glob(glob)
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	for _, s := range []string{
		"", "a", "pipeline: {name: p\nsource: [", "a:\n\tb: 1\n", "a: \"b\n", "a: [1, {b: 2]\n",
		"a:\n    b: 1\n  c: 2\n", "- a: b: c\n", "a: |\n  x\n\ty\n", "---\na: 1\n...\n}",
		"pipeline: {name: p}\nsource:\n  client: {base_url: \"https://x.test/\"}\n  resources: [a]\n",
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := Options{LookupEnv: envOf(nil), Registries: testRegistries()}
		file, err := Parse(data, "fuzz.yaml", dir, opts)
		if err == nil {
			if file == nil {
				t.Fatal("nil file and nil error")
			}
			return
		}
		var ps Problems
		if !errors.As(err, &ps) || len(ps) == 0 || file != nil {
			t.Fatalf("Parse returned %v, %T %v", file, err, err)
		}
		lines := splitLines(string(data))
		for _, p := range ps {
			if p.Line < 0 || p.Line > len(lines) || p.Column < 0 {
				t.Fatalf("problem %q points outside the %d lines of the input", p, len(lines))
			}
			if p.Line > 0 && p.Path == "" && p.Column > utf8.RuneCountInString(lines[p.Line-1])+1 {
				t.Fatalf("syntax problem %q points past the end of line %d (%q)", p, p.Line, lines[p.Line-1])
			}
			if p.Msg == "" {
				t.Fatalf("problem without a message: %+v", p)
			}
		}
	})
}
