package demoapi

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The GitHub mimic under /github/ serves one repository's issues and their
// comments the way api.github.com does (dlt's GitHub tutorial loads them):
//
//	GET /github/repos/{owner}/{repo}/issues?state=open|closed|all&since=T&sort=created|updated&direction=asc|desc&per_page=N&page=P
//	    a JSON array of issues; Link: <…page=P+1>; rel="next", <…>; rel="last" (and prev/first)
//	GET /github/repos/{owner}/{repo}/issues/{number}/comments?since=T&per_page=N&page=P
//	    a JSON array of the issue's comments, paged the same way
//
// Only GitHubOwner/GitHubRepo exists; any other repository answers 404
// with GitHub's {"message": "Not Found", "documentation_url": …, "status":
// "404"}. since keeps the issues updated at or after T (RFC 3339); the
// default is state=open, sort=created, direction=desc, per_page=30 (at
// most 100), as on GitHub. No token is needed (a public repository); an
// Authorization header that is not "Bearer …" or "token …" answers 401
// {"message": "Bad credentials"}.

// The repository the GitHub mimic serves and its size.
const (
	GitHubOwner  = "dlt-hub"
	GitHubRepo   = "dlt"
	GitHubIssues = 45
	githubPage   = 30
)

// Route names of the GitHub mimic.
const (
	RouteGitHubIssues   = "/github/repos/{owner}/{repo}/issues"
	RouteGitHubComments = "/github/repos/{owner}/{repo}/issues/{number}/comments"
)

// githubClock is when the issues' history ends.
var githubClock = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

var githubLogins = []string{"rudolfix", "sh-rp", "burnash", "steinitzu", "anuunchin", "zilto", "VioletM", "AstrakhantsevaAA"}

var githubLabels = []string{"bug", "enhancement", "documentation", "question", "good first issue"}

type ghUser struct {
	Login string `json:"login"`
	ID    int    `json:"id"`
	Type  string `json:"type"`
}

type ghLabel struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Color string `json:"color"`
}

type ghIssue struct {
	URL         string         `json:"url"`
	HTMLURL     string         `json:"html_url"`
	CommentsURL string         `json:"comments_url"`
	ID          int64          `json:"id"`
	NodeID      string         `json:"node_id"`
	Number      int            `json:"number"`
	Title       string         `json:"title"`
	User        ghUser         `json:"user"`
	Labels      []ghLabel      `json:"labels"`
	State       string         `json:"state"`
	Locked      bool           `json:"locked"`
	Comments    int            `json:"comments"`
	CreatedAt   string         `json:"created_at"`
	UpdatedAt   string         `json:"updated_at"`
	ClosedAt    *string        `json:"closed_at"`
	Body        string         `json:"body"`
	PullRequest map[string]any `json:"pull_request,omitempty"`
	Reactions   map[string]any `json:"reactions"`

	created, updated time.Time
}

type ghComment struct {
	URL       string `json:"url"`
	HTMLURL   string `json:"html_url"`
	IssueURL  string `json:"issue_url"`
	ID        int64  `json:"id"`
	NodeID    string `json:"node_id"`
	User      ghUser `json:"user"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
	Body      string `json:"body"`

	updated time.Time
}

// githubAPI is the generated repository: issues by number and comments.
type githubAPI struct {
	issues   []ghIssue // by number - 1
	comments [][]ghComment
}

func ghUserOf(i int) ghUser {
	return ghUser{Login: githubLogins[i%len(githubLogins)], ID: 1000 + i%len(githubLogins), Type: "User"}
}

func newGitHubAPI(seed int64) *githubAPI {
	g := &githubAPI{}
	repoURL := "https://api.github.com/repos/" + GitHubOwner + "/" + GitHubRepo
	htmlURL := "https://github.com/" + GitHubOwner + "/" + GitHubRepo
	for n := 1; n <= GitHubIssues; n++ {
		rng := rngFor(seed, "github/issue", n)
		created := githubClock.Add(-time.Duration(GitHubIssues-n+1) * 24 * time.Hour).Add(time.Duration(rng.IntN(3600)) * time.Second)
		updated := created.Add(time.Duration(rng.IntN(72*3600)) * time.Second)
		is := ghIssue{
			URL: repoURL + "/issues/" + strconv.Itoa(n), HTMLURL: htmlURL + "/issues/" + strconv.Itoa(n),
			CommentsURL: repoURL + "/issues/" + strconv.Itoa(n) + "/comments",
			ID:          2_000_000_000 + int64(n)*7, NodeID: "I_kwDO" + strconv.Itoa(n*977),
			Number: n, Title: title(rng), User: ghUserOf(rng.IntN(100)), Labels: []ghLabel{},
			State: "open", Body: sentence(rng, 12),
			CreatedAt: created.Format(time.RFC3339), created: created,
			Reactions: map[string]any{"total_count": rng.IntN(5), "+1": rng.IntN(3)},
		}
		if rng.IntN(3) > 0 {
			l := rng.IntN(len(githubLabels))
			is.Labels = append(is.Labels, ghLabel{ID: 500 + l, Name: githubLabels[l], Color: "d73a4a"})
		}
		if n%5 == 0 {
			is.PullRequest = map[string]any{"url": repoURL + "/pulls/" + strconv.Itoa(n), "merged_at": nil}
		}
		var cs []ghComment
		for j := range rng.IntN(4) {
			at := created.Add(time.Duration(j+1) * time.Duration(1+rng.IntN(600)) * time.Minute)
			id := 3_000_000_000 + int64(n)*100 + int64(j)
			cs = append(cs, ghComment{
				URL: repoURL + "/issues/comments/" + strconv.FormatInt(id, 10), HTMLURL: is.HTMLURL + "#issuecomment-" + strconv.FormatInt(id, 10),
				IssueURL: is.URL, ID: id, NodeID: "IC_kwDO" + strconv.FormatInt(id%1_000_000, 10), User: ghUserOf(rng.IntN(100)),
				CreatedAt: at.Format(time.RFC3339), UpdatedAt: at.Format(time.RFC3339), Body: sentence(rng, 8), updated: at,
			})
			if at.After(updated) {
				updated = at
			}
		}
		if n%4 == 0 {
			is.State = "closed"
			updated = updated.Add(time.Hour)
			c := updated.Format(time.RFC3339)
			is.ClosedAt = &c
		}
		is.updated, is.UpdatedAt, is.Comments = updated, updated.Format(time.RFC3339), len(cs)
		g.issues = append(g.issues, is)
		g.comments = append(g.comments, cs)
	}
	return g
}

func ghNotFound(w http.ResponseWriter, r *http.Request, doc string) {
	writeTyped(w, r, http.StatusNotFound, "application/json; charset=utf-8", map[string]string{
		"message": "Not Found", "documentation_url": "https://docs.github.com/rest/issues/" + doc, "status": "404"})
}

func ghError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	writeTyped(w, r, status, "application/json; charset=utf-8", map[string]string{
		"message": msg, "documentation_url": "https://docs.github.com/rest", "status": strconv.Itoa(status)})
}

// githubRoute is the route of a /github/ path.
func githubRoute(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) == 5 && parts[1] == "repos" && parts[4] == "issues":
		return RouteGitHubIssues
	case len(parts) == 7 && parts[1] == "repos" && parts[4] == "issues" && parts[6] == "comments":
		return RouteGitHubComments
	}
	return RouteOther
}

func (s *Server) serveGitHub(w http.ResponseWriter, r *http.Request, rt string) {
	g := s.apis.github
	w.Header().Set("X-GitHub-Api-Version", "2022-11-28")
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, _ := strings.Cut(h, " ")
		if (!strings.EqualFold(scheme, "bearer") && !strings.EqualFold(scheme, "token")) || strings.TrimSpace(tok) == "" {
			ghError(w, r, http.StatusUnauthorized, "Bad credentials")
			return
		}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		ghNotFound(w, r, "issues")
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if rt == RouteOther || parts[2] != GitHubOwner || parts[3] != GitHubRepo {
		ghNotFound(w, r, "issues#list-repository-issues")
		return
	}
	q := r.URL.Query()
	var since time.Time
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			ghError(w, r, http.StatusUnprocessableEntity, "Validation Failed: since "+strconv.Quote(v)+" is not an ISO 8601 timestamp (YYYY-MM-DDTHH:MM:SSZ)")
			return
		}
		since = t
	}
	perPage := githubPage
	if v := q.Get("per_page"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			perPage = min(n, 100)
		}
	}
	page := 1
	if v := q.Get("page"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			page = n
		}
	}
	var rows []any
	if rt == RouteGitHubComments {
		n, err := strconv.Atoi(parts[5])
		if err != nil || n < 1 || n > len(g.issues) {
			ghNotFound(w, r, "comments#list-issue-comments")
			return
		}
		for _, c := range g.comments[n-1] {
			if !c.updated.Before(since) {
				rows = append(rows, c)
			}
		}
	} else {
		state := q.Get("state")
		if state == "" {
			state = "open"
		}
		if state != "open" && state != "closed" && state != "all" {
			ghError(w, r, http.StatusUnprocessableEntity, "Validation Failed: state must be open, closed or all")
			return
		}
		var list []*ghIssue
		for i := range g.issues {
			is := &g.issues[i]
			if (state == "all" || is.State == state) && !is.updated.Before(since) {
				list = append(list, is)
			}
		}
		key := func(is *ghIssue) time.Time { return is.created }
		switch q.Get("sort") {
		case "updated":
			key = func(is *ghIssue) time.Time { return is.updated }
		case "comments":
			key = func(is *ghIssue) time.Time { return time.Unix(int64(is.Comments), 0) }
		}
		asc := q.Get("direction") == "asc"
		sort.SliceStable(list, func(a, b int) bool {
			ka, kb := key(list[a]), key(list[b])
			if ka.Equal(kb) {
				return list[a].Number < list[b].Number
			}
			return ka.Before(kb) == asc
		})
		for _, is := range list {
			rows = append(rows, is)
		}
	}
	last := max(1, (len(rows)+perPage-1)/perPage)
	lo := min((page-1)*perPage, len(rows))
	hi := min(lo+perPage, len(rows))
	w.Header().Set("Link", ghLinks(r, page, last))
	if w.Header().Get("Link") == "" {
		w.Header().Del("Link")
	}
	out := rows[lo:hi]
	if out == nil {
		out = []any{}
	}
	writeTyped(w, r, http.StatusOK, "application/json; charset=utf-8", out)
}

// ghLinks is GitHub's Link header: prev, next, last, first as they apply.
func ghLinks(r *http.Request, page, last int) string {
	at := func(p int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(p))
		u := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}
		if r.TLS != nil {
			u.Scheme = "https"
		}
		return "<" + u.String() + ">"
	}
	var ls []string
	if page > 1 {
		ls = append(ls, at(page-1)+`; rel="prev"`)
	}
	if page < last {
		ls = append(ls, at(page+1)+`; rel="next"`, at(last)+`; rel="last"`)
	}
	if page > 1 {
		ls = append(ls, at(1)+`; rel="first"`)
	}
	return strings.Join(ls, ", ")
}

// sentence is n words of the demo vocabulary, capitalised, with a stop.
func sentence(rng interface{ IntN(int) int }, n int) string {
	var b strings.Builder
	for i := range n {
		w := words[rng.IntN(len(words))]
		if i == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		} else {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	b.WriteByte('.')
	return b.String()
}

// title is a short issue title.
func title(rng interface{ IntN(int) int }) string {
	s := sentence(rng, 3+rng.IntN(4))
	return s[:len(s)-1]
}
