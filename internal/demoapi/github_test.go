package demoapi

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestGitHub(t *testing.T) {
	srv := httptest.NewServer(New(Options{Seed: 1, Token: "ignored-by-github"}))
	defer srv.Close()
	base := "/github/repos/dlt-hub/dlt"
	tests := []struct {
		name, path string
		headers    map[string]string
		status     int
		rows       int
		rels       string // the Link header's rels, in order
	}{
		{name: "open issues, first page", path: base + "/issues", status: 200, rows: 30, rels: "next,last"},
		{name: "all issues, per_page", path: base + "/issues?state=all&per_page=20&page=2", status: 200, rows: 20, rels: "prev,next,last,first"},
		{name: "all issues, last page", path: base + "/issues?state=all&per_page=20&page=3", status: 200, rows: 5, rels: "prev,first"},
		{name: "closed", path: base + "/issues?state=closed&per_page=100", status: 200, rows: 11},
		{name: "since", path: base + "/issues?state=all&since=2025-05-20T00:00:00Z", status: 200, rows: 12},
		{name: "bad since", path: base + "/issues?since=yesterday", status: 422, rows: -1},
		{name: "comments", path: base + "/issues/3/comments", status: 200, rows: -2},
		{name: "unknown issue", path: base + "/issues/99/comments", status: 404, rows: -1},
		{name: "other repository", path: "/github/repos/octocat/hello/issues", status: 404, rows: -1},
		{name: "bad credentials", path: base + "/issues", headers: map[string]string{"Authorization": "Basic x"}, status: 401, rows: -1},
		{name: "a token is accepted", path: base + "/issues", headers: map[string]string{"Authorization": "Bearer ghp_x"}, status: 200, rows: 30, rels: "next,last"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, v := pgDo(t, srv, "GET", tc.path, "", tc.headers)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %v", resp.StatusCode, tc.status, v)
			}
			if tc.rows == -1 {
				if m, _ := v.(map[string]any); m["message"] == nil || m["documentation_url"] == nil {
					t.Errorf("error body %v, want GitHub's message and documentation_url", v)
				}
				return
			}
			rows := v.([]any)
			if tc.rows >= 0 && len(rows) != tc.rows {
				t.Errorf("%d rows, want %d", len(rows), tc.rows)
			}
			var rels []string
			for _, part := range strings.Split(resp.Header.Get("Link"), ", ") {
				if _, rel, ok := strings.Cut(part, `rel="`); ok {
					rels = append(rels, strings.TrimSuffix(rel, `"`))
				}
				if part != "" && !strings.HasPrefix(part, "<"+srv.URL+base) {
					t.Errorf("link %q is not absolute", part)
				}
			}
			if got := strings.Join(rels, ","); got != tc.rels {
				t.Errorf("Link rels %q, want %q", got, tc.rels)
			}
		})
	}
}

// TestGitHubIssuesSorted: sort=updated&direction=asc is what an
// incremental load on updated_at asks for.
func TestGitHubIssuesSorted(t *testing.T) {
	srv := httptest.NewServer(New(Options{Seed: 1}))
	defer srv.Close()
	_, v := pgDo(t, srv, "GET", "/github/repos/dlt-hub/dlt/issues?state=all&sort=updated&direction=asc&per_page=100", "", nil)
	prev := ""
	comments := 0
	for _, is := range v.([]any) {
		m := is.(map[string]any)
		if u := m["updated_at"].(string); u < prev {
			t.Errorf("issue %v updated %s before %s", m["number"], u, prev)
		} else {
			prev = u
		}
		comments += int(m["comments"].(float64))
	}
	if len(v.([]any)) != GitHubIssues || comments == 0 {
		t.Errorf("%d issues with %d comments", len(v.([]any)), comments)
	}
}
