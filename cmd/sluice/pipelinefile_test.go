package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestPipelineFileErrors checks what validate and run say, and the exit
// code, for a pipeline path that is not a readable YAML file and for YAML
// syntax errors: exit 2, the file named in the header, the line of the
// mistake.
func TestPipelineFileErrors(t *testing.T) {
	folder := t.TempDir()
	withOne := t.TempDir()
	if err := os.WriteFile(filepath.Join(withOne, "pipeline.yaml"), []byte("x: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	broken := func(name string) string { return filepath.Join("..", "..", "testdata", "config", "broken", name) }
	tests := []struct {
		name string
		path string
		want []string
	}{
		{"a folder", folder, []string{folder + " is a folder, not a pipeline file", "give the path of a .yaml file"}},
		{"a folder with a pipeline in it", withOne, []string{"is a folder", "did you mean " + filepath.Join(withOne, "pipeline.yaml") + "?"}},
		{"a missing file", filepath.Join(folder, "nope.yaml"), []string{"nope.yaml: it does not exist"}},
		{"an unclosed brace", broken("syntax_unclosed_brace.yaml"),
			[]string{"1 problem in " + broken("syntax_unclosed_brace.yaml") + ":", "line 7, col 11: invalid YAML: this { is never closed"}},
		{"a tab", broken("syntax_tab.yaml"), []string{"line 12, col 1:", "tabs cannot indent YAML; use spaces"}},
		{"an unclosed quote", broken("syntax_unclosed_quote.yaml"), []string{"line 6, col 15:", "quote is never closed"}},
		{"a bad indent", broken("syntax_bad_indent.yaml"), []string{"line 8, col 4:", "lines up with no key above it"}},
		{"a field problem names the file too", broken("params_on_resource.yaml"),
			[]string{"1 problem in " + broken("params_on_resource.yaml") + ":", "source.resources[0].params (line 10"}},
	}
	for _, tt := range tests {
		for _, command := range []string{"validate", "run"} {
			t.Run(command+" "+tt.name, func(t *testing.T) {
				args := []string{command, tt.path}
				if command == "run" {
					args = append(args, "--pipelines-dir", t.TempDir(), "--db", filepath.Join(t.TempDir(), "x.db"))
				}
				code, stdout, stderr := sluice(t, args...)
				if code != 2 {
					t.Errorf("exit %d, want 2\n%s\n%s", code, stdout, stderr)
				}
				for _, w := range tt.want {
					if !strings.Contains(stderr, w) {
						t.Errorf("stderr does not say %q:\n%s", w, stderr)
					}
				}
			})
		}
	}
}

// TestUnreadablePipelineFile: a file that exists but cannot be read is a
// usage error (exit 2) that says why. Mode 000 stops everyone but root;
// /proc/self/mem, which stat calls a regular file but no read of offset 0
// succeeds on, stops root too.
func TestUnreadablePipelineFile(t *testing.T) {
	p := writePipeline(t, "pipeline: {name: p}\n")
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	paths := map[string]string{}
	if f, err := os.Open(p); err == nil {
		f.Close()
	} else {
		paths[p] = "permission denied"
	}
	if runtime.GOOS == "linux" {
		paths["/proc/self/mem"] = "input/output error"
	}
	if len(paths) == 0 {
		t.Skip("no unreadable file to test with")
	}
	for path, why := range paths {
		for _, command := range []string{"validate", "run"} {
			args := []string{command, path}
			if command == "run" {
				args = append(args, "--pipelines-dir", t.TempDir())
			}
			code, _, stderr := sluice(t, args...)
			if code != 2 || !strings.Contains(stderr, "cannot read the pipeline file") || !strings.Contains(stderr, why) {
				t.Errorf("%s %s: exit %d, want 2 and a message that says %q:\n%s", command, path, code, why, stderr)
			}
		}
	}
}
