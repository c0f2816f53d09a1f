// Command sluice-demo-api serves the demo API of package
// github.com/sluicehq/sluice/internal/demoapi: fake, deterministic users,
// paginated in every style that sluice's rest_api source understands, their
// posts and comments, and mutable tickets. It is what the offline demo in
// examples/demo and the pipelines in examples/blog load from.
//
//	sluice-demo-api --addr 127.0.0.1:8765 --token demo-token
//
// Run it with --help for the endpoints.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/sluicehq/sluice/internal/demoapi"
)

const usageText = `sluice-demo-api serves fake, deterministic user records over HTTP, paginated
in every style that sluice (and dlt's rest_api source) understands, with their
posts and comments (for dependent resources) and a mutable set of tickets (for
incremental loads). It is the API the offline demo in examples/demo and the
pipelines in examples/blog load from.

Usage:
  sluice-demo-api [flags]

Endpoints (GET; JSON; gzipped when the client sends Accept-Encoding: gzip):
  /users?page=N               json_link: {"data": [...], "pagination": {"page": N,
                              "total_pages": T, "next": "http://HOST/users?page=N+1" | null}}
  /users/relative?page=N      the same, but "next" is relative: "/users/relative?page=N+1"
  /users/link?page=N          header_link: a bare JSON array, and the header
                              Link: <http://HOST/users/link?page=N+1>; rel="next", <...?page=1>; rel="first"
  /users/offset?offset=O&limit=L
                              offset: {"items": [...], "total": U, "offset": O, "limit": L}
  /users/page_number?page=N   page_number (1-based): {"results": [...], "page": N, "total_pages": T}
  /users/cursor?cursor=C      cursor: {"records": [...], "next_cursor": "<opaque>" | null}
  /users/{id}                 one user (ids run from 1 to --users); 404 for others
  /users/{id}/orders          that user's orders: {"data": [...]} (one page)
  /users/{id}/posts           that user's posts, a JSON array (--posts-per-user, or ?per_user=N):
                              [{"id": ID·1000+k, "user_id": ID, "title", "body", "created_at"}]
  /posts?user_ids=1,2,3       the posts of up to 1000 users in one array, user by user in the
                              order given (for batched child requests); 404 names unknown ids
  /posts/{id}                 one post
  /posts/{id}/comments        its comments (--comments-per-post), a JSON array:
                              [{"id": POST·100+j, "post_id", "name", "email", "body", "created_at"}]
  /tickets?updated_since=T&updated_until=T&offset=O&limit=L
                              {"data": [...], "total": MATCHING, "offset": O, "limit": L,
                               "next": "http://HOST/tickets?...&offset=O+L" | null}
                              tickets sorted by updated_at, then id; updated_since is inclusive
                              (>=), updated_until exclusive (<); T is RFC 3339 (2026-01-01T00:00:00Z)
                              A ticket: {"id", "subject", "status", "priority", "requester_id",
                              "created_at", "updated_at", "revision"}
  /users/{id}/tickets?...     the same, only the tickets with requester_id = id (for an
                              incremental cursor kept per parent)
  /healthz                    200 "ok"; needs no token and is not counted

Public APIs mimicked under a prefix, with their own response shapes, methods and
credentials (--token does not apply to them); see examples/{postgrest,stac,github,pokemon}:
  /postgrest/...              PostgREST: /people, /films?select=*,actors(*), POST /rpc/{fn};
                              a JWT (examples/postgrest/README.md), Content-Range paging
  /stac/...                   STAC API: root catalog, /collections, /collections/{id}/items,
                              GET and POST /search
  /github/repos/dlt-hub/dlt/issues[/{number}/comments]
                              GitHub: issues and comments, Link header paging, since=T
  /pokemon/api/v2/{pokemon,berry,location}
                              PokéAPI: {"count", "next", "results"}, and /{kind}/{name}/

Admin endpoints (need the token when one is set; not counted in the stats):
  POST /admin/tickets/mutate?add=100&update=50
                              update 50 random tickets (new status, revision+1), then add 100;
                              each ticket touched advances the logical clock 1 s and takes it as
                              updated_at (the clock starts at --clock): the same calls after a
                              start or reset always give the same data
  POST /admin/reset           the initial tickets, clock and PostgREST people again; zeroes the stats
  GET  /admin/stats           {"requests": N, "routes": {"/users/{id}/posts": {"requests": N,
                              "statuses": {"200": N}, "last_uri": "..."}, ...}, "tickets": N, "clock": T}
  POST /admin/stats/reset     zero the stats and the request log
  GET  /admin/requests?route=/tickets
                              the latest 10,000 data requests: {"requests": [{"method", "uri",
                              "route", "status"}]}, oldest first

  Each list takes its page size from ?limit, ?per_page or ?page_size (1 to
  max(1000, --page-size)); next links keep the other query parameters. A page
  past the end is empty and has no next link. Bad parameters answer 400,
  unknown paths and ids 404, other methods 405, each as {"error": "..."}.
  With a token, every endpoint but /healthz needs "Authorization: Bearer TOKEN"
  and answers 401 without it.

A user looks like:
  {"id": 1, "externalId": 9007199254740993, "name": "Ada Lovelace",
   "email": "ada.lovelace1@example.com", "phone": null, "isActive": true,
   "createdAt": "2024-03-01T12:00:00Z", "lastLoginAt": "2024-05-02T08:30:00Z",
   "score": 87.5, "address": {"street": "12 High Street", "city": "London",
   "postalCode": "EC1A 123", "country": "GB", "geo": {"lat": 51.5072, "lng": -0.1276}},
   "tags": ["admin", "beta"], "orders": [{"id": 1001, "status": "shipped",
   "currency": "GBP", "total": 19.98, "placedAt": "...", "shippedAt": "...",
   "items": [{"sku": "SKU-1001", "qty": 2, "price": 9.99}]}]}
  with 0-3 tags, 0-3 orders of 1-3 items, some nulls, and some externalIds
  above 2^53 (exact only for readers that keep int64).

Flags:
`

// options are the parsed flags.
type options struct {
	addr     string
	printURL bool
	api      demoapi.Options
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("sluice-demo-api", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8765", "`host:port` to listen on; port 0 picks a free port. With no host (\":8765\") it\nlistens on 127.0.0.1 only; say 0.0.0.0:8765 to listen on every interface")
	fs.IntVar(&o.api.Users, "users", demoapi.DefaultUsers, "number of users (ids 1..N); up to millions, they are made on the fly")
	fs.IntVar(&o.api.PageSize, "page-size", demoapi.DefaultPageSize, "users per page when a request does not say")
	fs.StringVar(&o.api.Token, "token", "", "require \"Authorization: Bearer `TOKEN`\" on every data endpoint\n(default: $DEMO_API_TOKEN; empty means no auth)")
	fs.Int64Var(&o.api.Seed, "seed", 1, "seed of the generated records; the same seed always serves the same data")
	fs.DurationVar(&o.api.Latency, "latency", 0, "delay every data request by this `duration` (e.g. 50ms)")
	fs.IntVar(&o.api.FailEvery, "fail-every", 0, "answer 503 to every `N`-th data request (once; the retry succeeds); 0 = never")
	gzip := fs.Bool("gzip", true, "gzip responses for clients that send Accept-Encoding: gzip; --gzip=false always\nanswers uncompressed (cheaper on CPU for loopback benchmarks)")
	fs.IntVar(&o.api.PostsPerUser, "posts-per-user", demoapi.DefaultPostsPerUser, fmt.Sprintf("posts of each user (0 to %d)", demoapi.MaxPostsPerUser))
	fs.IntVar(&o.api.CommentsPerPost, "comments-per-post", demoapi.DefaultCommentsPerPost, fmt.Sprintf("comments of each post (0 to %d)", demoapi.MaxCommentsPerPost))
	fs.IntVar(&o.api.Tickets, "tickets", demoapi.DefaultTickets, "tickets at the start and after POST /admin/reset")
	clock := fs.String("clock", demoapi.DefaultClock.Format(time.RFC3339), "`time` (RFC 3339) the tickets' logical clock starts at; the initial tickets\nwere updated in the 30 days before it")
	fs.BoolVar(&o.printURL, "print-url", false, "print the base URL (http://HOST:PORT) as the first line on stdout once listening")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	o.api.NoGzip = !*gzip
	tokenSet := false
	fs.Visit(func(f *flag.Flag) { tokenSet = tokenSet || f.Name == "token" })
	if !tokenSet {
		o.api.Token = getenv("DEMO_API_TOKEN")
	}
	switch {
	case o.api.Users < 0:
		return o, errors.New("--users must be ≥ 0")
	case o.api.Users == 0:
		o.api.Users = -1 // demoapi: negative means none, zero means the default
	}
	for _, c := range []struct {
		name string
		n    *int
		hi   int
	}{
		{"--posts-per-user", &o.api.PostsPerUser, demoapi.MaxPostsPerUser},
		{"--comments-per-post", &o.api.CommentsPerPost, demoapi.MaxCommentsPerPost},
		{"--tickets", &o.api.Tickets, demoapi.MaxTicketsAdded * 10},
	} {
		switch {
		case *c.n < 0 || *c.n > c.hi:
			return o, fmt.Errorf("%s must be between 0 and %d", c.name, c.hi)
		case *c.n == 0:
			*c.n = -1 // demoapi: negative means none, zero means the default
		}
	}
	var err error
	if o.api.Clock, err = time.Parse(time.RFC3339, *clock); err != nil {
		return o, fmt.Errorf("--clock %q: give an RFC 3339 time such as 2026-01-01T00:00:00Z", *clock)
	}
	if o.api.PageSize < 1 {
		return o, errors.New("--page-size must be ≥ 1")
	}
	if o.api.FailEvery < 0 {
		return o, errors.New("--fail-every must be ≥ 0")
	}
	if o.api.Latency < 0 {
		return o, errors.New("--latency must be ≥ 0")
	}
	host, port, err := net.SplitHostPort(o.addr)
	if err != nil {
		return o, fmt.Errorf("--addr %q: %v", o.addr, err)
	}
	if host == "" {
		o.addr = net.JoinHostPort("127.0.0.1", port) // loopback unless asked otherwise
	}
	return o, nil
}

// run serves until ctx is done, then shuts down gracefully. It returns the
// process exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "sluice-demo-api:", err)
		return 2
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		fmt.Fprintln(stderr, "sluice-demo-api:", err)
		return 1
	}
	base := "http://" + ln.Addr().String()
	if o.printURL {
		fmt.Fprintln(stdout, base)
	}
	auth := "no auth"
	if o.api.Token != "" {
		auth = "bearer token required"
	}
	users := max(o.api.Users, 0)
	fmt.Fprintf(stderr, "sluice-demo-api: serving %d users with %d posts each, %d tickets (seed %d, %d a page, %s) on %s; Ctrl-C to stop\n",
		users, max(o.api.PostsPerUser, 0), max(o.api.Tickets, 0), o.api.Seed, o.api.PageSize, auth, base)

	api := demoapi.New(o.api)
	srv := &http.Server{
		Handler:           api,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintln(stderr, "sluice-demo-api:", err)
		return 1
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		fmt.Fprintln(stderr, "sluice-demo-api: shutdown:", err)
		return 1
	}
	fmt.Fprintf(stderr, "sluice-demo-api: stopped after %d data requests\n", api.Requests())
	return 0
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
