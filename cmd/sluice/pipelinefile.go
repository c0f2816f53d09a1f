package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/pipeline"
)

// fileProblems are the problems of one pipeline file, kept with its path
// so that the report names the file. It unwraps to the config.Problems.
type fileProblems struct {
	path     string
	problems config.Problems
}

func (e *fileProblems) Error() string { return e.path + ": " + e.problems.Error() }
func (e *fileProblems) Unwrap() error { return e.problems }

// pipelinePathProblem says what is wrong with a pipeline path that does
// not exist or is a folder (a usage error, exit 2), or returns "".
func pipelinePathProblem(path string) string {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("cannot read the pipeline file %s: it does not exist", path)
	case err != nil:
		return fmt.Sprintf("cannot read the pipeline file: %v", err)
	case fi.IsDir():
		return fmt.Sprintf("%s is a folder, not a pipeline file; %s", path, folderHint(path))
	}
	return ""
}

// folderHint suggests the YAML files inside a folder given as the pipeline.
func folderHint(dir string) string {
	var ys []string
	for _, pat := range []string{"*.yaml", "*.yml"} {
		m, _ := filepath.Glob(filepath.Join(dir, pat))
		ys = append(ys, m...)
	}
	switch {
	case len(ys) == 0:
		return "give the path of a .yaml file"
	case len(ys) == 1:
		return fmt.Sprintf("did you mean %s?", ys[0])
	case len(ys) > 4:
		ys = append(ys[:4], "…")
	}
	return "give the path of one of its files: " + strings.Join(ys, ", ")
}

// withPath attaches path to a Load error: problems keep it for the
// report's header; a file that cannot be read is a usage error (exit 2).
func withPath(path string, err error) error {
	var ps config.Problems
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ps):
		return &fileProblems{path: path, problems: ps}
	default:
		return &pipeline.UsageError{Msg: fmt.Sprintf("cannot read the pipeline file: %v", err)}
	}
}
