package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/mattn/go-runewidth"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/sluicehq/sluice/cmd/sluice/internal/console"
	"github.com/sluicehq/sluice/runtime/pipeline"
)

// barOptions tune a barDisplay; the zero value asks the terminal.
type barOptions struct {
	// width replaces the terminal's width (tests; a stream that is not a
	// terminal gets defaultBarWidth).
	width int
}

// defaultBarWidth is the width of a stream that is not a terminal but was
// asked for bars (--progress bar into a file).
const defaultBarWidth = 80

// barDisplay draws a live line per resource with mpb, fitted to the
// terminal's width. While it runs, everything else written to the console
// (warnings, log lines) is printed above the lines, which are drawn again
// below; it ends leaving the final lines on screen, above the summary.
type barDisplay struct {
	con  *console.Writer
	opts barOptions

	// update is called from one goroutine at a time (the run's progress
	// ticker); these are its.
	p       *mpb.Progress
	bars    []*mpb.Bar
	restore func()
	raw     io.Writer
	ended   bool
	// nameWidth aligns the lines: the longest resource name
	nameWidth int

	// lines are read by mpb's render goroutine; the lock is never held
	// while calling mpb.
	mu    sync.Mutex
	lines map[string]string
}

func newBarDisplay(con *console.Writer, opts barOptions) *barDisplay {
	return &barDisplay{con: con, opts: opts, lines: map[string]string{}}
}

// update is the pipeline's progress callback.
func (d *barDisplay) update(p pipeline.Progress) {
	if d.ended {
		return
	}
	if d.nameWidth == 0 {
		for _, r := range p.Resources {
			d.nameWidth = max(d.nameWidth, runewidth.StringWidth(r.Name))
		}
	}
	d.mu.Lock()
	for _, r := range p.Resources {
		d.lines[r.Name] = barLine(r, d.nameWidth)
	}
	d.mu.Unlock()
	if d.p == nil {
		d.start(p)
	}
	if !p.Done {
		return
	}
	d.ended = true
	for _, b := range d.bars {
		b.SetTotal(-1, true) // complete: the bar is drawn one last time and stays
	}
	d.p.Wait()
	d.restore()
}

// start creates the container and one line per resource, in run order,
// and diverts the console's output above them.
func (d *barDisplay) start(p pipeline.Progress) {
	d.restore = d.con.Divert(func(raw io.Writer) io.Writer {
		d.raw = raw
		cw := &termWriter{out: raw, width: d.opts.width}
		d.p = mpb.New(mpb.WithConsoleWriter(cw), mpb.WithRefreshRate(barInterval), mpb.WithAutoRefresh())
		return &aboveBars{p: d.p, raw: raw}
	})
	for _, r := range p.Resources {
		name := r.Name
		bar := d.p.New(0, mpb.NopStyle(), mpb.BarFillerTrim(), mpb.PrependDecorators(decor.Any(func(s decor.Statistics) string {
			d.mu.Lock()
			line := d.lines[name]
			d.mu.Unlock()
			// one column short of the width: a line that fills the
			// terminal exactly wraps on some terminals
			return runewidth.Truncate(line, max(s.AvailableWidth-1, 1), "…")
		})))
		d.bars = append(d.bars, bar)
	}
}

// barLine is one resource's line: its name, padded to width, then its
// facts.
func barLine(r pipeline.ResourceProgress, width int) string {
	name := r.Name + strings.Repeat(" ", max(width-runewidth.StringWidth(r.Name), 0))
	state := ""
	if r.Done {
		state = " done"
	}
	return printable(fmt.Sprintf("%s%s  %s", name, state, strings.Join(resourceFacts(r), "  ")))
}

// aboveBars is where the console's output goes while the bars are drawn:
// mpb prints it above them. What comes once mpb has stopped (while it
// draws its last frame) is held and written when the console takes its
// stream back (Close), so that it never lands inside that frame.
type aboveBars struct {
	p   *mpb.Progress
	raw io.Writer

	mu   sync.Mutex
	held bytes.Buffer
}

func (a *aboveBars) Write(b []byte) (int, error) {
	if n, err := a.p.Write(b); err == nil {
		return n, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.held.Write(b)
}

// Close writes what was held; the console calls it when it takes its
// stream back, after the last frame.
func (a *aboveBars) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, err := a.raw.Write(a.held.Bytes())
	a.held.Reset()
	return err
}

// termWriter is mpb's console writer: it buffers a frame, writes it in
// one go, and moves the cursor back up over it before the next one (the
// same escape codes mpb's own writer uses). Its width is the terminal's,
// read with x/term, or the one it was given.
type termWriter struct {
	bytes.Buffer
	out   io.Writer
	width int
	up    int
}

func (w *termWriter) IsTerminal() bool { return true }

func (w *termWriter) GetTermSize() (width, height int, err error) {
	if w.width > 0 {
		return w.width, 1000, nil
	}
	if f, ok := w.out.(*os.File); ok {
		if wd, ht, err := term.GetSize(int(f.Fd())); err == nil && wd > 0 {
			return wd, ht, nil
		}
	}
	return defaultBarWidth, 1000, nil
}

// Flush writes the frame, then queues the move back up over its lines
// for the start of the next frame: the last frame stays on screen.
func (w *termWriter) Flush(lines int) error {
	var frame bytes.Buffer
	if w.up > 0 {
		fmt.Fprintf(&frame, "\x1b[%dA\x1b[J", w.up)
	}
	frame.Write(w.Bytes())
	w.Reset()
	w.up = lines
	_, err := w.out.Write(frame.Bytes())
	return err
}
