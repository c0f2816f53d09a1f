package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzMergeGitignore: whatever .gitignore a folder has, init keeps it as
// it was at the start and leaves every template pattern in the file.
func FuzzMergeGitignore(f *testing.F) {
	for _, s := range []string{"", "*.db", "node_modules/\n*.db\n", "secrets.toml\r\n*.duckdb", "# c\n\n  *.db-wal  \n", "\x00"} {
		f.Add(s)
	}
	tmpl, err := templateFS.ReadFile("templates/gitignore")
	if err != nil {
		f.Fatal(err)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, old string) {
		p := filepath.Join(dir, ".gitignore")
		if err := os.WriteFile(p, []byte(old), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := mergeGitignore(p, tmpl); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(p)
		if !strings.HasPrefix(string(b), old) {
			t.Fatalf("the old content was changed:\n%q\n→\n%q", old, b)
		}
		lines := map[string]bool{}
		for _, l := range strings.Split(string(b), "\n") {
			lines[strings.TrimSpace(l)] = true
		}
		for _, l := range strings.Split(string(tmpl), "\n") {
			if l != "" && !strings.HasPrefix(l, "#") && !lines[l] {
				t.Fatalf("%q is missing after the merge:\n%s", l, b)
			}
		}
		what, err := mergeGitignore(p, tmpl)
		if err != nil || what != "unchanged" {
			t.Fatalf("a second merge: %q %v", what, err)
		}
	})
}
