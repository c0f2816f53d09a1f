package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/runtime/inspect"
	"github.com/sluicehq/sluice/runtime/pipeline"
	"github.com/sluicehq/sluice/runtime/state"
)

// pipelineInfoReport is `pipeline NAME info --format json`.
type pipelineInfoReport struct {
	Pipeline    string          `json:"pipeline"`
	Destination string          `json:"destination"`
	DB          string          `json:"db"`
	Dataset     string          `json:"dataset"`
	StateDir    string          `json:"state_dir"`
	Loads       []inspect.Load  `json:"loads"`
	Tables      []inspect.Table `json:"tables"`
}

func pipelineInfo(cmd *cobra.Command, t *pipelineTarget, fl *pipelineFlags, stdout io.Writer) error {
	rep := pipelineInfoReport{Pipeline: t.name, Destination: t.destTyp, DB: t.shown(), Dataset: t.dataset, StateDir: t.dir.Path,
		Loads: []inspect.Load{}, Tables: []inspect.Table{}}
	dest, err := openDest(cmd, t)
	if err != nil {
		return err
	}
	if dest != nil {
		defer dest.Close()
		ctx := cmd.Context()
		sch, err := inspect.Schema(ctx, dest, pipeline.SchemaName)
		if err != nil {
			return err
		}
		if rep.Loads, err = inspect.Loads(ctx, dest, fl.loads); err != nil {
			return err
		}
		if rep.Tables, err = inspect.Tables(ctx, dest, sch); err != nil {
			return err
		}
		rep.Loads = orEmpty(rep.Loads)
		rep.Tables = orEmpty(rep.Tables)
	}
	if fl.format == "json" {
		return writeJSON(stdout, rep)
	}
	printInfo(stdout, &rep, dest != nil)
	return nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func printInfo(w io.Writer, r *pipelineInfoReport, exists bool) {
	fmt.Fprintf(w, "Pipeline %s\n", r.Pipeline)
	fmt.Fprintf(w, "  destination  %s at %s, dataset %s\n", r.Destination, r.DB, r.Dataset)
	fmt.Fprintf(w, "  state folder %s\n", r.StateDir)
	if !exists {
		fmt.Fprintf(w, "\nThe database file does not exist: nothing was loaded yet.\n")
		return
	}
	fmt.Fprintf(w, "\nLoads (newest first):\n")
	if len(r.Loads) == 0 {
		fmt.Fprintf(w, "  none\n")
	}
	for _, l := range r.Loads {
		fmt.Fprintf(w, "  %s  %s  %s\n", l.LoadID, l.InsertedAt, rowsText(l.Rows))
	}
	fmt.Fprintf(w, "\nTables:\n")
	if len(r.Tables) == 0 {
		fmt.Fprintf(w, "  none\n")
	}
	for _, t := range r.Tables {
		rows := fmt.Sprintf("%d rows", t.Rows)
		if t.Rows < 0 {
			rows = "not created yet"
		}
		var about []string
		if t.Parent != "" {
			about = append(about, "child of "+t.Parent)
		} else {
			about = append(about, "resource "+t.Resource, t.WriteDisposition)
		}
		if len(t.Children) > 0 {
			about = append(about, "children: "+strings.Join(t.Children, ", "))
		}
		about = append(about, rows)
		fmt.Fprintf(w, "  %s (%s)\n", t.Name, strings.Join(about, ", "))
		width := 0
		for _, c := range t.Columns {
			width = max(width, len(c.Name))
		}
		for _, c := range t.Columns {
			var hints []string
			if !c.Nullable {
				hints = append(hints, "not null")
			}
			if c.PrimaryKey {
				hints = append(hints, "primary key")
			}
			if c.MergeKey {
				hints = append(hints, "merge key")
			}
			line := fmt.Sprintf("    %-*s  %-9s %s", width, c.Name, c.DataType, strings.Join(hints, ", "))
			fmt.Fprintln(w, strings.TrimRight(line, " "))
		}
	}
}

// rowsText lists rows per table, sorted by table: "users 10, users__tags 25".
func rowsText(rows map[string]int64) string {
	if len(rows) == 0 {
		return "no rows"
	}
	names := make([]string, 0, len(rows))
	for n := range rows {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %d", n, rows[n])
	}
	return strings.Join(parts, ", ")
}

// pipelineStateReport is `pipeline NAME state --format json`.
type pipelineStateReport struct {
	Pipeline string `json:"pipeline"`
	// From says where the state was read: "destination", "local" (the
	// state folder's copy, when the database has none) or "none".
	From      string                  `json:"from"`
	Version   int64                   `json:"version"`
	Resources []inspect.ResourceState `json:"resources"`
	// State is the whole state document.
	State *state.State `json:"state,omitempty"`
}

func pipelineState(cmd *cobra.Command, t *pipelineTarget, fl *pipelineFlags, stdout io.Writer) error {
	rep := pipelineStateReport{Pipeline: t.name, From: "none", Resources: []inspect.ResourceState{}}
	dest, err := openDest(cmd, t)
	if err != nil {
		return err
	}
	var st *state.State
	if dest != nil {
		defer dest.Close()
		if st, err = inspect.State(cmd.Context(), dest, t.name); err != nil {
			return err
		}
		if st != nil {
			rep.From = "destination"
		}
	}
	if st == nil && t.local != nil {
		st, rep.From = t.local, "local"
	}
	if st != nil {
		rep.Version = st.Version
		rep.Resources = orEmpty(inspect.Resources(st, pipeline.SchemaName))
		c := *st
		c.Local = nil
		rep.State = &c
	}
	if fl.format == "json" {
		return writeJSON(stdout, rep)
	}
	if st == nil {
		fmt.Fprintf(stdout, "Pipeline %s has no state yet: the next run starts from the initial values.\n", t.name)
		return nil
	}
	fmt.Fprintf(stdout, "Pipeline %s, state version %d (read from the %s)\n", t.name, rep.Version, rep.From)
	if len(rep.Resources) == 0 {
		fmt.Fprintf(stdout, "  no resource keeps state\n")
	}
	for _, r := range rep.Resources {
		fmt.Fprintf(stdout, "  %s\n", r.Resource)
		for _, c := range r.Cursors {
			who := "cursor"
			if c.ParentKey != "" {
				who = fmt.Sprintf("parent %s: cursor", c.ParentKey)
			}
			fmt.Fprintf(stdout, "    %s %s: last_value %s (initial_value %s), %d unique hash(es)\n", who, c.CursorPath, jsonText(c.LastValue), jsonText(c.InitialValue), c.UniqueHashes)
		}
		if len(r.KV) > 0 {
			fmt.Fprintf(stdout, "    kv: %s\n", jsonText(r.KV))
		}
	}
	return nil
}

// jsonText renders a state value as compact JSON.
func jsonText(v any) string {
	var b strings.Builder
	if err := writeCompact(&b, v); err != nil {
		return fmt.Sprint(v)
	}
	return b.String()
}

func pipelineDrop(cmd *cobra.Command, t *pipelineTarget, fl *pipelineFlags, stdout, stderr io.Writer) error {
	what := "the state of every resource"
	if len(fl.resources) > 0 {
		what = "the state of resource(s) " + strings.Join(fl.resources, ", ")
	}
	if fl.tables {
		what += " and their tables"
	}
	if !fl.yes {
		if !stdinIsTerminal() {
			return &pipeline.UsageError{Msg: fmt.Sprintf("drop would reset %s of pipeline %s; stdin is not a terminal to ask on: add --yes", what, t.name)}
		}
		if !confirm(cmd, stderr, fmt.Sprintf("Reset %s of pipeline %s (in %s and %s)?", what, t.name, t.shown(), t.dir.Path)) {
			fmt.Fprintln(stderr, "Nothing changed.")
			return nil
		}
	}
	release, err := t.dir.Lock()
	if errors.Is(err, state.ErrLocked) {
		return fmt.Errorf("pipeline %s is running: %w. Dropping now would be undone when that run commits; wait for it to end", t.name, err)
	}
	if err != nil {
		return err
	}
	defer release()
	dest, err := openDest(cmd, t)
	if err != nil {
		return err
	}
	res := &inspect.DropResult{Resources: []string{}, Tables: []string{}}
	if dest != nil {
		defer dest.Close()
		res, err = inspect.Drop(cmd.Context(), dest, inspect.DropOptions{
			Pipeline: t.name, SchemaName: pipeline.SchemaName, Resources: fl.resources, Tables: fl.tables,
		})
		var unknown *inspect.UnknownResourceError
		if errors.As(err, &unknown) {
			return &pipeline.UsageError{Msg: err.Error()}
		}
		if err != nil {
			return err
		}
	}
	if err := resetLocal(t, fl, res); err != nil {
		return fmt.Errorf("the database is reset, but the state folder %s is not: %w", t.dir.Path, err)
	}
	if fl.format == "json" {
		return writeJSON(stdout, res)
	}
	fmt.Fprintf(stdout, "Pipeline %s: reset the state of %s", t.name, listOr(res.Resources, "no resource (none had state)"))
	if fl.tables {
		fmt.Fprintf(stdout, "; dropped %s", listOr(res.Tables, "no table"))
	}
	fmt.Fprintln(stdout)
	if res.LoadID != "" {
		fmt.Fprintf(stdout, "Committed as load %s in %s\n", res.LoadID, t.shown())
	}
	return nil
}

func listOr(s []string, none string) string {
	if len(s) == 0 {
		return none
	}
	return strings.Join(s, ", ")
}

// resetLocal writes the state after the drop into the state folder (the
// local copy is a cache of the destination's), keeping its _local facts.
func resetLocal(t *pipelineTarget, fl *pipelineFlags, res *inspect.DropResult) error {
	if t.local == nil {
		return nil
	}
	st := res.State
	if st == nil {
		// the database had nothing: reset the local copy alone
		c := *t.local
		st = &c
		st.Sources = map[string]any{}
		if len(fl.resources) > 0 {
			st.Sources = t.local.Sources
			for _, r := range fl.resources {
				st.SetResourceValue(pipeline.SchemaName, r, "incremental", nil)
				st.SetResourceValue(pipeline.SchemaName, r, "incremental_by_parent", nil)
				st.SetResourceValue(pipeline.SchemaName, r, state.KVKey, nil)
			}
		}
	}
	st.Local = t.local.Local
	if res.LoadID != "" {
		if st.Local == nil {
			st.Local = map[string]any{}
		}
		st.Local["last_load_id"] = res.LoadID
	}
	if err := t.dir.Save(st); err != nil {
		return err
	}
	if res.Schema != nil {
		b, err := res.Schema.MarshalJSON()
		if err != nil {
			return err
		}
		return t.dir.SaveFile(filepath.Join("schemas", pipeline.SchemaName+".schema.json"), b)
	}
	return nil
}
