package main

import (
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/demoapi"
)

// TestGitHubExample runs examples/github against the demo API's GitHub:
// issues paged by the Link header, each issue's comments, and a second
// incremental run that asks only for the issues updated since the first
// run's maximum.
func TestGitHubExample(t *testing.T) {
	api := demoapi.New(demoapi.Options{Seed: 1})
	srv := httptest.NewServer(api)
	defer srv.Close()
	t.Setenv("DEMO_API_URL", srv.URL)
	dir := t.TempDir()
	db := filepath.Join(dir, "github.db")
	r := runExampleDir(t, "github", "github.yaml", db, dir)
	if p := r.Resources["issues"].Pages; p != 3 {
		t.Errorf("issues: %d pages, want 3 (45 issues, 20 a page, Link rel=next)", p)
	}
	wantCounts(t, db, map[string]int64{"issues": demoapi.GitHubIssues})
	d := openDB(t, db)
	if n, want := count(t, d, "select count(*) from issue_comments c join issues i on c._issues_id = i.id"), count(t, d, "select sum(comments) from issues"); n != want || n == 0 {
		t.Errorf("issue_comments has %d comments linked to their issue, want %d (the issues' comment counts)", n, want)
	}
	var maxUpdated string
	if err := d.QueryRow("select max(updated_at) from issues").Scan(&maxUpdated); err != nil {
		t.Fatal(err)
	}

	at, err := time.Parse("2006-01-02 15:04:05.000000", maxUpdated)
	if err != nil {
		t.Fatalf("updated_at %q: %v", maxUpdated, err)
	}
	since := "since=" + url.QueryEscape(at.Format(time.RFC3339))
	api.ResetStats()
	second := runExampleDir(t, "github", "github.yaml", db, dir)
	log := api.RequestLog(demoapi.RouteGitHubIssues)
	if len(log) != 1 || !strings.Contains(log[0].URI, since) {
		t.Errorf("the second run asked %v, want one request with %s, the first run's maximum", log, since)
	}
	if got := second.Resources["issues"].Records; got != 0 {
		t.Errorf("the second run loaded %d issues, want 0 (only the one at the previous maximum came back, and it is already loaded)", got)
	}
	wantCounts(t, db, map[string]int64{"issues": demoapi.GitHubIssues})
}
