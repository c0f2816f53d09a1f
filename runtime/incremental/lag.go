package incremental

import (
	"fmt"
	"github.com/sluicehq/sluice/runtime/cursorvalue"
	"math"
	"regexp"
	"strings"
	"time"
)

// applyLag moves v back by lag (forward for min), as dlt's
// _apply_lag_to_value: numbers by lag (whole numbers stay whole,
// truncated toward zero as Python's int()), ISO timestamp strings by lag
// seconds and date-only strings by lag days, written back in the input's
// own format.
func applyLag(v any, lag float64, isMax bool) (any, error) {
	if isMax {
		lag = -lag
	}
	if s, ok := v.(string); ok {
		return lagString(s, lag)
	}
	r, ok := cursorvalue.AddNumber(v, lag)
	if !ok || isBool(v) {
		return nil, fmt.Errorf("lag works on numbers and ISO dates or timestamps, not on %s %s", cursorvalue.Kind(v), cursorvalue.Show(v))
	}
	return r, nil
}

func isBool(v any) bool { _, ok := v.(bool); return ok }

// tsRE splits an ISO 8601 date or timestamp: date (with or without
// dashes), separator, hours, minutes, seconds, fraction, zone.
var tsRE = regexp.MustCompile(`^(\d{4})(?:(-)(\d{2})(?:-(\d{2}))?|(\d{2})(\d{2})?)?(?:([T ])(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:\d{2}|[+-]\d{4})?)?$`)

// lagString applies lag to a date or timestamp string and formats the
// result the way the input was written.
func lagString(s string, lag float64) (any, error) {
	layout, dateOnly, ok := isoLayout(s)
	if !ok {
		return nil, fmt.Errorf("lag works on numbers and ISO dates or timestamps; %s is neither", cursorvalue.Show(s))
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return nil, fmt.Errorf("lag: cannot read %s as a date or timestamp: %v", cursorvalue.Show(s), err)
	}
	secs := lag
	if dateOnly {
		secs *= 24 * 3600
	}
	if math.Abs(secs) > 1e13 {
		return nil, fmt.Errorf("lag %v is too large for the timestamp %s", math.Abs(lag), cursorvalue.Show(s))
	}
	whole, frac := math.Modf(secs)
	t = t.Add(time.Duration(frac * float64(time.Second)))
	t = time.Unix(t.Unix()+int64(whole), int64(t.Nanosecond())).In(t.Location())
	return t.Format(layout), nil
}

// isoLayout returns the Go layout that reads and writes s, and whether s
// is a date without a time (dlt lags those in days: YYYY-MM-DD and
// YYYYMMDD).
func isoLayout(s string) (layout string, dateOnly, ok bool) {
	m := tsRE.FindStringSubmatch(s)
	if m == nil {
		return "", false, false
	}
	var b strings.Builder
	b.WriteString("2006")
	switch {
	case m[2] == "-":
		b.WriteString("-01")
		if m[4] != "" {
			b.WriteString("-02")
		}
	case m[5] != "":
		b.WriteString("01")
		if m[6] != "" {
			b.WriteString("02")
		}
	}
	fullDate := m[4] != "" || m[6] != ""
	if m[7] == "" {
		return b.String(), fullDate, true
	}
	if !fullDate || m[5] != "" {
		return "", false, false // a time after a partial or compact date
	}
	b.WriteString(m[7])
	b.WriteString("15")
	if m[9] != "" {
		b.WriteString(":04")
	}
	if m[10] != "" {
		b.WriteString(":05")
	}
	if m[11] != "" {
		b.WriteString("." + strings.Repeat("0", len(m[11])))
	}
	switch z := m[12]; {
	case z == "Z":
		b.WriteString("Z")
	case len(z) == 6:
		b.WriteString("-07:00")
	case len(z) == 5:
		b.WriteString("-0700")
	}
	return b.String(), false, true
}
