package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/cmd/sluice/internal/console"
	"github.com/sluicehq/sluice/runtime/cassette"
	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/pipeline"
	"github.com/sluicehq/sluice/runtime/redact"
)

type testFlags struct {
	cassette string
	golden   string
	update   bool
	logLevel string
}

func newTestCmd(stdout io.Writer, stderr *console.Writer) *cobra.Command {
	var fl testFlags
	cmd := &cobra.Command{
		Use:   "test PIPELINE.yaml",
		Short: "Replay a recorded cassette into a temporary database and compare it with the golden summary",
		Long: `test runs the pipeline against a cassette recorded with
sluice run PIPELINE.yaml --record DIR (no network: every request is answered
from the cassette), into a temporary database and pipelines folder, and
compares what it loaded with the golden summary beside the pipeline file:
the tables, their columns and dlt data types, the rows per table and a hash
of each column's values and of each table's rows (without _dlt_load_id and
the random _dlt_id, _dlt_parent_id and _dlt_root_id).

Default names, for PIPELINE.yaml:
  PIPELINE.cassette/      the cassette (--cassette)
  PIPELINE.golden.yaml    the golden summary (--golden)

A cassette folder with subfolders run-1, run-2, … replays them in that
order into the same database and state: an incremental pipeline tested
across runs. Record them with --record PIPELINE.cassette/run-1, then run-2.

Exit code 0 when the load matches the golden summary, 1 when it differs
(the differences are listed by table and column) or the replay fails,
2 when the file, the cassette or the golden summary is missing or wrong.
--update writes the golden summary from the replay instead.`,
		Example: `  sluice test examples/demo/pipeline.yaml
  sluice test examples/demo/pipeline.yaml --update     # accept the new load
  sluice test pipeline.yaml --cassette testdata/run.cassette`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return testPipeline(cmd.Context(), args[0], &fl, stdout, stderr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.cassette, "cassette", "", "the cassette folder (default PIPELINE.cassette beside the pipeline file)")
	f.StringVar(&fl.golden, "golden", "", "the golden summary (default PIPELINE.golden.yaml beside the pipeline file)")
	f.BoolVar(&fl.update, "update", false, "write the golden summary from this replay instead of comparing")
	f.StringVar(&fl.logLevel, "log-level", "warn", "debug|info|warn|error; logs go to stderr, secrets redacted")
	return cmd
}

// testPaths are the default cassette folder and golden file of a pipeline
// file: beside it, named after it without .yaml/.yml.
func testPaths(pipelinePath string) (cassetteDir, golden string) {
	base := strings.TrimSuffix(strings.TrimSuffix(pipelinePath, ".yaml"), ".yml")
	return base + ".cassette", base + ".golden.yaml"
}

var runDirRE = regexp.MustCompile(`^run-([0-9]+)$`)

// cassetteRuns lists the cassettes to replay in order: the run-N
// subfolders of dir by N, or dir itself when it has none.
func cassetteRuns(dir string) ([]string, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	type run struct {
		n   int
		dir string
	}
	var runs []run
	for _, de := range des {
		if m := runDirRE.FindStringSubmatch(de.Name()); de.IsDir() && m != nil {
			n, _ := strconv.Atoi(m[1])
			runs = append(runs, run{n, filepath.Join(dir, de.Name())})
		}
	}
	if len(runs) == 0 {
		return []string{dir}, nil
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].n < runs[j].n })
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = r.dir
	}
	return out, nil
}

func testPipeline(ctx context.Context, path string, fl *testFlags, stdout io.Writer, stderr *console.Writer) error {
	level, err := parseLevel(fl.logLevel)
	if err != nil {
		return failure(stderr, err)
	}
	cassetteDir, golden := testPaths(path)
	if fl.cassette != "" {
		cassetteDir = fl.cassette
	}
	if fl.golden != "" {
		golden = fl.golden
	}
	f, err := loadFile(path)
	if err != nil {
		return failure(stderr, err)
	}
	runs, err := cassetteRuns(cassetteDir)
	if err != nil {
		msg := fmt.Sprintf("cannot read the cassette: %v", err)
		if errors.Is(err, fs.ErrNotExist) {
			msg = fmt.Sprintf("no cassette at %s: record one with sluice run %s --record %s (or give --cassette DIR)", cassetteDir, path, cassetteDir)
		}
		return failure(stderr, &pipeline.UsageError{Msg: msg})
	}
	var want *cassette.Summary
	if !fl.update {
		data, err := os.ReadFile(golden)
		if err != nil {
			msg := fmt.Sprintf("cannot read the golden summary: %v", err)
			if errors.Is(err, fs.ErrNotExist) {
				msg = fmt.Sprintf("no golden summary at %s: write it with sluice test %s --update (and check it in)", golden, path)
			}
			return failure(stderr, &pipeline.UsageError{Msg: msg})
		}
		if want, err = cassette.ParseSummary(data); err != nil {
			return failure(stderr, &pipeline.UsageError{Msg: fmt.Sprintf("golden summary %s: %v (rewrite it with --update)", golden, err)})
		}
	}

	tmp, err := os.MkdirTemp("", "sluice-test-")
	if err != nil {
		return failure(stderr, err)
	}
	defer os.RemoveAll(tmp)
	db := filepath.Join(tmp, f.Pipeline.Name+".db")
	requests := 0
	var red *redact.Redactor
	for i, dir := range runs {
		if i > 0 {
			if f, err = loadFile(path); err != nil {
				return failure(stderr, err)
			}
		}
		red = redact.New(f.Secrets...)
		rp, err := cassette.Load(dir, cassetteOptions(f, red))
		if err != nil {
			return failure(stderr, &pipeline.UsageError{Msg: err.Error()})
		}
		requests += rp.Len()
		logger := slog.New(red.Handler(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})))
		if _, err := pipeline.Run(ctx, f, pipeline.Options{
			Destination:  "sqlite",
			DBPath:       db,
			PipelinesDir: filepath.Join(tmp, "pipelines"),
			Version:      version,
			Registries:   registries(),
			Destinations: destinations(),
			Logger:       logger,
			Redactor:     red,
			Transport:    rp,
			NoWait:       true,
		}); err != nil {
			if cause := context.Cause(ctx); cause != nil {
				return interrupted(stderr, cause)
			}
			return failure(stderr, red.Error(fmt.Errorf("replaying %s: %w", dir, err)))
		}
	}
	got, err := summarizeDB(ctx, db, f.Pipeline.Name)
	if err != nil {
		return failure(stderr, err)
	}
	rows := int64(0)
	for _, t := range got.Tables {
		rows += t.Rows
	}
	what := fmt.Sprintf("%d tables, %d rows from %d recorded requests", len(got.Tables), rows, requests)
	out := red.Writer(stdout)
	if fl.update {
		data, err := got.Marshal()
		if err == nil {
			err = os.WriteFile(golden, data, 0o644)
		}
		if err != nil {
			return failure(stderr, fmt.Errorf("writing the golden summary: %w", err))
		}
		fmt.Fprintf(out, "wrote %s (%s)\n", golden, what)
		return nil
	}
	diff := cassette.Diff(want, got)
	if len(diff) == 0 {
		fmt.Fprintf(out, "ok %s (%s)\n", path, what)
		return nil
	}
	w := red.Writer(stderr)
	fmt.Fprintf(w, "FAIL %s: the replay of %s differs from %s:\n", path, cassetteDir, golden)
	for _, d := range diff {
		fmt.Fprintf(w, "  %s\n", d)
	}
	fmt.Fprintf(w, "accept the new load with: sluice test %s --update\n", path)
	return &exitError{code: exitFailed}
}

// summarizeDB summarizes the SQLite file a test replayed into.
func summarizeDB(ctx context.Context, db, name string) (*cassette.Summary, error) {
	if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) {
		return &cassette.Summary{Pipeline: name, Tables: map[string]*cassette.TableSummary{}}, nil
	}
	dest, err := destinations().Open(ctx, "sqlite", destination.Config{Path: db})
	if err != nil {
		return nil, fmt.Errorf("opening the replayed database: %w", err)
	}
	defer dest.Close()
	return cassette.Summarize(ctx, dest, name)
}
