package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/sluicehq/sluice/cmd/sluice/internal/console"
	"github.com/sluicehq/sluice/runtime/pipeline"
)

// How often each --progress mode hears of the counts, and how often the
// log mode prints a line per running resource.
const (
	barInterval     = 200 * time.Millisecond
	logInterval     = time.Second
	autoLogInterval = 5 * time.Second
)

// barWidth, when set, replaces the terminal's width (tests).
var barWidth int

// progressFunc returns the progress reporter for a --progress mode and how
// often the run should call it; tty says whether stderr is a terminal.
func progressFunc(mode string, w *console.Writer, tty bool) (func(pipeline.Progress), time.Duration, error) {
	switch mode {
	case "none":
		return nil, 0, nil
	case "auto":
		if tty {
			return newBarDisplay(w, barOptions{width: barWidth}).update, barInterval, nil
		}
		return newLogDisplay(w, autoLogInterval).update, logInterval, nil
	case "bar":
		return newBarDisplay(w, barOptions{width: barWidth}).update, barInterval, nil
	case "log":
		return newLogDisplay(w, logInterval).update, logInterval, nil
	}
	return nil, 0, &pipeline.UsageError{Msg: fmt.Sprintf("--progress %q: expected auto, bar, log or none", mode)}
}

// isTerminal reports whether w is a terminal (not merely a character
// device such as /dev/null).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// resourceFacts are the parts of a resource's progress line, most
// important first, so that a narrow terminal keeps the counts and the ETA
// and loses the URL.
func resourceFacts(r pipeline.ResourceProgress) []string {
	facts := []string{fmt.Sprintf("%d pages", r.Pages)}
	if r.TotalPages > 0 && !r.Done {
		facts[0] = fmt.Sprintf("%d/%d pages", r.Pages, r.TotalPages)
	}
	recs := fmt.Sprintf("%d records", r.Records)
	if r.TotalRecords > 0 && !r.Done {
		recs = fmt.Sprintf("%d/%d records", r.Records, r.TotalRecords)
	}
	facts = append(facts, recs)
	if eta, ok := etaOf(r); ok && !r.Done {
		facts = append(facts, "ETA "+roundDuration(eta))
	}
	if r.Elapsed > 0 {
		facts = append(facts, fmt.Sprintf("%.0f records/s", float64(r.Records)/r.Elapsed.Seconds()))
	}
	if r.Done {
		return append(facts, "in "+roundDuration(r.Elapsed))
	}
	if r.URL != "" {
		facts = append(facts, r.URL)
	}
	return facts
}

// etaOf estimates the time left from the share of the total done so far.
func etaOf(r pipeline.ResourceProgress) (time.Duration, bool) {
	var frac float64
	switch {
	case r.TotalRecords > 0:
		frac = float64(r.Records) / float64(r.TotalRecords)
	case r.TotalPages > 0:
		frac = float64(r.Pages) / float64(r.TotalPages)
	default:
		return 0, false
	}
	if frac <= 0 || r.Elapsed <= 0 {
		return 0, false
	}
	if frac >= 1 {
		return 0, true
	}
	return time.Duration(float64(r.Elapsed) * (1 - frac) / frac), true
}

func roundDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// printable replaces control characters, so that a progress line never
// carries one (a resource name or URL is the user's text).
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, s)
}
