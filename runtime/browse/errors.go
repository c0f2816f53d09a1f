package browse

import (
	"fmt"
	"strings"
)

// UnknownError is returned for a table, column or filter operator that
// does not exist: the caller asked for something by name (from a page's
// URL) and the name is not one the destination has. Servers answer it
// with 400 or 404.
type UnknownError struct {
	// What is "table", "column" or "operator".
	What string
	Name string
	// Known lists the names that exist.
	Known []string
	// Field names the query parameter the name came from ("sort",
	// "filter"), when there is one.
	Field string
}

func (e *UnknownError) Error() string {
	where := ""
	if e.Field != "" {
		where = e.Field + ": "
	}
	return fmt.Sprintf("%sno %s named %q (known: %s)", where, e.What, e.Name, strings.Join(e.Known, ", "))
}

// BadValueError is returned for a filter value that the column's type
// cannot hold (a word for a bigint column) or a page cursor that does not
// decode.
type BadValueError struct {
	Field string
	Msg   string
}

func (e *BadValueError) Error() string { return e.Field + ": " + e.Msg }
