package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

const mergeAndSteps = `pipeline: {name: w}
source:
  client: {base_url: "https://x.test/", auth: {token: "${W_TOKEN}"}}
  resources:
    - name: users
      write_disposition: {disposition: merge, strategy: scd2}
      primary_key: id
      schema_contract: freeze
`

func TestValidateWarnings(t *testing.T) {
	t.Setenv("W_TOKEN", "s3cret-token-value")
	path := writePipeline(t, mergeAndSteps)
	code, stdout, stderr := sluice(t, "validate", path)
	if code != 0 || !strings.Contains(stdout, "is valid") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	for _, want := range []string{
		"2 warnings",
		"warning: source.resources[0].write_disposition (line 6, col 7): resource users uses write_disposition: {disposition: merge, strategy: scd2}",
		"warning: source.resources[0].schema_contract (line 8, col 7): resource users uses schema_contract",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not contain %q:\n%s", want, stderr)
		}
	}
	// run refuses the same features, with the same places
	code, _, runErr := sluice(t, "run", path, "--pipelines-dir", t.TempDir(), "--db", filepath.Join(t.TempDir(), "w.db"))
	if code != 2 || !strings.Contains(runErr, "source.resources[0].write_disposition (line 6, col 7)") ||
		!strings.Contains(runErr, "source.resources[0].schema_contract (line 8, col 7)") {
		t.Errorf("run: exit %d, stderr:\n%s", code, runErr)
	}
	if strings.Contains(stdout+stderr+runErr, "s3cret-token-value") {
		t.Error("the secret is printed")
	}

	// without warnings: nothing on stderr
	clean := writePipeline(t, "pipeline: {name: c}\nsource:\n  client: {base_url: \"https://x.test/\"}\n  resources: [users]\n")
	if code, _, stderr := sluice(t, "validate", clean); code != 0 || stderr != "" {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestValidateJSON(t *testing.T) {
	t.Setenv("W_TOKEN", "s3cret-token-value")
	var rep validateReport
	decode := func(s string) {
		t.Helper()
		rep = validateReport{}
		if err := json.Unmarshal([]byte(s), &rep); err != nil {
			t.Fatalf("not one JSON object: %v\n%s", err, s)
		}
	}

	code, stdout, stderr := sluice(t, "validate", writePipeline(t, mergeAndSteps), "--format", "json")
	decode(stdout)
	if code != 0 || !rep.Valid || rep.Pipeline != "w" || rep.Resources != 1 || len(rep.Problems) != 0 || len(rep.Warnings) != 2 || stderr != "" {
		t.Fatalf("exit %d, report %+v, stderr %q", code, rep, stderr)
	}
	if w := rep.Warnings[0]; w.Path != "source.resources[0].write_disposition" || w.Line != 6 || w.Resource != "users" ||
		w.Feature != "write_disposition: {disposition: merge, strategy: scd2}" || !strings.Contains(w.Message, "does not do the scd2 strategy yet") {
		t.Errorf("warning = %+v", w)
	}
	if strings.Contains(stdout, "s3cret-token-value") {
		t.Error("the secret is printed")
	}

	// the file run rejects: exit 2, every problem with its line
	code, stdout, _ = sluice(t, "validate", filepath.Join("..", "..", "testdata", "config", "broken", "run_rejects.yaml"), "--format", "json")
	decode(stdout)
	if code != 2 || rep.Valid || len(rep.Problems) < 10 || len(rep.Warnings) != 0 {
		t.Fatalf("exit %d, report %+v", code, rep)
	}
	for _, p := range rep.Problems {
		if p.Path == "" || p.Line == 0 || p.Message == "" {
			t.Errorf("problem without a place: %+v", p)
		}
	}
	if p := rep.Problems[0]; p.Path != "source.client.base_url" || p.Line != 5 || !strings.Contains(p.Hint, "http://api.example.com/") {
		t.Errorf("first problem = %+v", p)
	}

	// a file that cannot be read
	code, stdout, _ = sluice(t, "validate", "/does/not/exist.yaml", "--format", "json")
	decode(stdout)
	if code != 2 || rep.Valid || !strings.Contains(rep.Error, "exist.yaml") {
		t.Errorf("exit %d, report %+v", code, rep)
	}

	if code, _, stderr := sluice(t, "validate", "x.yaml", "--format", "xml"); code != 2 || !strings.Contains(stderr, "--format") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// TestValidateRunRejects: each thing run rejects for the file itself fails
// validate with exit 2 and its line.
func TestValidateRunRejects(t *testing.T) {
	code, _, stderr := sluice(t, "validate", filepath.Join("..", "..", "testdata", "config", "broken", "run_rejects.yaml"))
	if code != 2 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		`source.client.base_url (line 5, col 15): base_url "http//api.example.com/" has no scheme`,
		`source.client.paginator.limit (line 6, col 16): is required`,
		`source.client.auth.location (line 7, col 39): must be header, query or cookie, got "body"`,
		`source.resources[0].endpoint.data_selector (line 11, col 24): invalid JSONPath`,
		"source.resources[0].endpoint.incremental.end_value (line 12, col 70): Incremental `initial_value=10` is higher than `end_value=5`",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not contain %q:\n%s", want, stderr)
		}
	}
}

// TestValidateCompilesHooks: code that does not compile is a problem of
// validate, at its line, before any request.
func TestValidateCompilesHooks(t *testing.T) {
	path := writePipeline(t, `pipeline: {name: h}
source:
  client: {base_url: "https://x.test/"}
  resources:
    - name: users
      processing_steps:
        - map: "({...item, id: item.id * })"
        - filter: {cel: "item.id >"}
`)
	code, _, stderr := sluice(t, "validate", path)
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s", code, stderr)
	}
	for _, want := range []string{"source.resources[0].processing_steps[0].map (line 7", "source.resources[0].processing_steps[1].filter (line 8"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not locate %q:\n%s", want, stderr)
		}
	}
}
