package pgtest

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

// TestServer starts the shared server, creates two databases and checks
// each is empty, separate, and reached with the password over TCP, and that
// a wrong password is refused.
func TestServer(t *testing.T) {
	ctx := context.Background()
	start := time.Now()
	s := Shared(t)
	t.Logf("server up in %v on port %d", time.Since(start), s.Port)
	var dsns []string
	for range 2 {
		start = time.Now()
		dsns = append(dsns, DSN(t))
		t.Logf("database in %v", time.Since(start))
	}
	if dsns[0] == dsns[1] {
		t.Fatal("two tests got the same database")
	}
	for _, dsn := range dsns {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')").Scan(&n); err != nil || n != 0 {
			t.Errorf("a fresh database has %d tables (%v)", n, err)
		}
		conn.Close(ctx)
	}
	bad := "postgresql://" + User + ":wrong@127.0.0.1:" + strconv.Itoa(s.Port) + "/postgres?sslmode=disable"
	if conn, err := pgx.Connect(ctx, bad); err == nil {
		conn.Close(ctx)
		t.Error("a wrong password was accepted: the server does not check passwords")
	}
}
