// Command sluice loads data from REST APIs into SQLite, configured by a
// YAML file whose source section is dlt's rest_api configuration.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"

	"github.com/sluicehq/sluice/cmd/sluice/internal/console"
	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/pipeline"
)

// Set at link time by the Makefile (-ldflags "-X main.version=… -X main.commit=…").
var (
	version = "dev"
	commit  = "unknown"
)

// Exit codes, as SPEC fixes them.
const (
	exitOK     = 0
	exitFailed = 1 // a failed load or extraction
	exitUsage  = 2 // a bad configuration or command line
	// A run ended by a signal exits 128 + the signal's number, as a shell
	// reports it: 130 for Ctrl-C (SIGINT), 143 for SIGTERM.
	exitSignalBase = 128
)

func main() {
	tuneGC()
	stopProfile := startCPUProfile()
	ctx, stop := signalContext(context.Background())
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	stopProfile()
	os.Exit(code)
}

// EnvCPUProfile names the environment variable that makes sluice write a
// Go CPU profile of the whole command to the file it names (for `go tool
// pprof`; docs/performance.md). Time spent inside C code (DuckDB) shows as
// runtime.cgocall under the Go function that called it.
const EnvCPUProfile = "SLUICE_CPUPROFILE"

// startCPUProfile starts the profile EnvCPUProfile asks for and returns
// what stops it; a profile that cannot start is reported and skipped.
func startCPUProfile() func() {
	path := os.Getenv(EnvCPUProfile)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "sluice: %s: %v (no profile written)\n", EnvCPUProfile, err)
		if f != nil {
			f.Close()
		}
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// gcPercent and memoryLimit are the collector settings main applies unless
// GOGC or GOMEMLIMIT is set (docs/performance.md). The live heap of a load
// is small, since the pipeline bounds the bytes in flight, but churns fast:
// a high GOGC keeps the collector from running every few milliseconds, and
// the soft memory limit keeps the heap goal it allows from growing RSS.
const (
	gcPercent   = 400
	memoryLimit = 40 << 20
)

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}

// run executes the command line args and returns the exit code. It is the
// whole program but for os.Exit, so tests call it directly. Everything the
// program writes to stderr goes through one console.Writer, so that log
// lines, the progress line and error messages never interleave.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	con := console.New(stderr)
	defer con.EndStatus("")
	root := newRootCmd(stdout, con, isTerminal(stderr))
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var exit *exitError
	if errors.As(err, &exit) {
		return exit.code
	}
	// Anything cobra itself rejects (unknown command or flag, wrong
	// argument count) is a usage error.
	fmt.Fprintf(con, "error: %v\nRun 'sluice --help' for usage.\n", err)
	return exitUsage
}

// exitError carries an exit code out of a command whose message has
// already been printed.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// failure prints err the way a user should read it and returns the exit
// error that matches its kind.
func failure(stderr io.Writer, err error) error {
	var inFile *fileProblems
	var problems config.Problems
	var usage *pipeline.UsageError
	switch {
	case errors.As(err, &inFile):
		printProblems(stderr, inFile.path, inFile.problems)
		return &exitError{code: exitUsage}
	case errors.As(err, &problems):
		printProblems(stderr, "", problems)
		return &exitError{code: exitUsage}
	case errors.As(err, &usage):
		// err, not usage: err may be the redacting wrapper around it.
		fmt.Fprintf(stderr, "error: %v\n", err)
		return &exitError{code: exitUsage}
	case errors.Is(err, context.Canceled):
		return interrupted(stderr, err)
	default:
		fmt.Fprintf(stderr, "error: %v\n", err)
		return &exitError{code: exitFailed}
	}
}

// printProblems lists problems under a header that names the file (path;
// "the pipeline file" when unknown).
func printProblems(w io.Writer, path string, problems config.Problems) {
	n := len(problems)
	word := "problems"
	if n == 1 {
		word = "problem"
	}
	if path == "" {
		path = "the pipeline file"
	}
	fmt.Fprintf(w, "%d %s in %s:\n", n, word, path)
	for _, p := range problems {
		fmt.Fprintf(w, "  %s\n", p.String())
	}
}
