package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/pipeline"
	"github.com/sluicehq/sluice/runtime/redact"
)

func newValidateCmd(stdout, stderr io.Writer) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "validate PIPELINE.yaml",
		Short: "Check a pipeline file and print every problem with its YAML path and line",
		Long: `validate parses the pipeline file, resolves ${NAME} values and checks every
field against what sluice (and dlt's rest_api) accepts. It prints every
problem at once, each with its YAML path, line and what was expected, and
sends no request.

It also warns, with their path and line, about the features the file uses
that this version accepts but cannot run yet (run refuses them): a file
that validates without a warning is one run accepts.

Exit code 0 when the file is valid (with or without warnings), 2 when it
is not.`,
		Example: `  sluice validate examples/demo/pipeline.yaml
  sluice validate pipeline.yaml --format json | jq .warnings`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case "text":
			case "json":
				return validateJSON(stdout, stderr, args[0])
			default:
				return failure(stderr, &pipeline.UsageError{Msg: fmt.Sprintf("--format %q: expected text or json", format)})
			}
			f, err := loadFile(args[0])
			if err != nil {
				return failure(stderr, err)
			}
			red := redact.New(f.Secrets...)
			fmt.Fprintf(red.Writer(stdout), "%s is valid: pipeline %s, %d resource(s)\n", args[0], f.Pipeline.Name, len(f.Source.Resources))
			printWarnings(red.Writer(stderr), fileWarnings(f))
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text|json; json prints the result as one JSON object on stdout: valid, problems, warnings")
	return cmd
}

// printWarnings lists what the file uses that this version cannot run yet.
func printWarnings(w io.Writer, ws []config.Warning) {
	if len(ws) == 0 {
		return
	}
	word := "warnings"
	if len(ws) == 1 {
		word = "warning"
	}
	fmt.Fprintf(w, "%d %s: this version of sluice accepts these but cannot run them yet (run refuses them):\n", len(ws), word)
	for _, x := range ws {
		fmt.Fprintf(w, "  warning: %s\n", x.String())
	}
}

// validateReport is the --format json output of validate.
type validateReport struct {
	File      string          `json:"file"`
	Valid     bool            `json:"valid"`
	Pipeline  string          `json:"pipeline,omitempty"`
	Resources int             `json:"resources"`
	Problems  []reportProblem `json:"problems"`
	Warnings  []reportProblem `json:"warnings"`
	// Error is a failure that is not a problem of the file's content
	// (the file cannot be read).
	Error string `json:"error,omitempty"`
}

type reportProblem struct {
	Path     string `json:"path"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	Resource string `json:"resource,omitempty"`
	Feature  string `json:"feature,omitempty"`
	Message  string `json:"message"`
	Hint     string `json:"hint,omitempty"`
}

func validateJSON(stdout, stderr io.Writer, path string) error {
	rep := validateReport{File: path, Problems: []reportProblem{}, Warnings: []reportProblem{}}
	f, err := loadFile(path)
	var exit error
	if err != nil {
		var problems config.Problems
		if errors.As(err, &problems) {
			for _, p := range problems {
				rep.Problems = append(rep.Problems, reportProblem{Path: p.Path, Line: p.Line, Column: p.Column, Message: p.Msg, Hint: p.Hint})
			}
		} else {
			rep.Error = err.Error()
		}
		// the exit code failure gives, without its text output
		exit = failure(io.Discard, err)
	} else {
		rep.Valid = true
		rep.Pipeline = f.Pipeline.Name
		rep.Resources = len(f.Source.Resources)
		for _, w := range fileWarnings(f) {
			rep.Warnings = append(rep.Warnings, reportProblem{Path: w.Path, Line: w.Line, Column: w.Column,
				Resource: w.Resource, Feature: w.Feature, Message: w.Msg})
		}
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return &exitError{code: exitFailed}
	}
	return exit
}

// fileWarnings is what validate warns about: what this version cannot run
// yet, and the write dispositions the file's destination cannot load.
func fileWarnings(f *config.File) []config.Warning {
	dest := f.Pipeline.Destination
	if dest == "" {
		dest = config.DefaultDestination
	}
	return append(f.Unsupported(), pipeline.DispositionWarnings(f, destinations(), dest)...)
}

func loadFile(path string) (*config.File, error) {
	if msg := pipelinePathProblem(path); msg != "" {
		return nil, &pipeline.UsageError{Msg: msg}
	}
	f, err := config.Load(path, config.Options{Registries: registries(), Destinations: destinations().Names()})
	return f, withPath(path, err)
}
