package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

// exampleRun is the --format json summary of one run of an example.
type exampleRun struct {
	Tables    map[string]int64 `json:"tables"`
	Resources map[string]struct {
		Pages   int64 `json:"pages"`
		Records int64 `json:"records"`
	} `json:"resources"`
}

// runExampleDir runs examples/<dir>/<file> as its README does, into db
// with its state in state, and returns the run's JSON summary. It fails
// the test unless the run exits 0.
func runExampleDir(t *testing.T, dir, file, db, state string) exampleRun {
	t.Helper()
	code, out, errs := sluice(t, "run", filepath.Join("..", "..", "examples", dir, file), "--db", db, "--pipelines-dir", state,
		"--progress", "none", "--format", "json")
	if code != 0 {
		t.Fatalf("%s/%s: exit %d\n%s\n%s", dir, file, code, out, errs)
	}
	var r exampleRun
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%s/%s: the --format json output is not JSON: %v\n%s", dir, file, err, out)
	}
	return r
}

// wantCounts checks the row count of each table.
func wantCounts(t *testing.T, dbPath string, want map[string]int64) {
	t.Helper()
	d := openDB(t, dbPath)
	for table, n := range want {
		if got := count(t, d, "select count(*) from "+table); got != n {
			t.Errorf("%s has %d rows, want %d", table, got, n)
		}
	}
}
