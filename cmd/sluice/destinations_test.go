package main

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/demoapi"
)

// TestVersionListsDestinations: `sluice version` names exactly the
// destinations of this build (sqlite always; duckdb with -tags duckdb).
func TestVersionListsDestinations(t *testing.T) {
	code, stdout, _ := sluice(t, "version")
	want := "destinations: " + strings.Join(destinations().Names(), ", ") + "\n"
	if code != 0 || !strings.Contains(stdout, want) || !strings.Contains(stdout, "sqlite") {
		t.Fatalf("exit %d, want %q in:\n%s", code, want, stdout)
	}
}

// TestDestinationThisBuildLacks: asking a build for a destination it does
// not have (duckdb in the pure-Go build, or a made-up one) is a usage
// error that lists what the build has; validate warns about the file's
// destination the same way.
func TestDestinationThisBuildLacks(t *testing.T) {
	srv := httptest.NewServer(demoapi.New(demoapi.Options{Users: 10}))
	defer srv.Close()
	have := strings.Join(destinations().Names(), ", ")
	lacking := "duckdb"
	if slices.Contains(destinations().Names(), "duckdb") {
		lacking = ""
	}
	if lacking != "" {
		path := writePipeline(t, "pipeline: {name: d}\nsource:\n  client: {base_url: \""+srv.URL+"\"}\n  resources:\n    - name: users\n      endpoint: {path: users, data_selector: data, paginator: single_page}\n")
		code, _, stderr, _ := runHere(t, path, "--destination", lacking)
		if code != 2 || !strings.Contains(stderr, `destination "duckdb" is not built into this binary (this build has: `+have+`)`) {
			t.Errorf("--destination duckdb: exit %d, stderr:\n%s", code, stderr)
		}
		inFile := writePipeline(t, "pipeline: {name: d, destination: duckdb}\nsource:\n  client: {base_url: \""+srv.URL+"\"}\n  resources: [users]\n")
		code, _, stderr = sluice(t, "validate", inFile)
		if code != 0 || !strings.Contains(stderr, "destination: duckdb, which is not built into this binary (this build has: "+have) {
			t.Errorf("validate: exit %d, stderr:\n%s", code, stderr)
		}
	}
	path := writePipeline(t, "pipeline: {name: d}\nsource:\n  client: {base_url: \""+srv.URL+"\"}\n  resources: [users]\n")
	code, _, stderr, _ := runHere(t, path, "--destination", "mysql")
	if code != 2 || !strings.Contains(stderr, `--destination "mysql": expected one of sqlite, duckdb, postgres, filesystem`) {
		t.Errorf("--destination mysql: exit %d, stderr:\n%s", code, stderr)
	}
}
