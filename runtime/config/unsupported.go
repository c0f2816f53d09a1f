package config

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Warning is something a valid file asks for that this version of sluice
// accepts but cannot do yet. `validate` prints warnings and exits 0; `run`
// refuses a resource that has one.
type Warning struct {
	// Path, Line and Column locate the field, as in Problem.
	Path         string
	Line, Column int
	// Resource is the name of the resource the warning is about; empty for
	// the pipeline section and the file as a whole.
	Resource string
	// Feature names the field as the user wrote it, e.g.
	// "write_disposition: merge" or "endpoint.incremental".
	Feature string
	Msg     string
}

// String renders the warning like a Problem:
//
//	source.resources[0].write_disposition (line 9, col 5): resource users uses …
func (w Warning) String() string {
	return Problem{Path: w.Path, Line: w.Line, Column: w.Column, Msg: w.Msg}.String()
}

// Unsupported lists what f asks for that this version accepts but cannot
// run yet, in file order: the merge strategies scd2 and insert-only,
// the dlt table hints sluice keeps but does not act
// on (schema_contract, references, table_format, file_format,
// parent_table_name), a destination this build lacks, and a file whose
// every resource is `selected: false`.
//
// It is the one list both commands use: `validate` prints it as warnings,
// `run` refuses the selected resources that appear in it. Running without
// these would load something other than what the file asks for
// (duplicates instead of a merge, every row instead of the filtered ones),
// which is worse than not running.
func (f *File) Unsupported() []Warning {
	var out []Warning
	have := f.destinations
	if have == nil {
		have = []string{DefaultDestination}
	}
	if d := f.Pipeline.Destination; d != "" && !slices.Contains(have, d) {
		l := f.Pipeline.destAt
		out = append(out, Warning{Path: l.path, Line: l.pos.Line, Column: l.pos.Column,
			Feature: "destination: " + d,
			Msg: fmt.Sprintf("the pipeline uses destination: %s, which is not built into this binary (this build has: %s%s)",
				d, strings.Join(have, ", "), buildHint(d))})
	}
	selected := 0
	for _, r := range f.Source.Resources {
		if r.Selected {
			selected++
		}
		out = append(out, r.unsupported()...)
	}
	if selected == 0 && len(f.Source.Resources) > 0 {
		out = append(out, Warning{Path: "source.resources", Line: f.Source.Resources[0].Pos.Line, Column: f.Source.Resources[0].Pos.Column,
			Feature: "selected: false",
			Msg:     "no resource is selected: every resource has `selected: false`, so run has nothing to load"})
	}
	for i := range out {
		out[i].Msg = redact(out[i].Msg, f.Secrets)
		out[i].Feature = redact(out[i].Feature, f.Secrets)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Line != out[j].Line {
			return out[i].Line < out[j].Line
		}
		return out[i].Column < out[j].Column
	})
	return out
}

// unsupportedHints are the dlt table hints a resource may carry in Extra
// that no part of sluice reads yet. nested_hints is read by the
// normalizer and is not among them.
var unsupportedHints = []string{"schema_contract", "references", "table_format", "file_format", "parent_table_name"}

// unsupported lists the fields of r that this version cannot run yet.
func (r *Resource) unsupported() []Warning {
	var out []Warning
	add := func(key string, at loc, feature, why string) {
		if at.path == "" {
			at = r.loc(key)
		}
		msg := fmt.Sprintf("resource %s uses %s, which this version of sluice accepts but cannot run yet", r.Name, feature)
		if why != "" {
			msg = fmt.Sprintf("resource %s %s", r.Name, why)
		}
		out = append(out, Warning{Path: at.path, Line: at.pos.Line, Column: at.pos.Column, Resource: r.Name, Feature: feature, Msg: msg})
	}
	if w := r.WriteDisposition; w == "merge" && (r.MergeStrategy == "scd2" || r.MergeStrategy == "insert-only") {
		feature := "write_disposition: {disposition: merge, strategy: " + r.MergeStrategy + "}"
		add("write_disposition", loc{}, feature, "uses "+feature+": sluice does not do the "+r.MergeStrategy+" strategy yet; "+instead[r.MergeStrategy])
	}
	for _, k := range unsupportedHints {
		if _, ok := r.Extra[k]; ok {
			add(k, loc{}, k, "")
		}
	}
	return out
}

// instead says what to use in place of a merge strategy sluice lacks.
var instead = map[string]string{
	"scd2": "use strategy delete-insert (or upsert) with a primary_key to keep the latest version of each record, " +
		"or write_disposition: append to keep every version",
	"insert-only": "use strategy delete-insert (or upsert) with a primary_key, which also updates records already loaded, " +
		"or write_disposition: append with incremental loading to add only new records",
}

// loc is where the resource's field key is written, or the resource
// itself when that is not known.
func (r *Resource) loc(key string) loc {
	if l, ok := r.at[key]; ok {
		return l
	}
	return loc{path: r.Path, pos: r.Pos}
}

// listPath is the path of the list that holds the entry at path
// ("a.b[0]" → "a.b").
func listPath(path string) string {
	if i := strings.LastIndexByte(path, '['); i > 0 && strings.HasSuffix(path, "]") {
		return path[:i]
	}
	return path
}

// buildHint says how to get a destination type a build lacks.
func buildHint(typ string) string {
	if typ == "duckdb" {
		return "; `make build` builds sluice with duckdb"
	}
	return ""
}
