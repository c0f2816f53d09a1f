// Package paginatortest is the conformance suite every paginator passes,
// whatever implements it: a built-in (package builtin/paginate), a
// JavaScript or a WASM one (package scripting). It walks real request
// chains through a real HTTP client against httptest servers that page the
// way real APIs do, and checks the contract of extension.PaginatorFactory
// and extension.Paginator: the requests of a chain, fresh state for every
// chain, chains that run at once without interfering, and the run's
// context reaching every call.
//
// An implementation's test configures its paginator for a Scenario (a
// json_link with next_url_path "next", a script that reads body.next, …)
// and calls Check.
package paginatortest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/httpclient"
)

// MaxChain stops a paginator that never ends.
const MaxChain = 50

// Scenario is one way an API pages, and the requests a correct paginator
// for it makes.
type Scenario struct {
	Name string
	// Serve answers one request; base is the server's URL and page the
	// value of the query parameter "page" (1 when absent).
	Serve func(w http.ResponseWriter, r *http.Request, base string, page int)
	// Method, Path (with its own query), Header and JSON body of the first
	// request.
	Method string
	Path   string
	Header http.Header
	JSON   map[string]any
	// Want are the requests of the chain, as paths with their query.
	Want []string
}

// Records writes n's two records as a JSON list under "data" with extra
// top-level fields; it is what most scenarios serve.
func Records(w http.ResponseWriter, n int, extra map[string]any) {
	body := map[string]any{"data": []any{map[string]any{"id": n*10 + 1}, map[string]any{"id": n*10 + 2}}}
	for k, v := range extra {
		body[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

// The scenarios every link-following paginator of its kind must pass.
var (
	// JSONNextLink puts the absolute URL of the next page in the body's
	// "next" field, null on the last of three pages.
	JSONNextLink = Scenario{
		Name: "json next link",
		Serve: func(w http.ResponseWriter, _ *http.Request, base string, n int) {
			var next any
			if n < 3 {
				next = fmt.Sprintf("%s/items?page=%d", base, n+1)
			}
			Records(w, n, map[string]any{"next": next})
		},
		Path: "/items",
		Want: []string{"/items", "/items?page=2", "/items?page=3"},
	}
	// JSONRelativeLink gives the next page as a reference relative to the
	// current URL, and ends by leaving the field out.
	JSONRelativeLink = Scenario{
		Name: "json relative link",
		Serve: func(w http.ResponseWriter, _ *http.Request, _ string, n int) {
			extra := map[string]any{}
			if n < 3 {
				extra["next"] = fmt.Sprintf("?page=%d", n+1)
			}
			Records(w, n, extra)
		},
		Path: "/api/items?page=1",
		Want: []string{"/api/items?page=1", "/api/items?page=2", "/api/items?page=3"},
	}
	// HeaderNextLink pages with a GitHub-style Link header.
	HeaderNextLink = Scenario{
		Name: "Link header",
		Serve: func(w http.ResponseWriter, _ *http.Request, base string, n int) {
			if n < 3 {
				w.Header().Add("Link", fmt.Sprintf(`<%s/issues?page=%d>; rel="next", <%s/issues?page=3>; rel="last"`, base, n+1, base))
			}
			Records(w, n, nil)
		},
		Path: "/issues",
		Want: []string{"/issues", "/issues?page=2", "/issues?page=3"},
	}
	// OnePage has a next link that a single-page paginator must ignore.
	OnePage = Scenario{
		Name: "one page",
		Serve: func(w http.ResponseWriter, _ *http.Request, base string, n int) {
			w.Header().Add("Link", fmt.Sprintf(`<%s/p?page=%d>; rel="next"`, base, n+1))
			Records(w, n, map[string]any{"next": fmt.Sprintf("%s/p?page=%d", base, n+1)})
		},
		Path: "/p",
		Want: []string{"/p"},
	}
)

// The scenarios of range and cursor paginators: 5 pages of 2 records.
var (
	// OffsetTotal pages by offset and limit 2 and reports "total": 10.
	OffsetTotal = Scenario{
		Name: "offset with a total",
		Serve: func(w http.ResponseWriter, r *http.Request, _ string, _ int) {
			off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
			Records(w, off/2+1, map[string]any{"total": 10})
		},
		Path: "/rows",
		Want: []string{"/rows?limit=2&offset=0", "/rows?limit=2&offset=2", "/rows?limit=2&offset=4", "/rows?limit=2&offset=6", "/rows?limit=2&offset=8"},
	}
	// PageNumberOneBased numbers pages from 1 and reports "total_pages": 5.
	PageNumberOneBased = Scenario{
		Name: "1-based page numbers with a page count",
		Serve: func(w http.ResponseWriter, _ *http.Request, _ string, n int) {
			Records(w, n, map[string]any{"total_pages": 5})
		},
		Path: "/rows",
		Want: []string{"/rows?page=1", "/rows?page=2", "/rows?page=3", "/rows?page=4", "/rows?page=5"},
	}
	// BodyCursor gives an opaque cursor in "next_cursor", null on page 5.
	BodyCursor = Scenario{
		Name: "cursor in the body",
		Serve: func(w http.ResponseWriter, r *http.Request, _ string, _ int) {
			n := 1
			if c := r.URL.Query().Get("cursor"); c != "" {
				n, _ = strconv.Atoi(strings.TrimPrefix(c, "c"))
			}
			var next any
			if n < 5 {
				next = fmt.Sprintf("c%d", n+1)
			}
			Records(w, n, map[string]any{"next_cursor": next})
		},
		Path: "/rows",
		Want: []string{"/rows", "/rows?cursor=c2", "/rows?cursor=c3", "/rows?cursor=c4", "/rows?cursor=c5"},
	}
	// HeaderCursor gives the next cursor in an X-Next-Cursor header.
	HeaderCursor = Scenario{
		Name: "cursor in a header",
		Serve: func(w http.ResponseWriter, r *http.Request, _ string, _ int) {
			n := 1
			if c := r.URL.Query().Get("cursor"); c != "" {
				n, _ = strconv.Atoi(c)
			}
			if n < 5 {
				w.Header().Set("X-Next-Cursor", strconv.Itoa(n+1))
			}
			Records(w, n, nil)
		},
		Path: "/rows",
		Want: []string{"/rows", "/rows?cursor=2", "/rows?cursor=3", "/rows?cursor=4", "/rows?cursor=5"},
	}
	// PostBodyOffset is searched with POST: offset and limit go in the
	// JSON body ({"page": {"offset": …, "limit": …}}), the total comes back
	// in the Content-Range header.
	PostBodyOffset = Scenario{
		Name: "POST body offset with a Content-Range total",
		Serve: func(w http.ResponseWriter, r *http.Request, _ string, _ int) {
			var body struct {
				Q    string `json:"q"`
				Page struct {
					Offset int `json:"offset"`
					Limit  int `json:"limit"`
				} `json:"page"`
			}
			if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&body) != nil || body.Q != "x" || body.Page.Limit != 2 {
				http.Error(w, "want POST {q: x, page: {offset, limit: 2}}", http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Range", fmt.Sprintf("%d-%d/10", body.Page.Offset, body.Page.Offset+1))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusPartialContent)
			_ = json.NewEncoder(w).Encode([]any{map[string]any{"id": body.Page.Offset}, map[string]any{"id": body.Page.Offset + 1}})
		},
		Method: http.MethodPost,
		Path:   "/search",
		JSON:   map[string]any{"q": "x"},
		Want: []string{
			`/search {"page":{"limit":2,"offset":0},"q":"x"}`, `/search {"page":{"limit":2,"offset":2},"q":"x"}`,
			`/search {"page":{"limit":2,"offset":4},"q":"x"}`, `/search {"page":{"limit":2,"offset":6},"q":"x"}`,
			`/search {"page":{"limit":2,"offset":8},"q":"x"}`,
		},
	}
)

// Server starts sc's API; it is closed when the test ends.
func (sc Scenario) Server(t testing.TB) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := 1
		if s := r.URL.Query().Get("page"); s != "" {
			n, _ = strconv.Atoi(s)
		}
		sc.Serve(w, r, srv.URL, n)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Start returns the first request of sc against srv.
func (sc Scenario) Start(srv *httptest.Server) *extension.Request {
	m := sc.Method
	if m == "" {
		m = http.MethodGet
	}
	req := &extension.Request{Method: m, URL: srv.URL + sc.Path, Header: sc.Header.Clone()}
	if sc.JSON != nil {
		req.JSON = extension.CloneJSON(sc.JSON)
	}
	return req
}

// Check runs the conformance suite for f on sc: one chain requests exactly
// sc.Want; two chains walked in lockstep from one factory each request
// sc.Want (a paginator's state is its chain's alone); four chains at once
// do too (run it under -race); and every Init and Next gets the run's
// context.
func Check(t *testing.T, sc Scenario, f extension.PaginatorFactory) {
	t.Helper()
	srv := sc.Server(t)
	strip := func(urls []string) []string {
		out := make([]string, len(urls))
		for i, u := range urls {
			out[i] = strings.TrimPrefix(u, srv.URL)
		}
		return out
	}
	t.Run(sc.Name+"/chain", func(t *testing.T) {
		if got := strip(RunChain(t, f, sc.Start(srv))); !slices.Equal(got, sc.Want) {
			t.Fatalf("requested %q\nwant      %q", got, sc.Want)
		}
	})
	t.Run(sc.Name+"/lockstep chains", func(t *testing.T) {
		a, b := NewWalker(f, sc.Start(srv)), NewWalker(f, sc.Start(srv))
		for {
			more := a.Step()
			if b.Step() || more {
				continue
			}
			break
		}
		if a.Err != nil || b.Err != nil {
			t.Fatalf("errors: %v; %v", a.Err, b.Err)
		}
		if got := strip(a.URLs); !slices.Equal(got, sc.Want) {
			t.Fatalf("first chain requested %q, want %q", got, sc.Want)
		}
		if got := strip(b.URLs); !slices.Equal(got, sc.Want) {
			t.Fatalf("second chain requested %q, want %q", got, sc.Want)
		}
	})
	t.Run(sc.Name+"/concurrent chains", func(t *testing.T) {
		var wg sync.WaitGroup
		got := make([][]string, 4)
		errs := make([]error, 4)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var urls []string
				urls, errs[i] = NewWalker(f, sc.Start(srv)).Walk()
				got[i] = strip(urls)
			}()
		}
		wg.Wait()
		for i, g := range got {
			if errs[i] != nil {
				t.Errorf("chain %d: %v", i, errs[i])
			} else if !slices.Equal(g, sc.Want) {
				t.Errorf("chain %d requested %q, want %q", i, g, sc.Want)
			}
		}
	})
	t.Run(sc.Name+"/context reaches every call", func(t *testing.T) {
		if _, err := NewWalker(&ctxCheck{t: t, f: f}, sc.Start(srv)).Walk(); err != nil {
			t.Fatal(err)
		}
	})
}

type ctxKey struct{}

// ctxCheck wraps a factory and fails the test when a call does not get the
// walker's context (its value, not a fresh Background).
type ctxCheck struct {
	t *testing.T
	f extension.PaginatorFactory
}

func (c *ctxCheck) NewPaginator(ctx context.Context) (extension.Paginator, error) {
	p, err := c.f.NewPaginator(ctx)
	return &ctxPaginator{t: c.t, p: p}, err
}

type ctxPaginator struct {
	t *testing.T
	p extension.Paginator
}

func (c *ctxPaginator) Init(ctx context.Context, req *extension.Request) error {
	if ctx.Value(ctxKey{}) == nil {
		c.t.Error("Init did not get the run's context")
	}
	return c.p.Init(ctx, req)
}

func (c *ctxPaginator) Next(ctx context.Context, resp *extension.Response, n int, req *extension.Request) (bool, error) {
	if ctx.Value(ctxKey{}) == nil {
		c.t.Error("Next did not get the run's context")
	}
	return c.p.Next(ctx, resp, n, req)
}

// Walker walks one request chain a page at a time, so that tests can
// interleave chains. It records the first error in Err and stops there.
type Walker struct {
	// URLs are the requests sent so far, query included, each followed by
	// its JSON body (after a space) when it has one.
	URLs []string
	// Err is what ended the chain early: a failed request, a paginator
	// error, or a chain longer than MaxChain.
	Err error

	ctx  context.Context
	c    *httpclient.Client
	p    extension.Paginator
	req  *extension.Request
	done bool
}

// NewWalker starts a chain of a fresh paginator from f at start (which it
// copies), calling Init. The chain's context carries a value the
// conformance suite looks for.
func NewWalker(f extension.PaginatorFactory, start *extension.Request) *Walker {
	ctx := context.WithValue(context.Background(), ctxKey{}, true)
	w := &Walker{ctx: ctx, req: start.Clone(),
		c: httpclient.New(httpclient.Options{Retry: &httpclient.RetryPolicy{MaxAttempts: 1, Timeout: httpclient.DefaultTimeout}, UserAgent: "sluice/test"})}
	p, err := f.NewPaginator(ctx)
	if err != nil {
		w.fail(fmt.Errorf("NewPaginator: %w", err))
		return w
	}
	w.p = p
	if err := p.Init(ctx, w.req); err != nil {
		w.fail(fmt.Errorf("Init: %w", err))
	}
	return w
}

func (w *Walker) fail(err error) {
	w.Err, w.done = err, true
}

// Step sends the next request and asks the paginator for the one after; it
// reports whether the chain goes on. The record count handed to Next is
// the length of the body's "data" list, or of the body itself when it is a
// list.
func (w *Walker) Step() bool {
	if w.done {
		return false
	}
	if len(w.URLs) == MaxChain {
		w.fail(fmt.Errorf("chain longer than %d pages: %v", MaxChain, w.URLs))
		return false
	}
	full, err := w.req.FullURL()
	if err != nil {
		w.fail(fmt.Errorf("page %d: %w", len(w.URLs)+1, err))
		return false
	}
	if w.req.JSON != nil {
		// A body-path paginator advances in the body: record it too.
		b, err := json.Marshal(w.req.JSON)
		if err != nil {
			w.fail(fmt.Errorf("page %d: body: %w", len(w.URLs)+1, err))
			return false
		}
		full += " " + string(b)
	}
	w.URLs = append(w.URLs, full)
	resp, err := w.c.Do(w.ctx, w.req, nil)
	if err != nil {
		w.fail(fmt.Errorf("page %d: %w", len(w.URLs), err))
		return false
	}
	n, err := countRecords(resp)
	if err != nil {
		w.fail(err)
		return false
	}
	more, err := w.p.Next(w.ctx, resp, n, w.req)
	if err != nil {
		w.fail(fmt.Errorf("Next after page %d: %w", len(w.URLs), err))
		return false
	}
	w.done = !more
	return more
}

// Walk walks the whole chain and returns the URLs requested and what
// ended it early, if anything.
func (w *Walker) Walk() ([]string, error) {
	for w.Step() {
	}
	return w.URLs, w.Err
}

// RunChain walks the whole chain that a fresh paginator from f produces
// from start and returns the URLs requested (query included), in order.
// Any error fails the test.
func RunChain(t testing.TB, f extension.PaginatorFactory, start *extension.Request) []string {
	t.Helper()
	urls, err := NewWalker(f, start).Walk()
	if err != nil {
		t.Fatalf("after %q: %v", urls, err)
	}
	return urls
}

func countRecords(resp *extension.Response) (int, error) {
	body, err := resp.JSON()
	if err != nil {
		return 0, fmt.Errorf("decoding %s: %w", resp.URL, err)
	}
	switch b := body.(type) {
	case []any:
		return len(b), nil
	case map[string]any:
		if d, ok := b["data"].([]any); ok {
			return len(d), nil
		}
	}
	return 0, nil
}
