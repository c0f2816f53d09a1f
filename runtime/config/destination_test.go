package config

import (
	"slices"
	"strings"
	"testing"
)

// TestDestinations checks each destination type's location field: the one
// it takes is read, the others are refused with the field named, and a
// postgres DSN is a secret however it was written.
func TestDestinations(t *testing.T) {
	const src = "source:\n  client: {base_url: \"https://x.test/\"}\n  resources: [a]\n"
	cases := []struct {
		name, dest        string
		typ, path, fmt_   string
		problem, problem2 string
	}{
		{name: "default", dest: "", typ: "sqlite"},
		{name: "sqlite path", dest: "{type: sqlite, path: data/x.db}", typ: "sqlite", path: "data/x.db"},
		{name: "duckdb string", dest: "duckdb", typ: "duckdb"},
		{name: "postgres dsn", dest: `{type: postgres, credentials: "postgresql://u:pw@h/db"}`, typ: "postgres", path: "postgresql://u:pw@h/db"},
		{name: "filesystem", dest: "{type: filesystem, bucket_url: file:///lake}", typ: "filesystem", path: "file:///lake", fmt_: "parquet"},
		{name: "filesystem format", dest: "{type: filesystem, bucket_url: file:///lake, format: parquet}", typ: "filesystem", path: "file:///lake", fmt_: "parquet"},
		{name: "postgres path", dest: "{type: postgres, path: x.db}", typ: "postgres", problem: "pipeline.destination.path: destination postgres takes credentials, not path"},
		{name: "sqlite bucket", dest: "{bucket_url: file:///lake}", typ: "sqlite", problem: "pipeline.destination.bucket_url: destination sqlite takes path, not bucket_url"},
		{name: "format on sqlite", dest: "{type: sqlite, format: parquet}", typ: "sqlite", problem: "pipeline.destination.format: destination sqlite has no format"},
		{name: "unknown format", dest: "{type: filesystem, bucket_url: file:///l, format: csv}", typ: "filesystem", problem: "pipeline.destination.format: expected one of: parquet"},
		{name: "unknown type", dest: "mysql", typ: "sqlite", problem: "pipeline.destination: expected one of: sqlite, duckdb, postgres, filesystem"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			y := "pipeline: {name: p"
			if c.dest != "" {
				y += ", destination: " + c.dest
			}
			f, probs := parse(t, y+"}\n"+src, nil, false)
			if c.problem != "" {
				path, msg, _ := strings.Cut(c.problem, ": ")
				for _, pr := range probs {
					if pr.Path == path && strings.Contains(pr.Msg, msg) {
						return
					}
				}
				t.Fatalf("problems %q lack %q at %s", probs.Error(), msg, path)
			}
			if len(probs) > 0 {
				t.Fatal(probs)
			}
			p := f.Pipeline
			if p.Destination != c.typ || p.DestinationPath != c.path || p.DestinationFormat != c.fmt_ {
				t.Errorf("got %q %q %q, want %q %q %q", p.Destination, p.DestinationPath, p.DestinationFormat, c.typ, c.path, c.fmt_)
			}
			if c.typ == "postgres" && !slices.Contains(f.Secrets, c.path) {
				t.Errorf("the DSN is not among the secrets %q", f.Secrets)
			}
		})
	}
}
