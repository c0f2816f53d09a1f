// Package console is the one writer the sluice command gives stderr.
//
// Log lines (slog), the progress status line and error messages all come
// from different goroutines; written to the same stream unsynchronized they
// race and interleave, and a retry warning lands in the middle of the
// progress line. A Writer serializes every write and knows whether a status
// line is drawn: a log line that arrives while one is shown clears it,
// is written on its own line, and the status line is drawn again below it.
package console

import (
	"io"
	"strings"
	"sync"
)

// clearLine returns the cursor to the start of the line and erases it
// (carriage return, then ANSI "erase to end of line").
const clearLine = "\r\033[K"

// Writer serializes writes to an underlying stream and keeps at most one
// status line at its bottom. It is safe for concurrent use. Write is for
// ordinary output (log lines, messages); Status and EndStatus manage the
// status line. The zero value is not usable; call New.
type Writer struct {
	mu sync.Mutex
	w  io.Writer
	// status is the status line to keep at the bottom; "" when none.
	status string
	// drawn says status is on screen now, the cursor at its end.
	drawn bool
	// midLine says the last Write did not end with a newline: the cursor
	// sits inside someone's line, so the status line waits for its end.
	midLine bool
	// divert, when set, gets what Write is given instead of w (Divert).
	divert io.Writer
}

// Divert sends ordinary output (Write) elsewhere until restore is called:
// to what to returns, given the underlying stream. It is for a display
// that draws on the stream meanwhile and prints what it gets above its own
// lines (a progress display). Writes stay serialized, and to runs under
// the lock, so no write comes between. A status line shown is ended first.
// If the writer to returned is an io.Closer, restore closes it under the
// lock, so that it can hand over what it still holds before any later
// write reaches the stream.
func (c *Writer) Divert(to func(raw io.Writer) io.Writer) (restore func()) {
	_ = c.EndStatus("")
	c.mu.Lock()
	c.divert = to(c.w)
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if cl, ok := c.divert.(io.Closer); ok {
			_ = cl.Close()
		}
		c.divert = nil
	}
}

// New returns a Writer that writes to w.
func New(w io.Writer) *Writer { return &Writer{w: w} }

// Write writes p as ordinary output. If a status line is drawn, it is
// cleared first and drawn again after p once p ends a line. It returns
// len(p) when the underlying write succeeded, so that a log handler sees
// its own byte count, not the status line's.
func (c *Writer) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.divert != nil {
		return c.divert.Write(p)
	}
	if !c.drawn {
		n, err := c.w.Write(p)
		if err != nil {
			return n, err
		}
		c.midLine = p[len(p)-1] != '\n'
		return n, c.redraw()
	}
	// One write for clear, text and status, so that a terminal never
	// shows the in-between states.
	buf := make([]byte, 0, len(clearLine)+len(p)+len(c.status))
	buf = append(buf, clearLine...)
	buf = append(buf, p...)
	c.drawn = false
	c.midLine = p[len(p)-1] != '\n'
	if !c.midLine {
		buf = append(buf, c.status...)
		c.drawn = true
	}
	if _, err := c.w.Write(buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Status shows s as the status line, replacing the one shown. s must be a
// single line; anything from its first newline on is dropped. An empty s
// removes the status line.
func (c *Writer) Status(s string) error {
	s = firstLine(s)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.status = s
	if !c.drawn {
		return c.redraw()
	}
	c.drawn = s != ""
	_, err := io.WriteString(c.w, clearLine+s)
	return err
}

// EndStatus leaves the status line on screen, replaced by s when s is not
// empty, and ends it with a newline, so that what follows starts on a line
// of its own and no later write clears it. With no status line and an
// empty s it does nothing.
func (c *Writer) EndStatus(s string) error {
	s = firstLine(s)
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.status
	if s == "" {
		s = old
	}
	c.status = ""
	if s == "" {
		return nil
	}
	out := s + "\n"
	switch {
	case c.drawn && s == old:
		out = "\n"
	case c.drawn:
		out = clearLine + out
	case c.midLine:
		// Someone's line is unfinished; the status cannot share it.
		out = "\n" + out
	}
	c.drawn, c.midLine = false, false
	_, err := io.WriteString(c.w, out)
	return err
}

// redraw draws the status line when there is one, it is not drawn yet, and
// the cursor is at the start of a line. c.mu must be held.
func (c *Writer) redraw() error {
	if c.status == "" || c.drawn || c.midLine {
		return nil
	}
	if _, err := io.WriteString(c.w, c.status); err != nil {
		return err
	}
	c.drawn = true
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
