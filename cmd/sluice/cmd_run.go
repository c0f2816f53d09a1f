package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/cmd/sluice/internal/console"
	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/pipeline"
	"github.com/sluicehq/sluice/runtime/redact"
)

type runFlags struct {
	destination  string
	db           string
	dataset      string
	pipelinesDir string
	resources    []string
	limit        int
	logLevel     string
	progress     string
	format       string
	dryRun       bool
	cassette     cassetteFlags
}

func newRunCmd(stdout io.Writer, stderr *console.Writer, tty bool) *cobra.Command {
	var fl runFlags
	cmd := &cobra.Command{
		Use:   "run PIPELINE.yaml",
		Short: "Extract, normalize and load a pipeline; print the load summary",
		Long: `run sends the requests the pipeline file describes, turns the records into
dlt's relational tables and loads them into the destination file.

The load is atomic: the data of a run and the pipeline state it advanced
are committed together in one transaction, or not at all. A run that fails
or is interrupted leaves the database as it was.

Exit code 0 when the load succeeded, 1 when extraction or loading failed,
2 when the file or the command line is wrong, 130 when interrupted with
Ctrl-C (143 for SIGTERM); an interrupted run commits nothing. A second
Ctrl-C ends sluice at once; the database is still as before the run.

Progress goes to stderr (docs/progress.md): on a terminal a live line per
resource (pages, records, n/total and an ETA when the API tells a total,
records/s, the current URL with secrets masked) fitted to its width, with
warnings printed above it; elsewhere a plain line per resource every few
seconds and when it ends, without control characters. --progress none
silences it.

--dry-run sends nothing and writes nothing (no database, no state folder):
it prints each resource's first request as it would be sent (method, URL,
headers, body; secrets masked), its paginator and data selector (as the
file sets them, or "detected at run time from the first response"), and
dependent resources with their {resources.…} placeholders unresolved
(docs/inspect.md).`,
		Example: `  # load everything into demo.db in the current folder
  sluice run examples/demo/pipeline.yaml

  # two pages per resource, into a chosen file, with the summary as JSON
  sluice run examples/demo/pipeline.yaml --limit 2 --db /tmp/demo.db --format json

  # what would be sent, without sending it
  sluice run examples/demo/pipeline.yaml --dry-run

  # plain progress lines, e.g. into a CI log
  sluice run examples/demo/pipeline.yaml --progress log`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPipeline(cmd, args[0], &fl, stdout, stderr, tty)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.destination, "destination", "", "where to load: sqlite (default; the file's pipeline.destination otherwise), duckdb, postgres or filesystem (see sluice version for what this build has)")
	f.StringVar(&fl.db, "db", "", "the destination file (default <pipeline name>.db, or .duckdb for duckdb, in the current folder), a postgresql:// DSN for postgres, or a file:// bucket URL for filesystem")
	f.StringVar(&fl.dataset, "dataset", "", "the dataset name (default <pipeline name>_dataset)")
	f.StringVar(&fl.pipelinesDir, "pipelines-dir", "", "where pipeline state lives (env SLUICE_PIPELINES_DIR; default ~/.sluice/pipelines)")
	f.StringSliceVar(&fl.resources, "resources", nil, "load only these resources (comma-separated names); the parents they depend on run too, to feed them, without loading")
	f.IntVar(&fl.limit, "limit", 0, "fetch at most N pages per resource, like dlt's add_limit (0: no limit)")
	f.StringVar(&fl.logLevel, "log-level", "warn", "debug|info|warn|error; logs go to stderr, secrets redacted")
	f.StringVar(&fl.progress, "progress", "auto", "auto|bar|log|none; auto draws a live line per resource on a terminal and logs a line every 5 seconds otherwise; none: silent")
	f.StringVar(&fl.format, "format", "text", "text|json; json prints the load summary as one JSON object on stdout")
	f.BoolVar(&fl.dryRun, "dry-run", false, "print the first request of each resource (secrets masked), its paginator and data selector; send nothing, write nothing")
	addCassetteFlags(f, &fl.cassette)
	return cmd
}

func runPipeline(cmd *cobra.Command, path string, fl *runFlags, stdout io.Writer, stderr *console.Writer, tty bool) error {
	level, err := parseLevel(fl.logLevel)
	if err != nil {
		return failure(stderr, err)
	}
	if fl.format != "text" && fl.format != "json" {
		return failure(stderr, &pipeline.UsageError{Msg: fmt.Sprintf("--format %q: expected text or json", fl.format)})
	}
	// With --format json a failure is also one JSON object on stdout, so a
	// script reads one document whatever happened.
	failJSON := func(exit, err error) error {
		if fl.format == "json" {
			writeRunFailure(stdout, path, err, exit)
		}
		return exit
	}
	fail := func(err error) error { return failJSON(failure(stderr, err), err) }
	progress, every, err := progressFunc(fl.progress, stderr, tty)
	if err != nil {
		return fail(err)
	}
	if fl.destination != "" && !slices.Contains(config.DestinationTypes, fl.destination) {
		return fail(&pipeline.UsageError{Msg: fmt.Sprintf("--destination %q: expected one of %s", fl.destination, strings.Join(config.DestinationTypes, ", "))})
	}
	if fl.limit < 0 {
		return fail(&pipeline.UsageError{Msg: "--limit must be 0 (no limit) or more"})
	}
	if fl.dryRun && (fl.cassette.record != "" || fl.cassette.replay != "") {
		return fail(&pipeline.UsageError{Msg: "--dry-run sends no request, so there is nothing to --record or --replay: drop one of them"})
	}
	f, err := loadFile(path)
	if err != nil {
		return fail(err)
	}
	red := redact.New(f.Secrets...)
	logger := slog.New(red.Handler(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})))
	if fl.dryRun {
		return dryRun(cmd, f, fl, stdout, red, logger, fail)
	}
	opts := pipeline.Options{
		Destination:  fl.destination,
		DBPath:       fl.db,
		Dataset:      fl.dataset,
		PipelinesDir: fl.pipelinesDir,
		Resources:    fl.resources,
		PageLimit:    fl.limit,
		Version:      version,
		Registries:   registries(),
		Destinations: destinations(),
		Logger:       logger,
		Redactor:     red,
		Progress:     progress,
		// how often the display hears of the counts
		ProgressInterval: every,
	}
	if err := fl.cassette.apply(f, red, &opts); err != nil {
		return fail(err)
	}
	sum, err := pipeline.Run(cmd.Context(), f, opts)
	if err != nil {
		if cause := context.Cause(cmd.Context()); cause != nil {
			return failJSON(interrupted(stderr, cause), cause)
		}
		return fail(red.Error(err))
	}
	// The summary may name a ${…} value (the database path, the pipeline).
	out := red.Writer(stdout)
	if fl.format == "json" {
		enc := json.NewEncoder(out)
		return enc.Encode(sum)
	}
	printSummary(out, sum)
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, &pipeline.UsageError{Msg: fmt.Sprintf("--log-level %q: expected debug, info, warn or error", s)}
}

// printSummary writes the load summary in dlt's words, then the rows per
// table.
func printSummary(w io.Writer, s *pipeline.Summary) {
	if !s.Loaded {
		fmt.Fprintf(w, "Pipeline %s: no records extracted, nothing loaded (%.2fs)\n", s.Pipeline, s.Duration)
		return
	}
	fmt.Fprintf(w, "Pipeline %s load step completed in %.2fs\n", s.Pipeline, s.Duration)
	fmt.Fprintf(w, "1 load package(s) were loaded to destination %s and into dataset %s\n", s.Destination, s.Dataset)
	fmt.Fprintf(w, "The %s destination used %s location to store data\n", s.Destination, s.DBPath)
	fmt.Fprintf(w, "Load package %s is LOADED and contains no failed jobs\n", s.LoadID)
	names := make([]string, 0, len(s.Tables))
	width := 5
	for n := range s.Tables {
		names = append(names, n)
		width = max(width, len(n))
	}
	sort.Strings(names)
	fmt.Fprintf(w, "\n%-*s  %s\n", width, "table", "rows")
	for _, n := range names {
		fmt.Fprintf(w, "%-*s  %d\n", width, n, s.Tables[n])
	}
}

// runFailure is the --format json output of a run that failed.
type runFailure struct {
	File     string          `json:"file"`
	OK       bool            `json:"ok"`
	ExitCode int             `json:"exit_code"`
	Error    string          `json:"error"`
	Problems []reportProblem `json:"problems,omitempty"`
}

// writeRunFailure prints err (already redacted by the caller where it can
// hold a secret) as one JSON object; exit is what failure returned.
func writeRunFailure(w io.Writer, path string, err, exit error) {
	rep := runFailure{File: path, ExitCode: exitFailed, Error: err.Error()}
	var ee *exitError
	if errors.As(exit, &ee) {
		rep.ExitCode = ee.code
	}
	var problems config.Problems
	if errors.As(err, &problems) {
		rep.Error = fmt.Sprintf("%d problem(s) in the pipeline file", len(problems))
		for _, p := range problems {
			rep.Problems = append(rep.Problems, reportProblem{Path: p.Path, Line: p.Line, Column: p.Column, Message: p.Msg, Hint: p.Hint})
		}
	}
	_ = json.NewEncoder(w).Encode(rep)
}
