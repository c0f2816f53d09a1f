//go:build duckdb

package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestPipelineCommandsOnDuckDB: info, state and drop read and write a
// DuckDB destination through the same interfaces as SQLite.
func TestPipelineCommandsOnDuckDB(t *testing.T) {
	fx := newInspectFixtureIn(t, "ev.duckdb", "--destination", "duckdb")
	code, out, errs := sluice(t, "pipeline", "ev", "info", "--pipelines-dir", fx.pd, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	var rep pipelineInfoReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Destination != "duckdb" || len(rep.Loads) != 2 || rep.Loads[0].Rows["events__tags"] != 6 || rep.Loads[1].Rows["events"] != 5 {
		t.Fatalf("info on duckdb: %s", out)
	}
	code, out, _ = sluice(t, "pipeline", "ev", "state", "--pipelines-dir", fx.pd)
	if code != 0 || !strings.Contains(out, "cursor id: last_value 8 (initial_value 0)") {
		t.Fatalf("state on duckdb:\n%s", out)
	}
	if code, out, errs = sluice(t, "pipeline", "ev", "drop", "--yes", "--tables", "--pipelines-dir", fx.pd); code != 0 {
		t.Fatalf("drop on duckdb: exit %d\n%s\n%s", code, out, errs)
	}
	fx.run(t)
	if s := fx.api.lastSince(); s != "0" {
		t.Errorf("the run after drop asked since=%s, want 0", s)
	}
	_, out, _ = sluice(t, "pipeline", "ev", "info", "--pipelines-dir", fx.pd, "--format", "json")
	rep = pipelineInfoReport{}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	for _, tb := range rep.Tables {
		if tb.Name == "events" && tb.Rows != 8 {
			t.Errorf("events has %d rows after drop --tables and a run, want 8", tb.Rows)
		}
	}
}
