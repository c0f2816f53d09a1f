package postgres

import (
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

func parseTime(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }

func TestNumbered(t *testing.T) {
	tests := []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT ? , ?`, `SELECT $1 , $2`},
		{`SELECT "a?" FROM "t""?" WHERE x = ? AND y = '?''?' AND z = ?`, `SELECT "a?" FROM "t""?" WHERE x = $1 AND y = '?''?' AND z = $2`},
		{"SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2"},
		{`SELECT /* ? */ ?`, `SELECT /* ? */ $1`},
		{`SELECT $$ ? $$, $q$?$q$, ?`, `SELECT $$ ? $$, $q$?$q$, $1`},
		{`SELECT $1, ?`, `SELECT $1, $1`},
		{`SELECT '?`, `SELECT '?`},
	}
	for _, tt := range tests {
		if got := numbered(tt.in); got != tt.want {
			t.Errorf("numbered(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzNumbered(f *testing.F) {
	for _, s := range []string{`SELECT ?`, `"?"'?'?`, "-- ?\n?", `/* ? */?`, `$a$?$a$?`, `$1?`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := numbered(s)
		// only `?` change, and each into $n
		if strings.Count(out, "?") > strings.Count(s, "?") {
			t.Fatalf("numbered(%q) = %q has more ?", s, out)
		}
		if !strings.Contains(s, "?") && out != s {
			t.Fatalf("numbered(%q) = %q changed a query without ?", s, out)
		}
	})
}

func TestDisplay(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgresql://u:s3cret@h:5432/db?sslmode=disable", "postgresql://u:xxxxx@h:5432/db?sslmode=disable"},
		{"postgres://u@h/db", "postgres://u@h/db"},
		{"postgres://h/db?password=s3cret&user=u", "postgres://h/db?password=xxxxx&user=u"},
		{"host=h user=u password=s3cret dbname=db", "host=h user=u password=xxxxx dbname=db"},
		{"host=h password='s3 cret' dbname=db", "host=h password=xxxxx dbname=db"},
		{"host=h PASSWORD = s3cret", "host=h PASSWORD = xxxxx"},
	}
	for _, tt := range tests {
		if got := Display(tt.in); got != tt.want {
			t.Errorf("Display(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzDisplay: whatever the DSN, what Display prints parses (when the DSN
// does) to no password other than the mask.
func FuzzDisplay(f *testing.F) {
	for _, s := range []string{"postgresql://u:pw@h/db", "host=h password=pw", "postgres://h/db?password=pw", "password='a b' host=x", "postgres://u:p%40w@h/d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		cfg, err := pgconn.ParseConfig(dsn)
		if err != nil || cfg.Password == "" || len(cfg.Password) < 4 {
			return
		}
		shown := Display(dsn)
		if strings.Contains(shown, cfg.Password) && !strings.Contains(redacted, cfg.Password) {
			t.Fatalf("Display(%q) = %q shows the password %q", dsn, shown, cfg.Password)
		}
	})
}
