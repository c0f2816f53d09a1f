package console

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// op is one call on a Writer.
type op struct {
	kind string // write, status, end
	s    string
}

func apply(t *testing.T, c *Writer, ops []op) {
	t.Helper()
	for _, o := range ops {
		var err error
		switch o.kind {
		case "write":
			var n int
			n, err = c.Write([]byte(o.s))
			if err == nil && n != len(o.s) {
				t.Fatalf("Write(%q) = %d, want %d", o.s, n, len(o.s))
			}
		case "status":
			err = c.Status(o.s)
		case "end":
			err = c.EndStatus(o.s)
		default:
			t.Fatalf("unknown op %q", o.kind)
		}
		if err != nil {
			t.Fatalf("%s(%q): %v", o.kind, o.s, err)
		}
	}
}

const cl = clearLine

func TestWriter(t *testing.T) {
	tests := []struct {
		name string
		ops  []op
		want string
	}{
		{"plain lines pass through", []op{{"write", "a\n"}, {"write", "b\n"}}, "a\nb\n"},
		{"empty write writes nothing", []op{{"write", ""}}, ""},
		{"a status line is drawn", []op{{"status", "3 pages"}}, "3 pages"},
		{"a new status replaces the old", []op{{"status", "1"}, {"status", "2"}}, "1" + cl + "2"},
		{"a log line clears and redraws the status", []op{{"status", "p 1"}, {"write", "warn retry\n"}},
			"p 1" + cl + "warn retry\np 1"},
		{"a partial line waits for its end before the redraw", []op{{"status", "p"}, {"write", "warn "}, {"write", "retry\n"}},
			"p" + cl + "warn retry\np"},
		{"a status set in the middle of a line waits for its end", []op{{"write", "half"}, {"status", "p"}, {"write", " line\n"}},
			"half line\np"},
		{"end keeps the last status and adds a newline", []op{{"status", "p 1"}, {"end", ""}, {"write", "summary\n"}},
			"p 1\nsummary\n"},
		{"end with a final line replaces the status", []op{{"status", "p 1"}, {"end", "p 2 done"}},
			"p 1" + cl + "p 2 done\n"},
		{"end with no status does nothing", []op{{"write", "x\n"}, {"end", ""}}, "x\n"},
		{"end after an unfinished line starts a new line", []op{{"write", "half"}, {"end", "done"}}, "half\ndone\n"},
		{"an empty status removes the line", []op{{"status", "p"}, {"status", ""}, {"write", "x\n"}}, "p" + cl + "x\n"},
		{"a status is one line", []op{{"status", "p\nq"}}, "p"},
		{"a second end does nothing", []op{{"status", "p"}, {"end", ""}, {"end", ""}}, "p\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			apply(t, New(&b), tt.ops)
			if got := b.String(); got != tt.want {
				t.Errorf("wrote %q, want %q", got, tt.want)
			}
		})
	}
}

// screen interprets what a Writer wrote as a terminal shows it: the lines
// that scrolled by and the line the cursor is on.
func screen(out string) (lines []string, cur string) {
	for len(out) > 0 {
		switch {
		case strings.HasPrefix(out, cl):
			cur, out = "", out[len(cl):]
		case out[0] == '\n':
			lines, cur, out = append(lines, cur), "", out[1:]
		default:
			i := strings.IndexAny(out, "\r\n")
			if i < 0 {
				i = len(out)
			}
			if i == 0 { // a lone \r
				i = 1
			}
			cur, out = cur+out[:i], out[i:]
		}
	}
	return lines, cur
}

// serialWriter fails the test if two Writes overlap.
type serialWriter struct {
	t        *testing.T
	inFlight atomic.Int32
	mu       sync.Mutex // guards b only after the overlap check
	b        strings.Builder
}

func (w *serialWriter) Write(p []byte) (int, error) {
	if w.inFlight.Add(1) != 1 {
		w.t.Error("two writes reached the stream at once")
	}
	time.Sleep(time.Microsecond)
	w.mu.Lock()
	w.b.Write(p)
	w.mu.Unlock()
	w.inFlight.Add(-1)
	return len(p), nil
}

// TestConcurrent has loggers and a progress ticker write at once, as slog
// and the progress printer do during a run, and checks that every log line
// reaches the screen whole, on its own line, and that the status line is
// never part of a log line.
func TestConcurrent(t *testing.T) {
	const loggers, lines = 8, 200
	sw := &serialWriter{t: t}
	c := New(sw)
	var wg sync.WaitGroup
	for g := range loggers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range lines {
				fmt.Fprintf(c, "level=WARN msg=retry logger=%d line=%d\n", g, i)
			}
		}()
	}
	stop := make(chan struct{})
	ticked := make(chan struct{})
	go func() {
		defer close(ticked)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
				if err := c.Status(fmt.Sprintf("STATUS %d pages", i)); err != nil {
					t.Error(err)
				}
			}
		}
	}()
	wg.Wait()
	close(stop)
	<-ticked
	if err := c.EndStatus("STATUS done"); err != nil {
		t.Fatal(err)
	}

	got, cur := screen(sw.b.String())
	if cur != "" {
		t.Errorf("the cursor ends on %q, want a fresh line", cur)
	}
	seen := map[string]int{}
	for i, l := range got {
		if strings.HasPrefix(l, "STATUS") {
			if i != len(got)-1 {
				t.Errorf("line %d is a status line that scrolled up: %q", i, l)
			}
			continue
		}
		if strings.Contains(l, "STATUS") || !strings.HasPrefix(l, "level=WARN") {
			t.Errorf("mixed line %q", l)
		}
		seen[l]++
	}
	if got[len(got)-1] != "STATUS done" {
		t.Errorf("last line %q, want the final status", got[len(got)-1])
	}
	for g := range loggers {
		for i := range lines {
			l := fmt.Sprintf("level=WARN msg=retry logger=%d line=%d", g, i)
			if seen[l] != 1 {
				t.Fatalf("%q appears %d times", l, seen[l])
			}
		}
	}
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }

func TestWriteErrors(t *testing.T) {
	boom := errors.New("boom")
	c := New(failWriter{boom})
	if _, err := c.Write([]byte("x\n")); !errors.Is(err, boom) {
		t.Errorf("Write: %v", err)
	}
	if err := c.Status("p"); !errors.Is(err, boom) {
		t.Errorf("Status: %v", err)
	}
	if err := c.EndStatus("p"); !errors.Is(err, boom) {
		t.Errorf("EndStatus: %v", err)
	}
}
