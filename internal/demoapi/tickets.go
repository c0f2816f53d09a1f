package demoapi

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Tickets are the one mutable collection: made from (Seed, id) at the start
// and on a reset, then changed only by mutations (MutateTickets, POST
// /admin/tickets/mutate), stamped by a logical clock.
const (
	// DefaultTickets is what a zero Options.Tickets means.
	DefaultTickets = 1000
	// MaxTicketsAdded is the most tickets one mutation may add.
	MaxTicketsAdded = 1_000_000
)

// DefaultClock is where the tickets' logical clock starts when
// Options.Clock is zero: 2026-01-01T00:00:00Z.
var DefaultClock = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var (
	ticketStatuses   = [...]string{"new", "open", "pending", "on_hold", "solved", "closed"}
	ticketPriorities = [...]string{"low", "normal", "normal", "high", "urgent"}
	ticketTopics     = [...]string{"Login", "Export", "Invoice", "Sync", "Webhook", "Report", "Password reset", "API key", "Billing", "Import"}
	ticketProblems   = [...]string{"fails", "is slow", "times out", "shows the wrong total", "is missing rows", "returns 500", "needs a new field", "asks twice"}
)

const (
	ticketSalt = 0x7469636b6574 // "ticket"
	mutateSalt = 0x6d7574617465 // "mutate"
	// ticketWindow is how long before the clock's start the initial
	// tickets were last updated, in whole minutes (so some share a time).
	ticketWindow = 30 * 24 * 60
)

// ticketRec is a ticket as stored; the subject is made from (Seed, id) when
// it is served.
type ticketRec struct {
	created, updated int64 // Unix seconds
	revision         int32
	requester        int32
	status, priority uint8
}

// ticketStore holds the tickets; safe for concurrent use.
type ticketStore struct {
	seed    int64
	initial int   // tickets after a reset
	start   int64 // the clock after a reset
	users   int   // requester ids run from 1 to users

	mu        sync.RWMutex
	clock     int64
	recs      []ticketRec // recs[id-1]
	order     []int32     // indexes of recs sorted by (updated, id)
	mutations int64       // mutations since the reset (each has its own random stream)
}

func newTicketStore(n int, seed, start int64, users int) *ticketStore {
	ts := &ticketStore{seed: seed, initial: n, start: start, users: users}
	ts.reset()
	return ts
}

// genTicket makes the immutable parts of ticket id and its initial times.
func (ts *ticketStore) genTicket(id int64) ticketRec {
	r := newRNG(ts.seed^ticketSalt, id)
	updated := ts.start - 60*int64(1+r.intn(ticketWindow))
	return ticketRec{
		updated:   updated,
		created:   updated - int64(r.intn(7*day)),
		revision:  1,
		requester: int32(1 + r.intn(ts.users)),
		status:    uint8(r.intn(len(ticketStatuses))),
		priority:  uint8(r.intn(len(ticketPriorities))),
	}
}

func (ts *ticketStore) reset() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.clock, ts.mutations = ts.start, 0
	ts.recs = make([]ticketRec, ts.initial)
	ts.order = make([]int32, ts.initial)
	for i := range ts.recs {
		ts.recs[i] = ts.genTicket(int64(i) + 1)
		ts.order[i] = int32(i)
	}
	sort.Slice(ts.order, func(a, b int) bool {
		ra, rb := ts.recs[ts.order[a]].updated, ts.recs[ts.order[b]].updated
		return ra < rb || ra == rb && ts.order[a] < ts.order[b]
	})
}

// Mutation is what one MutateTickets did.
type Mutation struct {
	// Added is the number of tickets added, with ids FirstAddedID to
	// LastAddedID (both 0 when none).
	Added        int   `json:"added"`
	FirstAddedID int64 `json:"first_added_id"`
	LastAddedID  int64 `json:"last_added_id"`
	// UpdatedIDs are the tickets changed, in ascending order: each got a
	// new status, revision+1 and the next tick of the clock as updated_at.
	UpdatedIDs []int64 `json:"updated_ids"`
	// Clock is the logical clock after the mutation: the updated_at of the
	// last ticket it touched.
	Clock string `json:"clock"`
	// Tickets is the number of tickets after the mutation.
	Tickets int `json:"tickets"`
}

// mutate updates update existing tickets (chosen at random, the same ones
// for the same seed and mutation number), then adds add new ones; each
// ticket touched advances the clock by one second, in ascending id order.
func (ts *ticketStore) mutate(add, update int) (Mutation, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	n := len(ts.recs)
	switch {
	case add < 0 || add > MaxTicketsAdded:
		return Mutation{}, badRequest(fmt.Sprintf("parameter add=%d is out of range [0, %d]", add, MaxTicketsAdded))
	case update < 0 || update > n:
		return Mutation{}, badRequest(fmt.Sprintf("parameter update=%d is out of range [0, %d]: there are %d tickets to update", update, n, n))
	case n+add > math.MaxInt32:
		return Mutation{}, badRequest("too many tickets")
	}
	ts.mutations++
	r := newRNG(ts.seed^mutateSalt, ts.mutations)
	m := Mutation{UpdatedIDs: make([]int64, 0, update)}
	if update > 0 {
		// The first update entries of a partial Fisher–Yates shuffle.
		perm := make([]int32, n)
		for i := range perm {
			perm[i] = int32(i)
		}
		for i := range update {
			j := i + r.intn(n-i)
			perm[i], perm[j] = perm[j], perm[i]
		}
		chosen := perm[:update]
		slices.Sort(chosen)
		moved := make([]bool, n)
		for _, idx := range chosen {
			moved[idx] = true
			rec := &ts.recs[idx]
			ts.clock++
			rec.updated = ts.clock
			rec.revision++
			rec.status = uint8((int(rec.status) + 1 + r.intn(len(ticketStatuses)-1)) % len(ticketStatuses))
			m.UpdatedIDs = append(m.UpdatedIDs, int64(idx)+1)
		}
		kept := ts.order[:0]
		for _, idx := range ts.order {
			if !moved[idx] {
				kept = append(kept, idx)
			}
		}
		ts.order = append(kept, chosen...)
	}
	for range add {
		id := int64(len(ts.recs)) + 1
		rec := ts.genTicket(id)
		ts.clock++
		rec.created, rec.updated, rec.status = ts.clock, ts.clock, 0
		ts.recs = append(ts.recs, rec)
		ts.order = append(ts.order, int32(id-1))
		if m.FirstAddedID == 0 {
			m.FirstAddedID = id
		}
		m.LastAddedID = id
	}
	m.Added = add
	m.Clock = string(appendTime(nil, ts.clock))
	m.Tickets = len(ts.recs)
	return m, nil
}

// ticket is a ticket on the wire.
type ticket struct {
	ID          int64  `json:"id"`
	Subject     string `json:"subject"`
	Status      string `json:"status"`
	Priority    string `json:"priority"`
	RequesterID int64  `json:"requester_id"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
	Revision    int64  `json:"revision"`
}

func (ts *ticketStore) wire(idx int32) ticket {
	rec := &ts.recs[idx]
	id := int64(idx) + 1
	r := newRNG(ts.seed^ticketSalt^0xff, id)
	return ticket{
		ID:          id,
		Subject:     ticketTopics[r.intn(len(ticketTopics))] + " " + ticketProblems[r.intn(len(ticketProblems))],
		Status:      ticketStatuses[rec.status],
		Priority:    ticketPriorities[rec.priority],
		RequesterID: int64(rec.requester),
		CreatedAt:   string(appendTime(nil, rec.created)),
		UpdatedAt:   string(appendTime(nil, rec.updated)),
		Revision:    int64(rec.revision),
	}
}

// window is the part [lo, hi) of order with since ≤ updated < until (in
// Unix seconds; math.MinInt64 and math.MaxInt64 for no bound).
func (ts *ticketStore) window(since, until int64) (lo, hi int) {
	at := func(sec int64) int {
		return sort.Search(len(ts.order), func(i int) bool { return ts.recs[ts.order[i]].updated >= sec })
	}
	lo, hi = at(since), at(until)
	return lo, max(lo, hi)
}

// ticketsEnvelope is the answer of /tickets.
type ticketsEnvelope struct {
	Data   []ticket `json:"data"`
	Total  int      `json:"total"`
	Offset int      `json:"offset"`
	Limit  int      `json:"limit"`
	Next   *string  `json:"next"`
}

// timeParam reads q[name] as a time and returns the whole second at or
// after it (so that a ticket's updated_at ≥ the time exactly when it is ≥
// the result). def is returned when the parameter is absent or empty.
func timeParam(q url.Values, name string, def int64) (int64, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	t, ok := parseTime(v)
	if !ok {
		hint := ""
		if strings.Contains(v, " ") {
			hint = " (a '+' in a URL query reads as a space: encode it as %2B, or give the time in UTC with Z)"
		}
		return 0, badRequest(fmt.Sprintf("parameter %s=%q is not an RFC 3339 time such as 2026-01-01T00:00:00Z%s", name, v, hint))
	}
	sec := t.Unix()
	if t.Nanosecond() > 0 {
		sec++
	}
	return sec, nil
}

// parseTime reads RFC 3339 (fractions allowed), the same with a space for
// the T (Python's str of a datetime), a date-time without a zone (UTC), or a
// bare date.
func parseTime(v string) (time.Time, bool) {
	if len(v) > 10 && v[10] == ' ' {
		v = v[:10] + "T" + v[11:]
	}
	for _, layout := range [...]string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// offsetURL is the request's URL with offset set to o.
func offsetURL(r *http.Request, o int) string {
	q := r.URL.Query()
	q.Set("offset", strconv.Itoa(o))
	return baseURL(r) + r.URL.Path + "?" + q.Encode()
}

// serveTickets answers /tickets: tickets sorted by (updated_at, id), the
// ones with updated_since ≤ updated_at < updated_until, offset/limit pages.
func (s *Server) serveTickets(w http.ResponseWriter, r *http.Request) {
	s.serveTicketList(w, r, 0)
}

// serveUserTickets answers /users/{id}/tickets: the same as /tickets, only
// the tickets whose requester_id is the user.
func (s *Server) serveUserTickets(w http.ResponseWriter, r *http.Request) {
	idStr := pathID(r.URL.Path)
	uid, ok := parseID(idStr, int64(s.users))
	if !ok {
		s.fail(w, r, http.StatusNotFound, "user "+strconv.Quote(idStr)+" not found")
		return
	}
	s.serveTicketList(w, r, int32(uid))
}

// serveTicketList answers a ticket list; requester 0 means every ticket.
func (s *Server) serveTicketList(w http.ResponseWriter, r *http.Request, requester int32) {
	q := r.URL.Query()
	since, err := timeParam(q, "updated_since", math.MinInt64)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	until, err := timeParam(q, "updated_until", math.MaxInt64)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
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
	ts := s.tickets
	ts.mu.RLock()
	lo, hi := ts.window(since, until)
	match := ts.order[lo:hi]
	if requester != 0 {
		var mine []int32
		for _, idx := range match {
			if ts.recs[idx].requester == requester {
				mine = append(mine, idx)
			}
		}
		match = mine
	}
	total := len(match)
	from := min(offset, total)
	to := from + min(limit, total-from)
	env := ticketsEnvelope{Data: make([]ticket, 0, to-from), Total: total, Offset: offset, Limit: limit}
	for _, idx := range match[from:to] {
		env.Data = append(env.Data, ts.wire(idx))
	}
	ts.mu.RUnlock()
	if to < total {
		next := offsetURL(r, offset+limit)
		env.Next = &next
	}
	s.writeJSON(w, r, http.StatusOK, &env)
}

// MutateTickets changes the tickets as POST /admin/tickets/mutate does:
// update existing tickets get a new status, revision+1 and a new
// updated_at, then add new ones are added (status "new"); every ticket
// touched advances the logical clock by 1 s. The same mutations after the
// same reset always touch the same tickets at the same times.
func (s *Server) MutateTickets(add, update int) (Mutation, error) {
	return s.tickets.mutate(add, update)
}

// ResetTickets restores the initial tickets and the clock.
func (s *Server) ResetTickets() { s.tickets.reset() }

// Reset does what POST /admin/reset does: ResetTickets, ResetPeople and
// ResetStats.
func (s *Server) Reset() {
	s.ResetTickets()
	s.ResetPeople()
	s.ResetStats()
}

// Clock is the tickets' logical clock: the updated_at of the latest
// mutation, or Options.Clock before any.
func (s *Server) Clock() time.Time {
	s.tickets.mu.RLock()
	defer s.tickets.mu.RUnlock()
	return time.Unix(s.tickets.clock, 0).UTC()
}

// TicketCount is the number of tickets now.
func (s *Server) TicketCount() int {
	s.tickets.mu.RLock()
	defer s.tickets.mu.RUnlock()
	return len(s.tickets.recs)
}

// Ticket returns ticket id as /tickets serves it now, as plain Go values
// (see User), or nil for an unknown id.
func (s *Server) Ticket(id int) map[string]any {
	ts := s.tickets
	ts.mu.RLock()
	defer ts.mu.RUnlock()
	if id < 1 || id > len(ts.recs) {
		return nil
	}
	t := ts.wire(int32(id - 1))
	return map[string]any{
		"id": t.ID, "subject": t.Subject, "status": t.Status, "priority": t.Priority,
		"requester_id": t.RequesterID, "created_at": t.CreatedAt, "updated_at": t.UpdatedAt, "revision": t.Revision,
	}
}
