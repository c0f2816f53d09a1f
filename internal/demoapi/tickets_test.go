package demoapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/demoapi"
)

type ticketPage struct {
	Data   []map[string]any
	Total  int
	Offset int
	Limit  int
	Next   *string
}

// walkTickets follows the next links from /tickets?query and returns every
// ticket and the number of pages.
func walkTickets(t *testing.T, base, query string) ([]map[string]any, int) {
	t.Helper()
	return walkTicketPages(t, base+"/tickets?"+query)
}

// walkUserTickets does the same from /users/{uid}/tickets?query.
func walkUserTickets(t *testing.T, base string, uid int64, query string) ([]map[string]any, int) {
	t.Helper()
	return walkTicketPages(t, fmt.Sprintf("%s/users/%d/tickets?%s", base, uid, query))
}

func walkTicketPages(t *testing.T, next string) ([]map[string]any, int) {
	t.Helper()
	var all []map[string]any
	for pages := 1; ; pages++ {
		var p ticketPage
		decode(t, getOK(t, next, nil).body, &p)
		all = append(all, p.Data...)
		if p.Next == nil {
			return all, pages
		}
		if pages > 10_000 {
			t.Fatal("no end to the pages")
		}
		next = *p.Next
	}
}

func post(t *testing.T, rawURL string) response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, rawURL, nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

func jsonDecode(resp *http.Response, v any) error {
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

func mutate(t *testing.T, base string, add, update int) demoapi.Mutation {
	t.Helper()
	r := post(t, fmt.Sprintf("%s/admin/tickets/mutate?add=%d&update=%d", base, add, update))
	if r.status != http.StatusOK {
		t.Fatalf("mutate: %d %s", r.status, r.body)
	}
	var m demoapi.Mutation
	decode(t, r.body, &m)
	return m
}

// sortedByUpdated checks the order (updated_at, id).
func sortedByUpdated(t *testing.T, ts []map[string]any) {
	t.Helper()
	for i := 1; i < len(ts); i++ {
		a, b := ts[i-1], ts[i]
		ua, ub := a["updated_at"].(string), b["updated_at"].(string)
		if ua > ub || ua == ub && num(t, a["id"]) >= num(t, b["id"]) {
			t.Fatalf("tickets %d and %d out of order: %v %v / %v %v", i-1, i, a["id"], ua, b["id"], ub)
		}
	}
}

func num(t *testing.T, v any) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(fmt.Sprint(v), &n); err != nil {
		t.Fatalf("%v is not an integer", v)
	}
	return n
}

func TestTicketsInitial(t *testing.T) {
	api := demoapi.New(demoapi.Options{})
	srv := httptest.NewServer(api)
	defer srv.Close()

	all, pages := walkTickets(t, srv.URL, "limit=100")
	if len(all) != demoapi.DefaultTickets || pages != 10 {
		t.Fatalf("%d tickets in %d pages, want 1000 in 10", len(all), pages)
	}
	sortedByUpdated(t, all)
	ids := map[int64]bool{}
	ties := 0
	for i, tk := range all {
		ids[num(t, tk["id"])] = true
		up, err := time.Parse(time.RFC3339, tk["updated_at"].(string))
		if err != nil || !up.Before(demoapi.DefaultClock) || up.Before(demoapi.DefaultClock.Add(-31*24*time.Hour)) {
			t.Errorf("ticket %v updated_at %v (%v): not in the 30 days before the clock", tk["id"], tk["updated_at"], err)
		}
		if tk["created_at"].(string) > tk["updated_at"].(string) {
			t.Errorf("ticket %v created after its update", tk["id"])
		}
		if i > 0 && all[i-1]["updated_at"] == tk["updated_at"] {
			ties++
		}
		if got := api.Ticket(int(num(t, tk["id"]))); !reflect.DeepEqual(canonical(t, got), canonical(t, tk)) {
			t.Errorf("Server.Ticket(%v) = %v, served %v", tk["id"], got, tk)
		}
	}
	if len(ids) != 1000 || !ids[1] || !ids[1000] {
		t.Errorf("%d distinct ids, want 1..1000", len(ids))
	}
	if ties == 0 {
		t.Error("no two tickets share an updated_at: boundary de-duplication goes untested")
	}
	var first ticketPage
	decode(t, getOK(t, srv.URL+"/tickets?offset=950&limit=100", nil).body, &first)
	if first.Total != 1000 || len(first.Data) != 50 || first.Next != nil || first.Offset != 950 || first.Limit != 100 {
		t.Errorf("last page: total %d, %d rows, next %v", first.Total, len(first.Data), first.Next)
	}
	if r := getOK(t, srv.URL+"/tickets?offset=5000", nil); !strings.Contains(string(r.body), `"data":[]`) {
		t.Errorf("past the end: %s", r.body)
	}
}

func TestTicketsFilter(t *testing.T) {
	srv := httptest.NewServer(demoapi.New(demoapi.Options{}))
	defer srv.Close()
	all, _ := walkTickets(t, srv.URL, "limit=1000")
	mid := all[500]["updated_at"].(string)
	atOrAfter, before := 0, 0
	for _, tk := range all {
		if tk["updated_at"].(string) >= mid {
			atOrAfter++
		} else {
			before++
		}
	}
	since, _ := walkTickets(t, srv.URL, "limit=7&updated_since="+url.QueryEscape(mid))
	if len(since) != atOrAfter || since[0]["updated_at"] != mid || !reflect.DeepEqual(since, all[len(all)-atOrAfter:]) {
		t.Errorf("updated_since=%s: %d tickets, want the last %d (inclusive)", mid, len(since), atOrAfter)
	}
	var p ticketPage
	decode(t, getOK(t, srv.URL+"/tickets?limit=7&updated_since="+url.QueryEscape(mid), nil).body, &p)
	if p.Total != atOrAfter || p.Next == nil || !strings.Contains(*p.Next, "updated_since=") || !strings.Contains(*p.Next, "offset=7") {
		t.Errorf("filtered page: total %d, next %v", p.Total, p.Next)
	}
	until, _ := walkTickets(t, srv.URL, "updated_until="+url.QueryEscape(mid))
	if len(until) != before {
		t.Errorf("updated_until=%s: %d tickets, want %d (exclusive)", mid, len(until), before)
	}
	both, _ := walkTickets(t, srv.URL, "updated_since="+url.QueryEscape(mid)+"&updated_until="+url.QueryEscape(mid))
	if len(both) != 0 {
		t.Errorf("since = until: %d tickets", len(both))
	}
	m, _ := time.Parse(time.RFC3339, mid)
	same := []string{
		m.Add(-500 * time.Millisecond).Format(time.RFC3339Nano), // rounds up to mid
		m.Format("2006-01-02 15:04:05Z07:00"),                   // Python's str(datetime)
		m.Format("2006-01-02T15:04:05"),                         // no zone: UTC
		m.In(time.FixedZone("", 2*3600)).Format(time.RFC3339),   // +02:00, escaped
	}
	for _, v := range same {
		got, _ := walkTickets(t, srv.URL, "updated_since="+url.QueryEscape(v))
		if len(got) != atOrAfter {
			t.Errorf("updated_since=%s: %d tickets, want %d", v, len(got), atOrAfter)
		}
	}
	day := m.Format("2006-01-02")
	got, _ := walkTickets(t, srv.URL, "updated_since="+day)
	for _, tk := range got {
		if tk["updated_at"].(string) < day {
			t.Fatalf("updated_since=%s returned %v", day, tk["updated_at"])
		}
	}
	for _, c := range []struct{ query, errHas string }{
		{"updated_since=yesterday", "not an RFC 3339 time"},
		{"updated_since=2026-01-01T00:00:00+00:00", "%2B"}, // the + arrives as a space
		{"updated_until=2026-13-01", "updated_until"},
		{"offset=-1", "offset"},
		{"limit=0", "limit"},
	} {
		r := get(t, srv.URL+"/tickets?"+c.query)
		if r.status != 400 || !strings.Contains(errorOf(t, r), c.errHas) {
			t.Errorf("GET /tickets?%s: %d %s, want 400 mentioning %q", c.query, r.status, r.body, c.errHas)
		}
	}
}

func TestTicketsMutate(t *testing.T) {
	api := demoapi.New(demoapi.Options{})
	srv := httptest.NewServer(api)
	defer srv.Close()
	initial, _ := walkTickets(t, srv.URL, "limit=1000")
	maxUpdated := initial[len(initial)-1]["updated_at"].(string)

	m := mutate(t, srv.URL, 100, 50)
	clock := demoapi.DefaultClock.Add(150 * time.Second).Format(time.RFC3339)
	if m.Added != 100 || m.FirstAddedID != 1001 || m.LastAddedID != 1100 || len(m.UpdatedIDs) != 50 || m.Tickets != 1100 || m.Clock != clock {
		t.Fatalf("mutation %+v", m)
	}
	if got := api.Clock().Format(time.RFC3339); got != clock {
		t.Errorf("Clock() = %s, want %s", got, clock)
	}
	updated := map[int64]bool{}
	for i, id := range m.UpdatedIDs {
		if id < 1 || id > 1000 || (i > 0 && id <= m.UpdatedIDs[i-1]) {
			t.Fatalf("updated ids not distinct, ascending and existing: %v", m.UpdatedIDs)
		}
		updated[id] = true
	}

	// What an incremental merge on updated_at does: ask from the last
	// maximum (inclusive), then upsert by id.
	delta, _ := walkTickets(t, srv.URL, "updated_since="+url.QueryEscape(maxUpdated))
	boundary := 0
	for _, tk := range initial {
		if tk["updated_at"] == maxUpdated && !updated[num(t, tk["id"])] {
			boundary++
		}
	}
	if len(delta) != 150+boundary {
		t.Errorf("since the previous maximum: %d tickets, want 150 changed + %d at the boundary", len(delta), boundary)
	}
	sortedByUpdated(t, delta)
	table := map[int64]map[string]any{}
	before := map[int64]map[string]any{}
	for _, tk := range initial {
		table[num(t, tk["id"])] = tk
		before[num(t, tk["id"])] = tk
	}
	for i, tk := range delta[boundary:] {
		want := demoapi.DefaultClock.Add(time.Duration(i+1) * time.Second).Format(time.RFC3339)
		if tk["updated_at"] != want {
			t.Errorf("changed ticket %d (id %v): updated_at %v, want %s (1 s a mutation)", i, tk["id"], tk["updated_at"], want)
		}
		table[num(t, tk["id"])] = tk
	}
	if len(table) != 1100 {
		t.Errorf("merged table has %d ids, want 1100", len(table))
	}
	for id := range updated {
		old, now := before[id], table[id]
		if now["status"] == old["status"] || num(t, now["revision"]) != num(t, old["revision"])+1 || now["subject"] != old["subject"] || now["created_at"] != old["created_at"] {
			t.Errorf("ticket %d: %v became %v (want a new status and revision+1, the rest kept)", id, old, now)
		}
	}
	for id := int64(1001); id <= 1100; id++ {
		if tk := table[id]; tk["status"] != "new" || num(t, tk["revision"]) != 1 || tk["created_at"] != tk["updated_at"] {
			t.Errorf("added ticket %d: %v", id, tk)
		}
	}

	// Reset, then the same mutation again: the same tickets at the same times.
	if r := post(t, srv.URL+"/admin/reset"); r.status != 200 || !strings.Contains(string(r.body), `"tickets":1000`) {
		t.Fatalf("reset: %d %s", r.status, r.body)
	}
	again, _ := walkTickets(t, srv.URL, "limit=1000")
	if !reflect.DeepEqual(again, initial) {
		t.Error("after the reset the tickets differ from the initial ones")
	}
	if m2 := mutate(t, srv.URL, 100, 50); !reflect.DeepEqual(m2, m) {
		t.Errorf("the same mutation after a reset: %+v, first time %+v", m2, m)
	}
	other := httptest.NewServer(demoapi.New(demoapi.Options{}))
	defer other.Close()
	if m3 := mutate(t, other.URL, 100, 50); !reflect.DeepEqual(m3, m) {
		t.Error("a second server's first mutation differs")
	}
	if m4 := mutate(t, other.URL, 100, 50); reflect.DeepEqual(m4.UpdatedIDs, m.UpdatedIDs) {
		t.Error("the second mutation updates the same tickets as the first")
	}
}

func TestTicketsOptionsAndErrors(t *testing.T) {
	start := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	api := demoapi.New(demoapi.Options{Tickets: 20, Clock: start, Users: 5})
	srv := httptest.NewServer(api)
	defer srv.Close()
	all, _ := walkTickets(t, srv.URL, "")
	if len(all) != 20 || api.TicketCount() != 20 {
		t.Fatalf("Tickets 20: %d", len(all))
	}
	for _, tk := range all {
		if r := num(t, tk["requester_id"]); r < 1 || r > 5 {
			t.Errorf("requester_id %d is no user", r)
		}
	}
	m := mutate(t, srv.URL, 0, 20)
	if m.Clock != "2030-06-01T12:00:20Z" || len(m.UpdatedIDs) != 20 || m.FirstAddedID != 0 {
		t.Errorf("update all 20 from a 2030 clock: %+v", m)
	}
	if m := mutate(t, srv.URL, 1, 0); m.Clock != "2030-06-01T12:00:21Z" || m.FirstAddedID != 21 {
		t.Errorf("add one: %+v", m)
	}
	for _, c := range []struct {
		method, path string
		status       int
		errHas       string
	}{
		{"POST", "/admin/tickets/mutate", 400, "add=N"},
		{"POST", "/admin/tickets/mutate?update=22", 400, "update=22"},
		{"POST", "/admin/tickets/mutate?add=-1", 400, "add"},
		{"POST", "/admin/tickets/mutate?add=x", 400, "not an integer"},
		{"GET", "/admin/tickets/mutate?add=1", 405, "use POST"},
		{"POST", "/admin/stats", 405, "use GET"},
		{"GET", "/admin/nope", 404, "no such admin endpoint"},
		{"POST", "/tickets", 405, "not allowed"},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e struct{ Error string }
		decodeErr := jsonDecode(resp, &e)
		if resp.StatusCode != c.status || decodeErr != nil || !strings.Contains(e.Error, c.errHas) {
			t.Errorf("%s %s: %d %q, want %d mentioning %q", c.method, c.path, resp.StatusCode, e.Error, c.status, c.errHas)
		}
	}
	if api.TicketCount() != 21 {
		t.Errorf("failed mutations changed the tickets: %d", api.TicketCount())
	}
	empty := httptest.NewServer(demoapi.New(demoapi.Options{Tickets: -1}))
	defer empty.Close()
	if r := getOK(t, empty.URL+"/tickets", nil); !strings.Contains(string(r.body), `"data":[],"total":0`) {
		t.Errorf("Tickets -1: %s", r.body)
	}
}

// TestUserTickets: /users/{id}/tickets is /tickets cut to one requester,
// so a child resource can keep an incremental cursor per parent.
func TestUserTickets(t *testing.T) {
	api := demoapi.New(demoapi.Options{Users: 10, Tickets: 200})
	srv := httptest.NewServer(api)
	defer srv.Close()
	all, _ := walkTickets(t, srv.URL, "limit=1000")
	perUser := map[int64][]map[string]any{}
	for _, tk := range all {
		r := num(t, tk["requester_id"])
		perUser[r] = append(perUser[r], tk)
	}
	mid := all[100]["updated_at"].(string)
	seen := 0
	for uid := int64(1); uid <= 10; uid++ {
		mine, _ := walkUserTickets(t, srv.URL, uid, "limit=7")
		if !reflect.DeepEqual(mine, perUser[uid]) {
			t.Errorf("user %d: %d tickets, want the %d with requester_id %d in /tickets order", uid, len(mine), len(perUser[uid]), uid)
		}
		seen += len(mine)
		since, _ := walkUserTickets(t, srv.URL, uid, "updated_since="+url.QueryEscape(mid))
		want := 0
		for _, tk := range perUser[uid] {
			if tk["updated_at"].(string) >= mid {
				want++
			}
		}
		if len(since) != want {
			t.Errorf("user %d since %s: %d tickets, want %d", uid, mid, len(since), want)
		}
	}
	if seen != 200 {
		t.Errorf("the users' tickets add up to %d, want 200", seen)
	}
	m := mutate(t, srv.URL, 0, 30)
	changed := 0
	for uid := int64(1); uid <= 10; uid++ {
		got, _ := walkUserTickets(t, srv.URL, uid, "updated_since="+url.QueryEscape(demoapi.DefaultClock.Add(time.Second).Format(time.RFC3339)))
		for _, tk := range got {
			if num(t, tk["requester_id"]) != uid {
				t.Errorf("user %d got ticket of %v", uid, tk["requester_id"])
			}
		}
		changed += len(got)
	}
	if changed != len(m.UpdatedIDs) {
		t.Errorf("per user, %d changed tickets; the mutation changed %d", changed, len(m.UpdatedIDs))
	}
	for _, path := range []string{"/users/11/tickets", "/users/0/tickets"} {
		if r := get(t, srv.URL+path); r.status != 404 || !strings.Contains(errorOf(t, r), "not found") {
			t.Errorf("GET %s: %d %s", path, r.status, r.body)
		}
	}
	if r := get(t, srv.URL+"/users/1/tickets?updated_since=soon"); r.status != 400 {
		t.Errorf("bad updated_since: %d", r.status)
	}
	if rs := api.Stats().Routes[demoapi.RouteUserTickets]; rs.Requests == 0 {
		t.Errorf("no stats for %s", demoapi.RouteUserTickets)
	}
}
