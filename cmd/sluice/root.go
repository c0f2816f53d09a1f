package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/cmd/sluice/internal/console"
)

// newRootCmd builds the command tree. stderr is the one writer for all
// diagnostics; tty says whether it is a terminal.
func newRootCmd(stdout io.Writer, stderr *console.Writer, tty bool) *cobra.Command {
	root := &cobra.Command{
		Use:   "sluice",
		Short: "Load data from any REST API into SQLite, from one YAML file",
		Long: `sluice loads data from REST APIs into a local database file.

A pipeline file says where the data comes from and where it goes. Its
source section is dlt's rest_api configuration written in YAML, field for
field, so a dlt pipeline moves over by changing syntax only:

  pipeline:
    name: demo                      # names the state folder and demo.db
  source:
    client:
      base_url: http://127.0.0.1:8765/
      auth: {type: bearer, token: "${DEMO_API_TOKEN}"}
    resources:
      - name: users
        endpoint:
          path: users
          data_selector: data
          paginator: {type: json_link, next_url_path: pagination.next}

Nested objects become columns joined with __ (address__geo__lat), lists
become child tables (users__tags) linked by _dlt_parent_id, exactly as dlt
lays them out, so SQL written against a dlt load keeps working.

Values written ${NAME} come from the environment, then from secrets.toml
beside the pipeline file; ${NAME:-fallback} gives a default. Secrets never
appear in output.`,
		Example: `  sluice validate pipeline.yaml
  sluice run pipeline.yaml
  sluice run pipeline.yaml --db data/demo.db --limit 2 --log-level debug
  sluice run pipeline.yaml --format json | jq .tables`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.CompletionOptions.HiddenDefaultCmd = true
	root.AddCommand(newRunCmd(stdout, stderr, tty), newValidateCmd(stdout, stderr), newVersionCmd(stdout), newInitCmd(stdout, stderr))
	root.AddCommand(newPipelineCmd(stdout, stderr))
	root.AddCommand(newTestCmd(stdout, stderr))
	root.AddCommand(newUICmd(stdout, stderr))
	return root
}
