package main

import (
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/demoapi"
)

// TestLogLinesNeverLandInTheStatusLine runs a load long enough for the
// progress line to be redrawn while debug log lines are written, with the
// status line forced on (--progress bar), and reads stderr as a terminal
// would show it: every log line must stand whole on a line of its own, and
// the status line, ended once, must be the last line. Under -race it also
// checks that the progress ticker and the logger share one writer.
func TestLogLinesNeverLandInTheStatusLine(t *testing.T) {
	api := demoapi.New(demoapi.Options{Users: 1500, PageSize: 50, Seed: 5, Latency: 60 * time.Millisecond})
	srv := httptest.NewServer(api)
	defer srv.Close()
	p := usersPipeline(t, "stderr", srv.URL, "")
	code, stdout, stderr := sluice(t, "run", p, "--db", filepath.Join(t.TempDir(), "s.db"), "--pipelines-dir", t.TempDir(),
		"--log-level", "debug", "--progress", "bar")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	lines, cur := terminal(stderr)
	if cur != "" {
		t.Errorf("stderr ends inside a line: %q", cur)
	}
	logs, statuses := 0, 0
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "time="):
			logs++
			if strings.Contains(l, " records/s ") {
				t.Errorf("line %d mixes a log line and the status line: %q", i+1, l)
			}
		case strings.Contains(l, " records/s "):
			statuses++
			if i != len(lines)-1 {
				t.Errorf("status line %d is not the last line: %q", i+1, l)
			}
			if !strings.HasPrefix(l, "users ") || !strings.Contains(l, " done") {
				t.Errorf("final status line %q", l)
			}
		default:
			t.Errorf("line %d is neither a log line nor the status line: %q", i+1, l)
		}
	}
	if logs < 20 || statuses != 1 {
		t.Errorf("%d log lines and %d status lines, want at least 20 and 1:\n%s", logs, statuses, stderr)
	}
	if !strings.Contains(stderr, "\033[1A\033[J") {
		t.Error("the status line was never redrawn: the run was too short to test anything")
	}
}

// terminal interprets output as a terminal shows it: the lines that
// scrolled by, and the line the cursor is on. "\r\033[K" erases the
// current line; "\033[<n>A\033[J" (cursor up n lines, erase below), as the
// progress display redraws its lines, erases the last n lines.
func terminal(out string) (lines []string, cur string) {
	for _, seg := range strings.SplitAfter(out, "\n") {
		line, nl := strings.CutSuffix(seg, "\n")
		for {
			m := cursorUp.FindStringSubmatchIndex(line)
			if m == nil {
				break
			}
			n, _ := strconv.Atoi(line[m[2]:m[3]])
			lines = lines[:max(len(lines)-n, 0)]
			line = line[:m[0]] + line[m[1]:]
		}
		if i := strings.LastIndex(line, "\r\033[K"); i >= 0 {
			line = line[i+len("\r\033[K"):]
		}
		if nl {
			lines = append(lines, line)
		} else {
			cur = line
		}
	}
	return lines, cur
}

var cursorUp = regexp.MustCompile("\033\\[([0-9]+)A\033\\[J")
