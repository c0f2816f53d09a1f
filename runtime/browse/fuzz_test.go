package browse

import (
	"strings"
	"testing"
)

// FuzzDecodeCursor: a page cursor comes from the URL. Whatever it is, it
// decodes or is a *BadValueError, and what decodes encodes back to a
// cursor that decodes to the same values.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(cursor{Key: int64(7)}.encode())
	f.Add(cursor{Key: int64(7), Sort: "Ada"}.encode())
	f.Add(cursor{Key: "x", Sort: 1.5}.encode())
	f.Add(cursor{Key: int64(1), Sort: []byte{0, 1}}.encode())
	f.Add("")
	f.Add("bm90IGEgY3Vyc29y")
	f.Add("eyJrIjp7InQiOiJ0IiwidiI6IngifX0")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeCursor(s)
		if err != nil {
			if _, ok := err.(*BadValueError); !ok {
				t.Fatalf("%q: error %T %v", s, err, err)
			}
			return
		}
		again, err := decodeCursor(c.encode())
		if err != nil {
			t.Fatalf("%q decoded to %#v, which does not round-trip: %v", s, c, err)
		}
		if toCursorValue(again.Key) == nil && toCursorValue(c.Key) != nil {
			t.Fatalf("key lost: %#v → %#v", c, again)
		}
	})
}

// FuzzFilterSQL: column, operator and value come from the URL. The SQL
// made of them names only the table's columns and does not depend on the
// value: values are bound parameters.
func FuzzFilterSQL(f *testing.F) {
	tb := &Table{Name: "users", Columns: []Column{{Name: "id", DataType: "bigint"}, {Name: "name", DataType: "text"},
		{Name: "score", DataType: "double"}, {Name: "ok", DataType: "bool"}, {Name: `we"ird`, DataType: "text"}}}
	for _, c := range []string{"id", "name", "score", "ok", `we"ird`, "nope"} {
		for _, op := range Operators {
			f.Add(c, op, "' OR 1=1 --")
		}
	}
	f.Add("name", "LIKE", "%")
	f.Fuzz(func(t *testing.T, col, op, value string) {
		cond, args, err := filterSQL(tb, Filter{Column: col, Op: op, Value: value})
		if err != nil {
			switch err.(type) {
			case *UnknownError, *BadValueError:
				return
			}
			t.Fatalf("error %T %v", err, err)
		}
		if tb.Column(col) == nil {
			t.Fatalf("unknown column %q accepted: %s", col, cond)
		}
		rest := strings.Replace(cond, `"`+strings.ReplaceAll(col, `"`, `""`)+`"`, "", 1)
		if strings.ContainsAny(rest, `"`) || strings.Contains(rest, ";") || strings.Count(rest, "?") > 1 {
			t.Fatalf("condition %q carries more than the quoted column", cond)
		}
		// the SQL does not depend on the value at all
		if other, _, err := filterSQL(tb, Filter{Column: col, Op: op, Value: "1"}); err == nil && other != cond {
			t.Fatalf("the value %q changed the SQL: %q, not %q", value, cond, other)
		}
		if strings.Count(cond, "?") != len(args) {
			t.Fatalf("%q has %d arguments", cond, len(args))
		}
	})
}
