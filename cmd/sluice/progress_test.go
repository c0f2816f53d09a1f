package main

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-runewidth"

	"github.com/sluicehq/sluice/internal/demoapi"
	"github.com/sluicehq/sluice/runtime/pipeline"
)

// offsetPipeline reads the demo API's /users/offset, whose pages tell the
// total, as resource users, and /users (json_link) as resource people.
func offsetPipeline(t *testing.T, name, baseURL string) string {
	t.Helper()
	return writePipeline(t, fmt.Sprintf(`
pipeline: {name: %s}
source:
  client: {base_url: "%s", auth: {type: bearer, token: "${TOKEN}"}}
  resources:
    - name: users
      endpoint:
        path: users/offset
        data_selector: items
        paginator: {type: offset, limit: 50}
    - name: people
      endpoint:
        path: users
        data_selector: data
        paginator: {type: json_link, next_url_path: pagination.next}
`, name, baseURL))
}

const progressToken = "pr0gress-t0ken-value"

func progressRun(t *testing.T, mode string, latency time.Duration, extra ...string) (stdout, stderr string, sum pipeline.Summary) {
	t.Helper()
	api := demoapi.New(demoapi.Options{Users: 600, PageSize: 50, Seed: 3, Token: progressToken, Latency: latency})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	t.Setenv("TOKEN", progressToken)
	p := offsetPipeline(t, "prog", srv.URL)
	args := append([]string{"run", p, "--db", filepath.Join(t.TempDir(), "p.db"), "--pipelines-dir", t.TempDir(), "--progress", mode, "--format", "json"}, extra...)
	code, stdout, stderr := sluice(t, args...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if strings.Contains(stderr, progressToken) {
		t.Fatalf("the token appears in the progress output:\n%s", stderr)
	}
	return stdout, stderr, sum
}

var doneLine = regexp.MustCompile(`^progress: (\w+) done: (\d+) pages, (\d+) records`)

func TestProgressLogMode(t *testing.T) {
	_, stderr, sum := progressRun(t, "log", 0)
	if strings.ContainsAny(stderr, "\x1b\r") {
		t.Errorf("log mode wrote control characters:\n%q", stderr)
	}
	done := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		m := doneLine.FindStringSubmatch(l)
		if m == nil {
			if !strings.HasPrefix(l, "progress: ") {
				t.Errorf("not a progress line: %q", l)
			}
			continue
		}
		if done[m[1]] {
			t.Errorf("%s ended twice:\n%s", m[1], stderr)
		}
		done[m[1]] = true
		pages, _ := strconv.ParseInt(m[2], 10, 64)
		recs, _ := strconv.ParseInt(m[3], 10, 64)
		// the totals of the last line are what was loaded
		if recs != sum.Tables[m[1]] || pages != sum.Resources[m[1]].Pages {
			t.Errorf("%q: loaded %d rows in %d pages", l, sum.Tables[m[1]], sum.Resources[m[1]].Pages)
		}
	}
	if !done["users"] || !done["people"] {
		t.Errorf("want a done line per resource:\n%s", stderr)
	}
}

func TestProgressNone(t *testing.T) {
	if _, stderr, _ := progressRun(t, "none", 0); stderr != "" {
		t.Errorf("--progress none printed:\n%s", stderr)
	}
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")

func TestProgressBarFitsTheTerminal(t *testing.T) {
	old := barWidth
	barWidth = 60
	defer func() { barWidth = old }()
	// slow enough for a few frames, with debug log lines in between
	_, stderr, sum := progressRun(t, "bar", 50*time.Millisecond, "--log-level", "debug")
	frames := strings.Count(stderr, "\x1b[J")
	if frames < 2 {
		t.Errorf("%d redraws; want some", frames)
	}
	for _, l := range strings.Split(ansi.ReplaceAllString(stderr, ""), "\n") {
		if strings.HasPrefix(l, "time=") {
			continue // log lines are the logger's, printed above the bars
		}
		if w := runewidth.StringWidth(l); w > 60 {
			t.Errorf("a %d-column line in a 60-column terminal: %q", w, l)
		}
	}
	lines, cur := terminal(stderr)
	if cur != "" {
		t.Errorf("stderr ends inside a line: %q", cur)
	}
	// what stays on screen ends with one final line per resource
	if len(lines) < 2 {
		t.Fatalf("screen:\n%s", strings.Join(lines, "\n"))
	}
	for i, name := range []string{"users", "people"} {
		l := strings.Join(strings.Fields(lines[len(lines)-2+i]), " ")
		want := fmt.Sprintf("%s done %d pages %d records", name, sum.Resources[name].Pages, sum.Tables[name])
		if !strings.HasPrefix(l, want) {
			t.Errorf("final line %q, want it to start %q", l, want)
		}
	}
	for _, l := range lines[:len(lines)-2] {
		if !strings.HasPrefix(l, "time=") {
			t.Errorf("a line left on screen above the bars that is no log line: %q", l)
		}
	}
}

func TestResourceFacts(t *testing.T) {
	tests := []struct {
		name string
		r    pipeline.ResourceProgress
		want string
	}{
		{"no total", pipeline.ResourceProgress{Pages: 3, Records: 300, Elapsed: 2 * time.Second, URL: "http://x/u?page=3"},
			"3 pages, 300 records, 150 records/s, http://x/u?page=3"},
		{"a record total gives n/total and an ETA", pipeline.ResourceProgress{Pages: 3, Records: 250, TotalRecords: 1000, Elapsed: time.Second},
			"3 pages, 250/1000 records, ETA 3s, 250 records/s"},
		{"a page total", pipeline.ResourceProgress{Pages: 5, Records: 50, TotalPages: 20, Elapsed: time.Second},
			"5/20 pages, 50 records, ETA 3s, 50 records/s"},
		{"done", pipeline.ResourceProgress{Pages: 20, Records: 1000, TotalRecords: 1000, Elapsed: 4 * time.Second, Done: true, URL: "http://x"},
			"20 pages, 1000 records, 250 records/s, in 4s"},
		{"not started", pipeline.ResourceProgress{}, "0 pages, 0 records"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(resourceFacts(tt.r), ", "); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}
