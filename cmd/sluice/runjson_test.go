package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestRunFailureAsJSON: with --format json, a run that fails prints one
// JSON object on stdout with the exit code, the error and, for a bad file,
// every problem with its line (SPEC: "on failure, the error as one JSON
// object").
func TestRunFailureAsJSON(t *testing.T) {
	tests := []struct {
		name      string
		file      string
		wantCode  int
		wantError string
		problems  bool
	}{
		{"bad file", "pipeline: {name: x}\nsource:\n  client: {base_url: \"http//h/\"}\n  resources: [users]\n", 2, "problem", true},
		{"not runnable yet", "pipeline: {name: x}\nsource:\n  client: {base_url: \"http://127.0.0.1:1/\"}\n  resources: [{name: u, write_disposition: {disposition: merge, strategy: insert-only}, primary_key: id}]\n", 2, "cannot run yet", false},
		{"network", "pipeline: {name: x}\nsource:\n  client: {base_url: \"http://127.0.0.1:1/\", retry: {max_attempts: 1}}\n  resources: [users]\n", 1, "connection refused", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writePipeline(t, tt.file)
			code, stdout, _ := sluice(t, "run", path, "--format", "json", "--progress", "none", "--pipelines-dir", t.TempDir(), "--db", t.TempDir()+"/x.db")
			var rep runFailure
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
				t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
			}
			if code != tt.wantCode || rep.ExitCode != code || rep.OK || !strings.Contains(rep.Error, tt.wantError) {
				t.Fatalf("exit %d, report %+v", code, rep)
			}
			if tt.problems && (len(rep.Problems) == 0 || rep.Problems[0].Line != 3) {
				t.Fatalf("problems %+v, want the base_url problem at line 3", rep.Problems)
			}
		})
	}
}
