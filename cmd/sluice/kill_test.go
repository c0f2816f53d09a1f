package main

import (
	"bufio"
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/demoapi"
	"github.com/sluicehq/sluice/internal/pgtest"
)

// TestMain lets a test run this package's binary as the real sluice
// command in a child process (SLUICE_TEST_MAIN=1), with main's signal
// handling, so that it can be killed or interrupted mid-load.
func TestMain(m *testing.M) {
	if os.Getenv("SLUICE_TEST_MAIN") == "1" {
		ctx, stop := signalContext(context.Background())
		code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	code := m.Run()
	pgtest.StopShared() // the PostgreSQL server of postgres_test.go, if started
	os.Exit(code)
}

// TestKilledRunLeavesDatabaseAsBefore kills sluice with SIGKILL in the
// middle of a large load and checks that the database holds exactly what
// the previous, completed run committed.
func TestKilledRunLeavesDatabaseAsBefore(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	api := demoapi.New(demoapi.Options{Users: 1_000_000, PageSize: 100, Seed: 3, NoGzip: true, Latency: time.Millisecond})
	srv := httptest.NewServer(api)
	defer srv.Close()
	p := usersPipeline(t, "killed", srv.URL, "")
	db := filepath.Join(t.TempDir(), "k.db")
	state := t.TempDir()

	cmd, _ := startLongRun(t, p, db, state)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	d := openDB(t, db)
	var check string
	if err := d.QueryRow("pragma integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	if n := count(t, d, "select count(*) from users"); n != 200 {
		t.Errorf("users has %d rows after a killed run, want the 200 of the first run", n)
	}
	if n := count(t, d, "select count(*) from _dlt_loads"); n != 1 {
		t.Errorf("_dlt_loads has %d rows, want 1", n)
	}
	if n := count(t, d, "select count(*) from _dlt_pipeline_state"); n != 1 {
		t.Errorf("_dlt_pipeline_state has %d rows, want 1", n)
	}

	// The next run starts cleanly from the committed state.
	if code, out, errs := sluice(t, "run", p, "--db", db, "--pipelines-dir", state, "--limit", "1"); code != 0 {
		t.Fatalf("run after the kill: exit %d\n%s\n%s", code, out, errs)
	}
	if n := count(t, d, "select count(*) from users"); n != 300 {
		t.Errorf("users has %d rows after the next run, want 300", n)
	}
}

// startLongRun makes a first, complete run of two pages of pipeline p into
// db, then starts a second, unlimited run as a child process and returns
// it, with a scanner of its stderr, once it has printed a progress line:
// the load is under way.
func startLongRun(t *testing.T, p, db, state string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	if code, out, errs := sluice(t, "run", p, "--db", db, "--pipelines-dir", state, "--limit", "2"); code != 0 {
		t.Fatalf("first run: exit %d\n%s\n%s", code, out, errs)
	}
	cmd := exec.Command(os.Args[0], "run", p, "--db", db, "--pipelines-dir", state, "--progress", "log")
	cmd.Env = append(os.Environ(), "SLUICE_TEST_MAIN=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "progress:") {
			return cmd, sc
		}
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	t.Fatal("the child printed no progress before it ended")
	return nil, nil
}
