package redact

import "io"

// Writer returns a writer that redacts what it is given (as Text does)
// before passing it to w: for output that is not a log line nor an error,
// such as a run summary whose pipeline name or database path came from a
// ${…} reference. Each Write is redacted on its own, so write whole lines
// (fmt.Fprintf and json.Encoder do). It reports len(p) written when w took
// the whole redacted text.
func (r *Redactor) Writer(w io.Writer) io.Writer {
	return &writer{r: r, w: w}
}

type writer struct {
	r *Redactor
	w io.Writer
}

func (w *writer) Write(p []byte) (int, error) {
	s := w.r.Text(string(p))
	n, err := io.WriteString(w.w, s)
	if err != nil {
		return min(n, len(p)), err
	}
	return len(p), nil
}
