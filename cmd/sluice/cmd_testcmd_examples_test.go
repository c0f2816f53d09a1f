package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExamplesReplay runs sluice test on every example pipeline
// (examples/*/*.yaml), offline: each must ship its cassette and golden
// summary (make record-examples writes them), and its replay must match.
func TestExamplesReplay(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "examples", "*", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// The examples' defaults, not a live API: the replay needs no server.
	for _, v := range []string{"DEMO_API_URL", "DEMO_API_TOKEN", "GITHUB_TOKEN"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	// A pipeline whose token has no default needs some value; a replay
	// matches on redacted requests, so it need not be the recorded one.
	t.Setenv("POSTGREST_TOKEN", "replay-needs-no-real-token")
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".golden.yaml") {
			continue
		}
		n++
		t.Run(strings.TrimSuffix(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), ".yaml"), func(t *testing.T) {
			cas, golden := testPaths(f)
			for _, p := range []string{cas, golden} {
				if _, err := os.Stat(p); err != nil {
					t.Fatalf("%s has no %s: record it with make record-examples (examples/record-examples.sh bin %s)", f, p, f)
				}
			}
			if code, out, errs := sluice(t, "test", f); code != 0 {
				t.Errorf("sluice test %s: exit %d\n%s%s", f, code, out, errs)
			}
		})
	}
	if n < 2 {
		t.Fatalf("found %d example pipelines; is the test run from cmd/sluice?", n)
	}
}
