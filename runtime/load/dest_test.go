package load_test

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/destination/sqlite"
)

// testDest is a destination the table-driven tests run against, chosen by
// the extension of the database file's path.
type testDest struct {
	name, ext string
	open      func(path string) (destination.Destination, error)
	// sql opens the file for reading back with the destination's own driver
	sql func(path string) (*sql.DB, func(), error)
}

// testDests are sqlite always and duckdb in a build with -tags duckdb
// (dest_duckdb_test.go).
var testDests = []testDest{{
	name: "sqlite", ext: ".db",
	open: func(path string) (destination.Destination, error) { return sqlite.Open(path) },
	sql: func(path string) (*sql.DB, func(), error) {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			return nil, nil, err
		}
		return db, func() { db.Close() }, nil
	},
}}

// destFor returns the test destination of a database path.
func destFor(t *testing.T, path string) testDest {
	t.Helper()
	for _, d := range testDests {
		if strings.HasSuffix(path, d.ext) {
			return d
		}
	}
	t.Fatalf("no test destination for %s", path)
	return testDest{}
}

// forEachDest runs f once per test destination with a new database path
// named file (plus the destination's extension) in a temporary folder.
func forEachDest(t *testing.T, file string, f func(t *testing.T, path string)) {
	for _, d := range testDests {
		t.Run(d.name, func(t *testing.T) {
			f(t, filepath.Join(t.TempDir(), file+d.ext))
		})
	}
}

// tableExists reports whether the file at path has a table called name.
func tableExists(t *testing.T, path, name string) bool {
	t.Helper()
	if destFor(t, path).name == "sqlite" {
		return one(t, path, `SELECT count(*) FROM sqlite_master WHERE name = ?`, name) == "1"
	}
	return one(t, path, `SELECT count(*) FROM duckdb_tables() WHERE table_name = ?`, name) == "1"
}
