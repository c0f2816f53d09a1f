package main

import (
	"net/http/httptest"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/demoapi"
)

// TestInterruptedRun interrupts sluice in the middle of a large load, as
// Ctrl-C or a service manager does, and checks the exit code, the one-line
// message and that the database holds only what the previous run committed.
func TestInterruptedRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	api := demoapi.New(demoapi.Options{Users: 1_000_000, PageSize: 100, Seed: 3, NoGzip: true, Latency: time.Millisecond})
	srv := httptest.NewServer(api)
	defer srv.Close()

	tests := []struct {
		sig      syscall.Signal
		code     int
		wantName string
	}{
		{syscall.SIGINT, 130, "Ctrl-C (SIGINT)"},
		{syscall.SIGTERM, 143, "SIGTERM"},
	}
	for _, tt := range tests {
		t.Run(tt.sig.String(), func(t *testing.T) {
			p := usersPipeline(t, "interrupted", srv.URL, "")
			db := filepath.Join(t.TempDir(), "i.db")
			state := t.TempDir()
			cmd, sc := startLongRun(t, p, db, state)
			if err := cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			var rest []string
			for sc.Scan() {
				if !strings.HasPrefix(sc.Text(), "progress:") {
					rest = append(rest, sc.Text())
				}
			}
			_ = cmd.Wait()
			if got := cmd.ProcessState.ExitCode(); got != tt.code {
				t.Errorf("exit code %d, want %d", got, tt.code)
			}
			if len(rest) != 1 {
				t.Errorf("after the signal the child printed %d lines, want 1:\n%s", len(rest), strings.Join(rest, "\n"))
			}
			msg := strings.Join(rest, "\n")
			for _, want := range []string{"interrupted by " + tt.wantName, "nothing from this run was committed"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not say %q", msg, want)
				}
			}

			d := openDB(t, db)
			if n := count(t, d, "select count(*) from users"); n != 200 {
				t.Errorf("users has %d rows after an interrupted run, want the 200 of the first run", n)
			}
			if n := count(t, d, "select count(*) from _dlt_loads"); n != 1 {
				t.Errorf("_dlt_loads has %d rows, want 1", n)
			}
		})
	}
}
