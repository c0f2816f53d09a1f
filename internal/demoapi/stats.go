package demoapi

import (
	"net/http"
	"sort"
	"strconv"
	"sync"
)

// RequestLogSize is how many of the latest data requests RequestLog keeps.
const RequestLogSize = 10_000

// Stats counts the data requests since the start or the last ResetStats:
// in all and per route (RouteUsers, RouteUserPosts, …). Admin and /healthz
// requests are never counted.
type Stats struct {
	// Requests is the number of data requests.
	Requests int64 `json:"requests"`
	// Routes holds one entry per route that was asked for at least once.
	Routes map[string]RouteStats `json:"routes"`
}

// RouteStats counts the requests of one route.
type RouteStats struct {
	// Requests is the number of requests of the route.
	Requests int64 `json:"requests"`
	// Statuses counts them by the HTTP status they were answered with
	// ("200", "404", "503", …); a request whose client went away before
	// the answer is in Requests only.
	Statuses map[string]int64 `json:"statuses"`
	// LastURI is the path and query of the route's latest request.
	LastURI string `json:"last_uri"`
}

// LoggedRequest is one data request in the RequestLog.
type LoggedRequest struct {
	// Method is the HTTP method, URI the path and query as received.
	Method string `json:"method"`
	URI    string `json:"uri"`
	// Route is the route pattern the request matched.
	Route string `json:"route"`
	// Status is the HTTP status of the answer (0: the client went away).
	Status int `json:"status"`
}

// stats is the Server's counting, safe for concurrent use.
type stats struct {
	mu     sync.Mutex
	total  int64
	routes map[string]*routeCount
	log    []LoggedRequest // a ring of RequestLogSize entries
	next   int             // where the next entry goes
	full   bool            // the ring has wrapped
}

type routeCount struct {
	requests int64
	statuses map[int]int64
	lastURI  string
}

func (st *stats) record(route string, r *http.Request, status int) {
	uri := r.URL.RequestURI()
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.routes == nil {
		st.routes = make(map[string]*routeCount)
	}
	rc := st.routes[route]
	if rc == nil {
		rc = &routeCount{statuses: make(map[int]int64)}
		st.routes[route] = rc
	}
	st.total++
	rc.requests++
	if status != 0 {
		rc.statuses[status]++
	}
	rc.lastURI = uri
	if st.log == nil {
		st.log = make([]LoggedRequest, RequestLogSize)
	}
	st.log[st.next] = LoggedRequest{Method: r.Method, URI: uri, Route: route, Status: status}
	st.next++
	if st.next == len(st.log) {
		st.next, st.full = 0, true
	}
}

func (st *stats) snapshot() Stats {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := Stats{Requests: st.total, Routes: make(map[string]RouteStats, len(st.routes))}
	for name, rc := range st.routes {
		rs := RouteStats{Requests: rc.requests, Statuses: make(map[string]int64, len(rc.statuses)), LastURI: rc.lastURI}
		for code, n := range rc.statuses {
			rs.Statuses[strconv.Itoa(code)] = n
		}
		out.Routes[name] = rs
	}
	return out
}

// requests returns the logged requests of route (all routes when route is
// ""), oldest first.
func (st *stats) requests(route string) []LoggedRequest {
	st.mu.Lock()
	defer st.mu.Unlock()
	var ordered []LoggedRequest
	if st.full {
		ordered = append(ordered, st.log[st.next:]...)
	}
	ordered = append(ordered, st.log[:st.next]...)
	out := make([]LoggedRequest, 0, len(ordered))
	for _, lr := range ordered {
		if route == "" || lr.Route == route {
			out = append(out, lr)
		}
	}
	return out
}

func (st *stats) reset() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.total, st.routes, st.next, st.full = 0, nil, 0, false
}

// Stats returns the request counts since the start or the last ResetStats.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// ResetStats zeroes Stats and empties the RequestLog (Requests, which
// drives FailEvery, keeps counting).
func (s *Server) ResetStats() { s.stats.reset() }

// RequestLog returns the latest data requests (up to RequestLogSize) of
// route, or of every route when route is "", oldest first.
func (s *Server) RequestLog(route string) []LoggedRequest { return s.stats.requests(route) }

// RouteNames lists the routes of st in order, for stable output.
func (st Stats) RouteNames() []string {
	names := make([]string, 0, len(st.Routes))
	for n := range st.Routes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}
