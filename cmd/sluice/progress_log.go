package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sluicehq/sluice/runtime/pipeline"
)

// logDisplay prints plain lines, for logs and CI: one per running resource
// every interval, and one when a resource ends. It writes no control
// characters.
type logDisplay struct {
	w        io.Writer
	every    time.Duration
	last     time.Duration
	reported map[string]bool
}

func newLogDisplay(w io.Writer, every time.Duration) *logDisplay {
	return &logDisplay{w: w, every: every, reported: map[string]bool{}}
}

// update is the pipeline's progress callback.
func (d *logDisplay) update(p pipeline.Progress) {
	periodic := p.Elapsed-d.last >= d.every
	if periodic {
		d.last = p.Elapsed
	}
	for _, r := range p.Resources {
		switch {
		case d.reported[r.Name]:
		case r.Done:
			d.reported[r.Name] = true
			d.line(r, "done")
		case p.Done:
			// the run ended (it failed) before the resource did
			d.reported[r.Name] = true
			d.line(r, "stopped")
		case periodic && r.Pages > 0:
			d.line(r, "")
		}
	}
}

func (d *logDisplay) line(r pipeline.ResourceProgress, state string) {
	head := r.Name
	if state != "" {
		head += " " + state
	}
	fmt.Fprintln(d.w, printable("progress: "+head+": "+strings.Join(resourceFacts(r), ", ")))
}
