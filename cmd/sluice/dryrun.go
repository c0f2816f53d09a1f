package main

import (
	"fmt"
	"io"
	"log/slog"
	"sort"

	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/pipeline"
	"github.com/sluicehq/sluice/runtime/redact"
)

// dryRunReport is `run --dry-run --format json`.
type dryRunReport struct {
	Pipeline  string          `json:"pipeline"`
	DryRun    bool            `json:"dry_run"`
	Resources []pipeline.Plan `json:"resources"`
}

// dryRun prints the plan of every resource of the run instead of running
// it: nothing is sent, nothing is written.
func dryRun(cmd *cobra.Command, f *config.File, fl *runFlags, stdout io.Writer, red *redact.Redactor, log *slog.Logger, fail func(error) error) error {
	plans, err := pipeline.DryRun(cmd.Context(), f, pipeline.Options{
		Destination:  fl.destination,
		DBPath:       fl.db,
		Dataset:      fl.dataset,
		PipelinesDir: fl.pipelinesDir,
		Resources:    fl.resources,
		Version:      version,
		Registries:   registries(),
		Destinations: destinations(),
		Logger:       log,
		Redactor:     red,
	})
	if err != nil {
		return fail(red.Error(err))
	}
	out := red.Writer(stdout)
	if fl.format == "json" {
		return writeJSON(out, dryRunReport{Pipeline: f.Pipeline.Name, DryRun: true, Resources: plans})
	}
	fmt.Fprintf(out, "Dry run of pipeline %s: no request is sent, nothing is written.\n", f.Pipeline.Name)
	for _, p := range plans {
		printPlan(out, &p)
	}
	return nil
}

func printPlan(w io.Writer, p *pipeline.Plan) {
	fmt.Fprintf(w, "\nresource %s", p.Resource)
	switch {
	case p.Parent != "" && !p.Loaded:
		fmt.Fprintf(w, " (depends on %s; runs only to feed the chosen resources, not loaded)", p.Parent)
	case p.Parent != "":
		fmt.Fprintf(w, " (depends on %s)", p.Parent)
	case !p.Loaded:
		fmt.Fprintf(w, " (runs only to feed the chosen resources, not loaded)")
	}
	fmt.Fprintln(w)
	if p.URL != "" {
		fmt.Fprintf(w, "  %s %s\n", p.Method, p.URL)
		keys := make([]string, 0, len(p.Header))
		for k := range p.Header {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, v := range p.Header[k] {
				fmt.Fprintf(w, "  %s: %s\n", k, v)
			}
		}
		if p.Body != "" {
			fmt.Fprintf(w, "  body: %s\n", p.Body)
		}
	}
	if p.Auth != "" {
		fmt.Fprintf(w, "  auth: %s\n", p.Auth)
	}
	fmt.Fprintf(w, "  paginator: %s\n", p.Paginator)
	fmt.Fprintf(w, "  data_selector: %s\n", p.DataSelector)
	if p.Incremental != "" {
		fmt.Fprintf(w, "  incremental: %s\n", p.Incremental)
	}
	for _, n := range p.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}
