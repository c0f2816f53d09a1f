package incremental

import "fmt"

// ConfigError is a problem with the incremental configuration or with the
// stored state it meets; Field is the YAML path of the field to fix.
type ConfigError struct {
	Field string
	Msg   string
	Hint  string
}

// Error renders "field: msg (hint)".
func (e *ConfigError) Error() string {
	s := e.Field + ": " + e.Msg
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

// RecordError is a record the filter cannot place: its cursor value is
// missing or null under on_cursor_value_missing: raise, cannot be compared
// with the cursor's values, or its primary key is missing. Index is the
// record's position in the page given to Filter (from 0); Field is the
// YAML path of the setting involved.
type RecordError struct {
	Field string
	Index int
	Msg   string
	Hint  string
}

// Error renders "field: record N of the page: msg (hint)"; N counts from 1.
func (e *RecordError) Error() string {
	s := fmt.Sprintf("%s: record %d of the page: %s", e.Field, e.Index+1, e.Msg)
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}
