package demoapi

import (
	"net/http"
	"strings"
)

// adminStats is the answer of GET /admin/stats.
type adminStats struct {
	Stats
	Tickets int    `json:"tickets"`
	Clock   string `json:"clock"`
}

// adminRoutes are listed in the 404 message for an unknown admin path.
var adminRoutes = []string{
	"GET " + routeAdminStats, "POST " + routeAdminStatsZero, "GET " + routeAdminRequests + "?route=/tickets",
	"POST " + routeAdminMutate + "?add=100&update=50", "POST " + routeAdminReset,
}

// serveAdmin answers the /admin routes. They need the token when one is
// set, are never delayed or failed on purpose, and are not counted.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	if s.token != "" && !s.authorized(r) {
		s.unauthorized(w, r)
		return
	}
	method := http.MethodPost
	switch r.URL.Path {
	case routeAdminStats, routeAdminRequests:
		method = http.MethodGet
	case routeAdminStatsZero, routeAdminMutate, routeAdminReset:
	default:
		s.fail(w, r, http.StatusNotFound, "no such admin endpoint: "+r.URL.Path+" (see "+strings.Join(adminRoutes, ", ")+")")
		return
	}
	if r.Method != method && (method != http.MethodGet || r.Method != http.MethodHead) {
		w.Header().Set("Allow", method)
		s.fail(w, r, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed on "+r.URL.Path+": use "+method)
		return
	}
	q := r.URL.Query()
	switch r.URL.Path {
	case routeAdminStats:
		s.writeJSON(w, r, http.StatusOK, &adminStats{Stats: s.Stats(), Tickets: s.TicketCount(), Clock: string(appendTime(nil, s.Clock().Unix()))})
	case routeAdminStatsZero:
		s.ResetStats()
		s.writeJSON(w, r, http.StatusOK, map[string]bool{"ok": true})
	case routeAdminRequests:
		route := q.Get("route")
		s.writeJSON(w, r, http.StatusOK, map[string][]LoggedRequest{"requests": s.RequestLog(route)})
	case routeAdminMutate:
		add, err := intParam(q, 0, 0, MaxTicketsAdded, "add")
		if err == nil && !q.Has("add") && !q.Has("update") {
			err = badRequest("say what to change: POST /admin/tickets/mutate?add=N&update=M (either may be left out)")
		}
		var update int
		if err == nil {
			update, err = intParam(q, 0, 0, int(^uint32(0)>>1), "update")
		}
		var m Mutation
		if err == nil {
			m, err = s.MutateTickets(add, update)
		}
		if err != nil {
			s.fail(w, r, http.StatusBadRequest, err.Error())
			return
		}
		s.writeJSON(w, r, http.StatusOK, &m)
	case routeAdminReset:
		s.Reset()
		s.writeJSON(w, r, http.StatusOK, map[string]any{"tickets": s.TicketCount(), "clock": string(appendTime(nil, s.Clock().Unix()))})
	}
}
