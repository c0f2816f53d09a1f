// Package demoapi is a local REST API of fake, deterministic records: users
// paginated in every style that dlt's rest_api source (and so sluice)
// understands, their posts and the posts' comments (for dependent
// resources), and a mutable collection of tickets (for incremental loads).
// Tests mount it with httptest.NewServer(demoapi.New(opts)); the
// sluice-demo-api command serves it for the offline demo in examples/demo
// and the pipelines in examples/blog.
//
// Users, posts and comments are made on the fly from (Seed, id): a server
// with a million users holds none of them in memory, and the same seed
// always gives the same bytes. User ids run from 1 to Users; post k of user
// u has id u·1000+k, comment j of post p has id p·100+j.
//
// Endpoints (GET; JSON; gzip when the client accepts it):
//
//	/users?page=N               {"data": [...], "pagination": {"page", "total_pages", "next": absolute URL | null}}
//	/users/relative?page=N      the same, "next" is a relative URL (/users/relative?page=N+1)
//	/users/link?page=N          a bare JSON array; Link: <...page=N+1>; rel="next", <...page=1>; rel="first"
//	/users/offset?offset=O&limit=L   {"items": [...], "total": U, "offset": O, "limit": L}
//	/users/page_number?page=N   {"results": [...], "page": N, "total_pages": T}   (1-based)
//	/users/cursor?cursor=C      {"records": [...], "next_cursor": opaque string | null}
//	/users/{id}                 one user; 404 for an unknown id
//	/users/{id}/orders          {"data": [the user's orders]}
//	/users/{id}/posts           [the user's posts]: {id, user_id, title, body, created_at}; ?per_user=N
//	/posts?user_ids=1,2,3       [the posts of those users, user by user in that order]; ?per_user=N
//	/posts/{id}                 one post
//	/posts/{id}/comments        [the post's comments]: {id, post_id, name, email, body, created_at}
//	/tickets?updated_since=T&updated_until=T&offset=O&limit=L
//	                            {"data": [...], "total": matching, "offset", "limit", "next": absolute URL | null}
//	                            sorted by (updated_at, id); since inclusive (≥), until exclusive (<)
//	/users/{id}/tickets?…       the same, only the tickets with requester_id = id (per-parent incremental)
//	/healthz                    200 "ok" (never counted, never needs the token)
//
// Under /postgrest/, /stac/, /github/ and /pokemon/ it also mimics those
// public APIs, with their own response shapes and credentials (see
// postgrest.go, stac.go, github.go, pokemon.go).
//
// Admin endpoints (need the token when one is set; never counted, delayed
// or failed on purpose):
//
//	POST /admin/tickets/mutate?add=A&update=U   change U random tickets, then add A (see MutateTickets)
//	POST /admin/reset                           the initial tickets, clock and PostgREST people; zeroes the stats
//	GET  /admin/stats                           {"requests", "routes": {route: {requests, statuses, last_uri}}, "tickets", "clock"}
//	POST /admin/stats/reset                     zero the stats and the request log
//	GET  /admin/requests?route=R                {"requests": [{method, uri, route, status}]}, the latest RequestLogSize
//
// Every list endpoint of users and tickets takes a page size from ?limit,
// ?per_page or ?page_size (1 to max(1000, PageSize)); next links carry the
// request's other query parameters. Pages past the end are empty (and have
// no next). Bad parameter values answer 400, unknown paths and ids 404,
// other methods 405, each with a JSON body {"error": "..."}.
package demoapi

import (
	"bytes"
	"compress/gzip"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Server. The zero value serves 1000 users, 100 a page,
// 3 posts a user, 2 comments a post and 1000 tickets, with no token, no
// latency and no failures.
type Options struct {
	// Users is the number of user records; 0 means 1000 and a negative
	// value means none (every list is empty).
	Users int
	// PageSize is the default page size; 0 means 100. A request's ?limit,
	// ?per_page or ?page_size overrides it.
	PageSize int
	// Token, when set, makes every endpoint but /healthz require
	// "Authorization: Bearer <Token>"; others get 401 and a JSON error.
	Token string
	// Seed selects the records: the same seed always gives the same users.
	Seed int64
	// Latency delays every data request by this much.
	Latency time.Duration
	// FailEvery, when > 0, makes every FailEvery-th data request (the
	// FailEvery-th, the 2·FailEvery-th, …, counted by Requests) answer 503
	// without doing anything else; the request after it is served
	// normally, so a client that retries once gets through.
	FailEvery int
	// NoGzip ignores Accept-Encoding and always answers uncompressed
	// (gzip costs about 0.5 ms of CPU per 70 KB page, which can dominate a
	// loopback benchmark; Go's HTTP client asks for gzip by default).
	NoGzip bool
	// PostsPerUser is the number of posts each user has; 0 means 3 and a
	// negative value means none. A request's ?per_user overrides it (1 to
	// MaxPostsPerUser).
	PostsPerUser int
	// CommentsPerPost is the number of comments each post has; 0 means 2
	// and a negative value means none (at most MaxCommentsPerPost).
	CommentsPerPost int
	// Tickets is the number of tickets at the start and after a reset; 0
	// means 1000 and a negative value means none.
	Tickets int
	// Clock is where the logical clock of the tickets starts (and restarts
	// on a reset); the zero value means DefaultClock. The initial tickets
	// were all updated in the 30 days before it; each ticket a mutation
	// adds or changes advances it by 1 s and takes the new time as its
	// updated_at, so a test that replays the same mutations sees the same
	// timestamps.
	Clock time.Time
}

// Server is the demo API; it is an http.Handler and safe for concurrent use.
type Server struct {
	users     int
	pageSize  int
	maxPage   int
	token     string
	seed      int64
	latency   time.Duration
	failEvery int64
	gzip      bool
	requests  atomic.Int64

	postsPerUser    int
	commentsPerPost int
	tickets         *ticketStore
	stats           stats
	apis            *apis // the PostgREST, STAC, GitHub and PokéAPI mimics (routes.go)
}

// DefaultUsers and DefaultPageSize are what zero Options fields mean.
const (
	DefaultUsers    = 1000
	DefaultPageSize = 100
	// MaxPageSize is the largest page a request may ask for, unless
	// Options.PageSize is larger.
	MaxPageSize = 1000
)

// count is an Options count: 0 means def, negative means none, and at most hi.
func count(n, def, hi int) int {
	switch {
	case n == 0:
		return def
	case n < 0:
		return 0
	}
	return min(n, hi)
}

// New returns a Server for o.
func New(o Options) *Server {
	s := &Server{
		users:     o.Users,
		pageSize:  o.PageSize,
		token:     o.Token,
		seed:      o.Seed,
		latency:   o.Latency,
		failEvery: int64(o.FailEvery),
		gzip:      !o.NoGzip,
	}
	switch {
	case s.users == 0:
		s.users = DefaultUsers
	case s.users < 0:
		s.users = 0
	}
	if s.pageSize <= 0 {
		s.pageSize = DefaultPageSize
	}
	s.maxPage = max(MaxPageSize, s.pageSize)
	s.postsPerUser = count(o.PostsPerUser, DefaultPostsPerUser, MaxPostsPerUser)
	s.commentsPerPost = count(o.CommentsPerPost, DefaultCommentsPerPost, MaxCommentsPerPost)
	clock := o.Clock
	if clock.IsZero() {
		clock = DefaultClock
	}
	s.apis = newAPIs(s.seed)
	s.tickets = newTicketStore(count(o.Tickets, DefaultTickets, math.MaxInt32), s.seed, clock.Unix(), max(s.users, 1))
	return s
}

// Requests is the number of data requests received so far: every request
// except /healthz and /admin/..., whatever its answer (401, 404 and
// injected 503s count). Stats breaks it down by route; ResetStats does not
// change it.
func (s *Server) Requests() int64 { return s.requests.Load() }

// Users is the number of user records served.
func (s *Server) Users() int { return s.users }

// User returns the i-th record, counting from 1 (its id is i), as plain Go
// values, for tests to compare with what a client received: integers are
// int64, other numbers float64, JSON null is nil, arrays are []any and
// objects map[string]any. It returns nil unless 1 ≤ i ≤ Users.
func (s *Server) User(i int) map[string]any {
	if i < 1 || i > s.users {
		return nil
	}
	var u user
	fill(&u, s.seed, int64(i))
	return u.toMap()
}

func pages(n, size int) int { return (n + size - 1) / size }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/healthz" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Content-Length", "2")
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = w.Write([]byte("ok"))
		}
		return
	}
	if isAdmin(r.URL.Path) {
		s.serveAdmin(w, r)
		return
	}
	rt := routeOf(r.URL.Path)
	n := s.requests.Add(1)
	sw := &statusWriter{ResponseWriter: w}
	defer func() { s.stats.record(rt, r, sw.status) }()
	w = sw
	if s.latency > 0 {
		t := time.NewTimer(s.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if s.failEvery > 0 && n%s.failEvery == 0 {
		s.fail(w, r, http.StatusServiceUnavailable,
			fmt.Sprintf("service unavailable (simulated: request %d, every %d-th request fails once); retry", n, s.failEvery))
		return
	}
	if s.servePrefixed(w, r, rt) {
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		s.fail(w, r, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; this API is read-only (GET) but for its /admin routes")
		return
	}
	if s.token != "" && !s.authorized(r) {
		s.unauthorized(w, r)
		return
	}
	s.route(w, r, rt)
}

func (s *Server) unauthorized(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="sluice-demo-api"`)
	s.fail(w, r, http.StatusUnauthorized, "missing or invalid bearer token: send the header \"Authorization: Bearer <token>\"")
}

func (s *Server) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.token)) == 1
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, http.StatusNotFound, "no such endpoint: "+r.URL.Path+" (see "+strings.Join(dataRoutes, ", ")+")")
}

// Envelopes, one per pagination style.

type jsonLinkEnvelope struct {
	Data       []user     `json:"data"`
	Pagination pagination `json:"pagination"`
}

type pagination struct {
	Page       int     `json:"page"`
	TotalPages int     `json:"total_pages"`
	Next       *string `json:"next"`
}

type offsetEnvelope struct {
	Items  []user `json:"items"`
	Total  int    `json:"total"`
	Offset int    `json:"offset"`
	Limit  int    `json:"limit"`
}

type pageNumberEnvelope struct {
	Results    []user `json:"results"`
	Page       int    `json:"page"`
	TotalPages int    `json:"total_pages"`
}

type cursorEnvelope struct {
	Records    []user  `json:"records"`
	NextCursor *string `json:"next_cursor"`
}

type ordersEnvelope struct {
	Data []order `json:"data"`
}

type errorBody struct {
	Error string `json:"error"`
}

// badRequest is a parameter problem, answered with 400.
type badRequest string

func (e badRequest) Error() string { return string(e) }

// intParam reads the first of names present in q as an integer in
// [lo, hi]. It returns def when none is present.
func intParam(q url.Values, def, lo, hi int, names ...string) (int, error) {
	for _, name := range names {
		vs, ok := q[name]
		if !ok || len(vs) == 0 {
			continue
		}
		v, err := strconv.Atoi(vs[0])
		if err != nil {
			return 0, badRequest(fmt.Sprintf("parameter %s=%q is not an integer", name, vs[0]))
		}
		switch {
		case name == "page" && v < lo:
			return 0, badRequest(fmt.Sprintf("parameter page=%d is out of range: pages are numbered from %d", v, lo))
		case v < lo && hi == math.MaxInt:
			return 0, badRequest(fmt.Sprintf("parameter %s=%d is out of range: it must be at least %d", name, v, lo))
		case v < lo || v > hi:
			return 0, badRequest(fmt.Sprintf("parameter %s=%d is out of range [%d, %d]", name, v, lo, hi))
		}
		return v, nil
	}
	return def, nil
}

func (s *Server) limitParam(q url.Values) (int, error) {
	return intParam(q, s.pageSize, 1, s.maxPage, "limit", "per_page", "page_size")
}

// pageParams reads the 1-based ?page and the page size.
func (s *Server) pageParams(q url.Values) (page, size int, err error) {
	if page, err = intParam(q, 1, 1, math.MaxInt, "page"); err != nil {
		return 0, 0, err
	}
	size, err = s.limitParam(q)
	return page, size, err
}

// span is the index range [lo, hi) of page (1-based) with the given size.
func (s *Server) span(page, size int) (lo, hi int) {
	if page-1 > s.users/size { // also guards the multiplication below
		return s.users, s.users
	}
	lo = min((page-1)*size, s.users)
	return lo, min(lo+size, s.users)
}

// baseURL is scheme://host of the request, for absolute links.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// pageURL is the request's path and query with page set to p.
func pageURL(r *http.Request, p int) string {
	q := r.URL.Query()
	q.Set("page", strconv.Itoa(p))
	return r.URL.Path + "?" + q.Encode()
}

func (s *Server) serveJSONLink(w http.ResponseWriter, r *http.Request, absolute bool) {
	q := r.URL.Query()
	page, size, err := s.pageParams(q)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	lo, hi := s.span(page, size)
	pb := s.fillPage(lo, hi)
	defer putPage(pb)
	env := jsonLinkEnvelope{Data: pb.users, Pagination: pagination{Page: page, TotalPages: pages(s.users, size)}}
	if hi < s.users {
		next := pageURL(r, page+1)
		if absolute {
			next = baseURL(r) + next
		}
		env.Pagination.Next = &next
	}
	s.writeJSON(w, r, http.StatusOK, &env)
}

func (s *Server) serveHeaderLink(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, size, err := s.pageParams(q)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	lo, hi := s.span(page, size)
	pb := s.fillPage(lo, hi)
	defer putPage(pb)
	base := baseURL(r)
	first := `<` + base + pageURL(r, 1) + `>; rel="first"`
	if hi < s.users {
		w.Header().Set("Link", `<`+base+pageURL(r, page+1)+`>; rel="next", `+first)
	} else {
		w.Header().Set("Link", first)
	}
	s.writeJSON(w, r, http.StatusOK, pb.users)
}

func (s *Server) serveOffset(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, err := intParam(q, 0, 0, math.MaxInt, "offset")
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	limit, err := s.limitParam(q)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	lo := min(offset, s.users)
	hi := lo + min(limit, s.users-lo)
	pb := s.fillPage(lo, hi)
	defer putPage(pb)
	s.writeJSON(w, r, http.StatusOK, &offsetEnvelope{Items: pb.users, Total: s.users, Offset: offset, Limit: limit})
}

func (s *Server) servePageNumber(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, size, err := s.pageParams(q)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	lo, hi := s.span(page, size)
	pb := s.fillPage(lo, hi)
	defer putPage(pb)
	s.writeJSON(w, r, http.StatusOK, &pageNumberEnvelope{Results: pb.users, Page: page, TotalPages: pages(s.users, size)})
}

// Cursors are opaque to clients: "c1." and the base64 of the next index.
const cursorPrefix = "c1."

func encodeCursor(idx int) string {
	return cursorPrefix + base64.RawURLEncoding.EncodeToString([]byte("after:"+strconv.Itoa(idx)))
}

func decodeCursor(c string) (int, bool) {
	raw, ok := strings.CutPrefix(c, cursorPrefix)
	if !ok {
		return 0, false
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return 0, false
	}
	num, ok := strings.CutPrefix(string(b), "after:")
	if !ok {
		return 0, false
	}
	idx, err := strconv.Atoi(num)
	return idx, err == nil && idx >= 0
}

func (s *Server) serveCursor(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	lo := 0
	if c := q.Get("cursor"); c != "" {
		var ok bool
		if lo, ok = decodeCursor(c); !ok {
			s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("parameter cursor=%q is not a cursor this API issued", c))
			return
		}
		lo = min(lo, s.users)
	}
	limit, err := s.limitParam(q)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	hi := lo + min(limit, s.users-lo)
	pb := s.fillPage(lo, hi)
	defer putPage(pb)
	env := cursorEnvelope{Records: pb.users}
	if hi < s.users {
		c := encodeCursor(hi)
		env.NextCursor = &c
	}
	s.writeJSON(w, r, http.StatusOK, &env)
}

// Page buffers: the user structs of a page (with their nested slices) are
// reused between requests.

type pageBuf struct{ users []user }

var pagePool = sync.Pool{New: func() any { return &pageBuf{} }}

func getPage(n int) *pageBuf {
	pb := pagePool.Get().(*pageBuf)
	if cap(pb.users) < n || pb.users == nil { // never nil: an empty page is [], not null
		pb.users = make([]user, n)
	}
	pb.users = pb.users[:n]
	return pb
}

func putPage(pb *pageBuf) {
	if cap(pb.users) > 4*MaxPageSize {
		return // an unusually large page: let it go
	}
	pagePool.Put(pb)
}

// fillPage makes the users with indexes [lo, hi), ids lo+1 … hi.
func (s *Server) fillPage(lo, hi int) *pageBuf {
	pb := getPage(hi - lo)
	for k := range pb.users {
		fill(&pb.users[k], s.seed, int64(lo+k)+1)
	}
	return pb
}

// Output buffers and gzip writers.

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuf() *bytes.Buffer {
	b := bufPool.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

func putBuf(b *bytes.Buffer) {
	if b.Cap() > 8<<20 {
		return
	}
	bufPool.Put(b)
}

var gzipPool = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return zw
}}

// acceptsGzip reports whether the Accept-Encoding header allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, h := range r.Header.Values("Accept-Encoding") {
		for part := range strings.SplitSeq(h, ",") {
			coding, params, _ := strings.Cut(part, ";")
			coding = strings.TrimSpace(coding)
			if !strings.EqualFold(coding, "gzip") && coding != "*" {
				continue
			}
			k, v, _ := strings.Cut(strings.TrimSpace(params), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				if q, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && q == 0 {
					continue
				}
			}
			return true
		}
	}
	return false
}

// writeJSON encodes v into a pooled buffer, gzips it when the client asks,
// and writes it with a Content-Length.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	buf := getBuf()
	defer putBuf(buf)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, `{"error": "encoding the response failed"}`, http.StatusInternalServerError)
		return
	}
	body := buf.Bytes()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Vary", "Accept-Encoding")
	if s.gzip && acceptsGzip(r) {
		zbuf := getBuf()
		defer putBuf(zbuf)
		zw := gzipPool.Get().(*gzip.Writer)
		zw.Reset(zbuf)
		_, _ = zw.Write(body)
		_ = zw.Close()
		gzipPool.Put(zw)
		h.Set("Content-Encoding", "gzip")
		body = zbuf.Bytes()
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.writeJSON(w, r, status, errorBody{Error: msg})
}
