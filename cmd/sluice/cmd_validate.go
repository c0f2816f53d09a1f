package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/builtin"
	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/pipeline"
)

func newValidateCmd(stdout, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "validate PIPELINE.yaml",
		Short: "Check a pipeline file and print every problem with its YAML path and line",
		Long: `validate parses the pipeline file, resolves ${NAME} values and checks every
field against what sluice (and dlt's rest_api) accepts. It prints every
problem at once, each with its YAML path, line and what was expected, and
sends no request.

Exit code 0 when the file is valid, 2 when it is not.`,
		Example: `  sluice validate examples/demo/pipeline.yaml`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := loadFile(args[0])
			if err != nil {
				return failure(stderr, err)
			}
			fmt.Fprintf(stdout, "%s is valid: pipeline %s, %d resource(s)\n", args[0], f.Pipeline.Name, len(f.Source.Resources))
			return nil
		},
	}
}

// registries returns the extension registries of this build, filled with
// the built-in paginators and auths.
func registries() *extension.Registries {
	r := extension.NewRegistries()
	builtin.Register(r)
	return r
}

func loadFile(path string) (*config.File, error) {
	if msg := pipelinePathProblem(path); msg != "" {
		return nil, &pipeline.UsageError{Msg: msg}
	}
	f, err := config.Load(path, config.Options{Registries: registries()})
	return f, withPath(path, err)
}
