package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/cmd/sluice/internal/console"
	"github.com/sluicehq/sluice/runtime/browse"
	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/pipeline"
)

// defaultUIAddr is where sluice ui listens unless --addr says otherwise.
const defaultUIAddr = "127.0.0.1:8765"

type uiFlags struct {
	db          string
	destination string
	dataset     string
	addr        string
}

func newUICmd(stdout io.Writer, stderr *console.Writer) *cobra.Command {
	var fl uiFlags
	cmd := &cobra.Command{
		Use:   "ui [PIPELINE.yaml | DATABASE]",
		Short: "Serve a read-only web page over a pipeline's destination",
		Long: `ui serves a web page, from the binary itself, that shows what the loads
left in a destination: the loads with their rows per table, the tables
with their columns, keys and parent → child tree, pages of rows with a sort
and a filter (and the child rows of a row), the pipeline state with its
incremental cursors, and the schema's version history.

Give a pipeline file (its database is found as run finds it), a database
file, or --db. The database is opened read-only. The page listens on
127.0.0.1:8765; an --addr that is not a loopback address needs a token,
printed at start, in the URL you open.`,
		Example: `  sluice ui examples/demo/pipeline.yaml
  sluice ui demo.db
  sluice ui --db data/demo.db --addr 127.0.0.1:9000
  sluice ui demo.db --addr 0.0.0.0:8765   # prints a URL with a token`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUI(cmd.Context(), args, &fl, stdout, stderr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.db, "db", "", "the database to look at (default: the pipeline file's, as run finds it)")
	f.StringVar(&fl.destination, "destination", "", "the destination type of --db or DATABASE (default: the pipeline file's, else from the file's extension: .duckdb is duckdb, anything else sqlite)")
	f.StringVar(&fl.dataset, "dataset", "", "the dataset (schema) of a DuckDB or PostgreSQL database (default: the pipeline file's, <pipeline name>_dataset)")
	f.StringVar(&fl.addr, "addr", defaultUIAddr, "host:port to listen on; a non-loopback host requires the token printed at start")
	return cmd
}

// uiTarget is the destination sluice ui opens.
type uiTarget struct {
	typ      string
	location string
	dataset  string
}

func runUI(ctx context.Context, args []string, fl *uiFlags, stdout io.Writer, stderr *console.Writer) error {
	reg := destinations()
	target, err := resolveUITarget(args, fl, reg)
	if err != nil {
		return failure(stderr, err)
	}
	dest, err := openReadOnly(ctx, reg, target)
	if err != nil {
		return failure(stderr, err)
	}
	defer dest.Close()

	token := ""
	if !loopbackAddr(fl.addr) {
		token = newToken()
	}
	ln, err := net.Listen("tcp", fl.addr)
	if err != nil {
		msg := fmt.Sprintf("--addr %s: %v", fl.addr, err)
		if errors.Is(err, syscall.EADDRINUSE) {
			msg += "; something else listens there"
			if fl.addr == defaultUIAddr {
				// sluice-demo-api's default is the same address
				msg += " (sluice-demo-api does by default)"
			}
			msg += ": pick another port, e.g. --addr 127.0.0.1:8766"
		}
		return failure(stderr, &pipeline.UsageError{Msg: msg})
	}
	srv := &http.Server{
		Handler:           newUIServer(browse.New(dest), uiOptions{Token: token, Title: reg.Display(target.typ, dest.Describe())}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	fmt.Fprintf(stdout, "sluice ui: %s, read-only\n", reg.Display(target.typ, dest.Describe()))
	fmt.Fprintf(stdout, "open %s\n(Ctrl-C to stop)\n", uiURL(ln.Addr().String(), fl.addr, token))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return failure(stderr, err)
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
		return nil
	}
}

// resolveUITarget works out the destination from the command line: a
// pipeline file (run's rules), a database file, or --db.
func resolveUITarget(args []string, fl *uiFlags, reg *destination.Registry) (uiTarget, error) {
	var arg string
	if len(args) == 1 {
		arg = args[0]
	}
	if fl.destination != "" {
		if err := reg.Check(fl.destination); err != nil {
			return uiTarget{}, &pipeline.UsageError{Msg: "--destination: " + err.Error()}
		}
	}
	if arg != "" && isPipelineFile(arg) {
		f, err := loadFile(arg)
		if err != nil {
			return uiTarget{}, err
		}
		set := pipeline.Resolve(f, &pipeline.Options{Destination: fl.destination, DBPath: fl.db, Dataset: fl.dataset, Destinations: reg})
		if err := reg.Check(set.Destination); err != nil {
			return uiTarget{}, &pipeline.UsageError{Msg: err.Error()}
		}
		loc := set.DBPath
		if t, _ := reg.Lookup(set.Destination); !t.URL && !filepath.IsAbs(loc) {
			// run resolves the file relative to the current folder
			if abs, err := filepath.Abs(loc); err == nil {
				loc = abs
			}
		}
		return uiTarget{typ: set.Destination, location: loc, dataset: set.Dataset}, nil
	}
	if arg != "" && fl.db != "" {
		return uiTarget{}, &pipeline.UsageError{Msg: "give a database either as the argument or with --db, not both"}
	}
	loc := arg + fl.db
	if loc == "" {
		return uiTarget{}, &pipeline.UsageError{Msg: "sluice ui needs a pipeline file, a database file or --db PATH (e.g. sluice ui demo.db)"}
	}
	typ := fl.destination
	if typ == "" {
		typ = "sqlite"
		if strings.EqualFold(filepath.Ext(loc), ".duckdb") {
			typ = "duckdb"
		}
		if err := reg.Check(typ); err != nil {
			return uiTarget{}, &pipeline.UsageError{Msg: err.Error()}
		}
	}
	if typ == "duckdb" && fl.dataset == "" {
		return uiTarget{}, &pipeline.UsageError{Msg: "a DuckDB database keeps its tables in the pipeline's dataset: give --dataset (the pipeline's, <pipeline name>_dataset by default) or the pipeline file instead of the database"}
	}
	return uiTarget{typ: typ, location: loc, dataset: fl.dataset}, nil
}

func isPipelineFile(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".yaml" || ext == ".yml"
}

// openReadOnly opens the target's database for reading only. A database
// file must exist: sluice ui never creates one.
func openReadOnly(ctx context.Context, reg *destination.Registry, tg uiTarget) (destination.Destination, error) {
	t, _ := reg.Lookup(tg.typ)
	if err := queryable(t); err != nil {
		return nil, err
	}
	loc := tg.location
	if !t.URL {
		abs, err := filepath.Abs(loc)
		if err != nil {
			return nil, err
		}
		loc = abs
		fi, err := os.Stat(loc)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, &pipeline.UsageError{Msg: fmt.Sprintf("no database at %s: load it first with sluice run, or give its path with --db", loc)}
		case err != nil:
			return nil, err
		case fi.IsDir():
			return nil, &pipeline.UsageError{Msg: fmt.Sprintf("%s is a folder, not a database file", loc)}
		}
	}
	d, err := reg.Open(ctx, tg.typ, destination.Config{Path: loc, Dataset: tg.dataset, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("opening %s read-only: %w", reg.Display(tg.typ, loc), err)
	}
	return d, nil
}

// queryable refuses a destination type that runs no queries (filesystem),
// saying how to look at it instead.
func queryable(t destination.Type) error {
	if t.NoQuery {
		return &pipeline.UsageError{Msg: fmt.Sprintf("destination %s runs no queries, so sluice cannot look into it; read its Parquet files with DuckDB: duckdb -c \"SELECT * FROM read_parquet('<bucket>/<dataset>/<table>/*.parquet', union_by_name = true)\"", t.Name)}
	}
	return nil
}

// loopbackAddr reports whether addr's host is a loopback address or
// localhost (an empty host listens on every interface: not loopback).
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// uiURL is the URL to open: the listener's address (with the port it got
// for :0), the host as given when it was a name, and the token if any.
func uiURL(listening, given, token string) string {
	host, port, _ := net.SplitHostPort(listening)
	if h, _, err := net.SplitHostPort(given); err == nil && h != "" && net.ParseIP(h) == nil {
		host = h
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		if name, err := os.Hostname(); err == nil {
			host = name
		}
	}
	u := "http://" + net.JoinHostPort(host, port) + "/"
	if token != "" {
		u += "?token=" + token
	}
	return u
}
