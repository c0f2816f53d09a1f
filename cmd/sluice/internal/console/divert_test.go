package console

import (
	"io"
	"strings"
	"testing"
)

// TestDivert: while diverted, writes go where the display says, the raw
// stream is the one the Writer was made with, a status line shown is
// ended first, and after restore writes go to the stream again.
func TestDivert(t *testing.T) {
	var out, side strings.Builder
	c := New(&out)
	_ = c.Status("working")
	var raw io.Writer
	restore := c.Divert(func(w io.Writer) io.Writer {
		raw = w
		return &side
	})
	if raw != io.Writer(&out) {
		t.Error("Divert did not hand over the underlying stream")
	}
	if _, err := c.Write([]byte("warning: slow\n")); err != nil {
		t.Fatal(err)
	}
	restore()
	_, _ = c.Write([]byte("after\n"))
	if side.String() != "warning: slow\n" {
		t.Errorf("diverted: %q", side.String())
	}
	if out.String() != "working\nafter\n" {
		t.Errorf("stream: %q", out.String())
	}
}

type closer struct {
	strings.Builder
	closed bool
}

func (c *closer) Close() error { c.closed = true; return nil }

func TestDivertClosesOnRestore(t *testing.T) {
	var out strings.Builder
	c := New(&out)
	side := &closer{}
	restore := c.Divert(func(io.Writer) io.Writer { return side })
	if side.closed {
		t.Fatal("closed before restore")
	}
	restore()
	if !side.closed {
		t.Error("restore did not close the diverted writer")
	}
}
