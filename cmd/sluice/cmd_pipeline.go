package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/sluicehq/sluice/cmd/sluice/internal/console"
	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/pipeline"
	"github.com/sluicehq/sluice/runtime/state"
)

// pipelineFlags are the flags of `sluice pipeline NAME ACTION`.
type pipelineFlags struct {
	pipelinesDir string
	db           string
	destination  string
	dataset      string
	format       string
	loads        int
	yes          bool
	tables       bool
	resources    []string
}

// stdinIsTerminal says whether drop may ask for confirmation; tests
// replace it.
var stdinIsTerminal = func() bool { return term.IsTerminal(int(os.Stdin.Fd())) }

func newPipelineCmd(stdout io.Writer, stderr *console.Writer) *cobra.Command {
	var fl pipelineFlags
	cmd := &cobra.Command{
		Use:   "pipeline NAME info|state|drop",
		Short: "Show a pipeline's loads, schema and state, or reset it",
		Long: `pipeline reads what the runs of pipeline NAME left: the database the last
run loaded into (remembered in the pipeline's state folder,
<pipelines dir>/NAME; --db reads another) and the state there.

  info   the last loads, newest first, with the rows each brought per table,
         and the schema: every table with its columns, types, parent and
         child tables, and row count
  state  the incremental state per resource: the cursor, its initial and
         last value, and the cursors per parent record of a dependent
         resource (incremental.per_parent), as committed with the last load
  drop   resets the state, in the database (in one transaction, committed
         as a load of its own, as dlt does) and in the state folder, so the
         next run starts from the initial values; --tables also drops the
         pipeline's tables; --resources limits both to some resources. It
         asks before it changes anything; --yes answers for you, and is
         needed when stdin is not a terminal.

Without arguments, pipeline lists the pipelines of the pipelines folder
with the database each last loaded into.

Nothing but drop writes; info and state send no request.`,
		Example: `  sluice pipeline                                    # the pipelines that have run here
  sluice pipeline demo info
  sluice pipeline demo info --format json | jq '.loads[0].rows'
  sluice pipeline demo state
  sluice pipeline demo drop --yes                    # reset the state, keep the data
  sluice pipeline demo drop --tables --resources users --yes
  sluice pipeline demo info --db /data/demo.db       # a database the state folder does not name`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil // lists the pipelines
			}
			if len(args) != 2 {
				return fmt.Errorf("pipeline needs a pipeline name and an action (info, state or drop), e.g. sluice pipeline demo info")
			}
			switch args[1] {
			case "info", "state", "drop":
				return nil
			}
			return fmt.Errorf("pipeline %s %s: unknown action %q: expected info, state or drop", args[0], args[1], args[1])
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if fl.format != "text" && fl.format != "json" {
				return failure(stderr, &pipeline.UsageError{Msg: fmt.Sprintf("--format %q: expected text or json", fl.format)})
			}
			if len(args) == 0 {
				if err := listPipelines(&fl, stdout); err != nil {
					return failure(stderr, err)
				}
				return nil
			}
			t, err := findPipeline(args[0], &fl)
			if err != nil {
				return failure(stderr, err)
			}
			switch args[1] {
			case "info":
				err = pipelineInfo(cmd, t, &fl, stdout)
			case "state":
				err = pipelineState(cmd, t, &fl, stdout)
			default:
				err = pipelineDrop(cmd, t, &fl, stdout, stderr)
			}
			if err != nil {
				return failure(stderr, err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.pipelinesDir, "pipelines-dir", "", "where pipeline state lives (env SLUICE_PIPELINES_DIR; default ~/.sluice/pipelines)")
	f.StringVar(&fl.db, "db", "", "the destination file to read (default: the one the last run of NAME loaded into)")
	f.StringVar(&fl.destination, "destination", "", "the type of --db: sqlite or duckdb (default: the last run's, else from the file's extension)")
	f.StringVar(&fl.dataset, "dataset", "", "the dataset (default: the last run's, else NAME_dataset)")
	f.StringVar(&fl.format, "format", "text", "text|json; json prints one JSON object on stdout")
	f.IntVar(&fl.loads, "loads", 10, "info: how many loads to list, newest first (0: all)")
	f.BoolVar(&fl.yes, "yes", false, "drop: do not ask for confirmation")
	f.BoolVar(&fl.tables, "tables", false, "drop: also drop the tables (root and nested) of the pipeline's resources")
	f.StringSliceVar(&fl.resources, "resources", nil, "drop: reset only these resources (comma-separated names)")
	return cmd
}

// pipelineTarget is where a pipeline's state and data are.
type pipelineTarget struct {
	name string
	dir  *state.Dir
	// local is the local state copy; nil when there is none.
	local   *state.State
	destTyp string
	dbPath  string
	dataset string
}

// findPipeline locates the pipeline's state folder and database without
// creating either.
func findPipeline(name string, fl *pipelineFlags) (*pipelineTarget, error) {
	root := firstNonEmpty(fl.pipelinesDir, state.DefaultRoot())
	t := &pipelineTarget{name: name, dir: &state.Dir{Path: filepath.Join(root, name)}}
	if _, err := os.Stat(t.dir.Path); err == nil {
		local, err := t.dir.Load()
		if err != nil {
			return nil, fmt.Errorf("reading the state of pipeline %s in %s: %w", name, t.dir.Path, err)
		}
		t.local = local
	} else if fl.db == "" {
		return nil, &pipeline.UsageError{Msg: fmt.Sprintf("no pipeline %q in %s: run it first (sluice run), set --pipelines-dir to the folder its runs used, or give --db", name, root)}
	}
	if t.local != nil {
		t.destTyp, t.dataset = t.local.DestinationName, t.local.DatasetName
		t.dbPath, _ = t.local.Local[pipeline.LocalDestinationPath].(string)
	}
	if fl.db != "" {
		switch scheme, _, isURL := strings.Cut(fl.db, "://"); {
		case isURL:
			// a DSN or a bucket URL, as run takes it
			t.dbPath = fl.db
			if fl.destination == "" {
				t.destTyp = map[string]string{"postgresql": "postgres", "postgres": "postgres", "file": "filesystem"}[scheme]
			}
		default:
			abs, err := filepath.Abs(fl.db)
			if err != nil {
				return nil, err
			}
			t.dbPath = abs
			if fl.destination == "" {
				t.destTyp = "sqlite"
				if strings.HasSuffix(abs, ".duckdb") {
					t.destTyp = "duckdb"
				}
			}
		}
	}
	t.destTyp = firstNonEmpty(fl.destination, t.destTyp, "sqlite")
	t.dataset = firstNonEmpty(fl.dataset, t.dataset, name+"_dataset")
	if t.dbPath == "" && t.local != nil {
		return nil, &pipeline.UsageError{Msg: fmt.Sprintf("the state folder of pipeline %s (%s) does not say where its data is (none has loaded yet, a run of an older sluice, or a destination whose location carries a password, such as a postgres DSN, which is never kept): give --db", name, t.dir.Path)}
	}
	return t, nil
}

// openDest opens the pipeline's database; (nil, nil) when the file does
// not exist (nothing was ever loaded), so that reading never creates it.
func openDest(cmd *cobra.Command, t *pipelineTarget) (destination.Destination, error) {
	if t.dbPath == "" {
		return nil, nil
	}
	reg := destinations()
	if ty, ok := reg.Lookup(t.destTyp); ok {
		if err := queryable(ty); err != nil {
			return nil, err
		}
	}
	if ty, ok := reg.Lookup(t.destTyp); !ok || !ty.URL {
		if _, err := os.Stat(t.dbPath); errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
	}
	if err := reg.Check(t.destTyp); err != nil {
		return nil, &pipeline.UsageError{Msg: err.Error()}
	}
	d, err := reg.Open(cmd.Context(), t.destTyp, destination.Config{Path: t.dbPath, Dataset: t.dataset})
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", t.shown(), err)
	}
	return d, nil
}

// shown is what may be printed of the database's location (a DSN without
// its password).
func (t *pipelineTarget) shown() string { return destinations().Display(t.destTyp, t.dbPath) }

// confirm asks question on stderr and reads the answer from stdin: only y
// or yes goes ahead.
func confirm(cmd *cobra.Command, stderr io.Writer, question string) bool {
	fmt.Fprintf(stderr, "%s [y/N] ", question)
	line, _ := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes"
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
