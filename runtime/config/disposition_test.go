package config

import (
	"strings"
	"testing"
)

// TestWriteDispositions checks what validate says about each write
// disposition: the problems (upsert without a primary key, with a merge
// key) and the warnings (strategies sluice lacks), and that the ones
// sluice runs say nothing.
func TestWriteDispositions(t *testing.T) {
	tests := []struct {
		name     string
		resource string // YAML lines of the resource, below "- name: a"
		problems []want
		warning  string // a substring of the one warning; "" for none
	}{
		{name: "append", resource: "write_disposition: append"},
		{name: "replace", resource: "write_disposition: replace"},
		{name: "replace strategy", resource: "write_disposition: {disposition: replace, strategy: insert-from-staging}"},
		{name: "skip", resource: "write_disposition: skip"},
		{name: "merge", resource: "write_disposition: merge\n      primary_key: id"},
		{name: "merge without keys", resource: "write_disposition: merge"},
		{name: "delete-insert deduplicated", resource: "write_disposition: {disposition: merge, strategy: delete-insert, deduplicated: true}\n      primary_key: id"},
		{name: "upsert", resource: "write_disposition: {disposition: merge, strategy: upsert}\n      primary_key: [id, region]"},
		{name: "upsert with a primary key column hint",
			resource: "write_disposition: {disposition: merge, strategy: upsert}\n      columns: {id: {primary_key: true}}"},
		{name: "upsert without a primary key", resource: "write_disposition: {disposition: merge, strategy: upsert}",
			problems: []want{{Path: "source.resources[0].write_disposition", Line: 7, Msg: "the upsert strategy updates records by primary key", Hint: "set primary_key"}}},
		{name: "upsert with a merge key", resource: "write_disposition: {disposition: merge, strategy: upsert}\n      primary_key: id\n      merge_key: day",
			problems: []want{{Path: "source.resources[0].merge_key", Line: 9, Msg: "does not use merge_key", Hint: "remove merge_key"}}},
		{name: "deduplicated not a bool", resource: "write_disposition: {disposition: merge, deduplicated: yes please}\n      primary_key: id",
			problems: []want{{Path: "source.resources[0].write_disposition.deduplicated", Line: 7, Msg: "deduplicated must be true or false"}}},
		{name: "scd2", resource: "write_disposition: {disposition: merge, strategy: scd2}",
			warning: "resource a uses write_disposition: {disposition: merge, strategy: scd2}: sluice does not do the scd2 strategy yet; use strategy delete-insert"},
		{name: "insert-only", resource: "write_disposition: {disposition: merge, strategy: insert-only}\n      primary_key: id",
			warning: "sluice does not do the insert-only strategy yet; use strategy delete-insert (or upsert)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "pipeline: {name: p}\nsource:\n  client: {base_url: https://x.test/}\n  resources:\n    - name: a\n      endpoint: a\n      " + tt.resource + "\n"
			f, probs := parse(t, src, nil, true)
			if len(tt.problems) > 0 {
				checkProblems(t, probs, tt.problems, true)
				return
			}
			if probs != nil {
				t.Fatalf("problems: %v", probs)
			}
			ws := f.Unsupported()
			if tt.warning == "" {
				if len(ws) > 0 {
					t.Fatalf("warnings: %v", ws)
				}
				return
			}
			if len(ws) != 1 || !strings.Contains(ws[0].Msg, tt.warning) || ws[0].Path != "source.resources[0].write_disposition" || ws[0].Resource != "a" {
				t.Fatalf("warnings = %+v, want one at source.resources[0].write_disposition containing %q", ws, tt.warning)
			}
		})
	}
}

// TestUpsertFromDefaults: the upsert check sees the disposition a
// resource inherits from resource_defaults.
func TestUpsertFromDefaults(t *testing.T) {
	src := `pipeline: {name: p}
source:
  client: {base_url: https://x.test/}
  resource_defaults:
    write_disposition: {disposition: merge, strategy: upsert}
  resources:
    - name: a
      primary_key: id
    - name: b
`
	_, probs := parse(t, src, nil, true)
	checkProblems(t, probs, []want{{Path: "source.resource_defaults.write_disposition", Line: 5, Msg: "resource b: the upsert strategy"}}, true)
}
