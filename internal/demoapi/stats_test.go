package demoapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/sluicehq/sluice/internal/demoapi"
)

type statsBody struct {
	demoapi.Stats
	Tickets int
	Clock   string
}

func getStats(t *testing.T, base string, hdr ...string) statsBody {
	t.Helper()
	var st statsBody
	decode(t, getOK(t, base+"/admin/stats", nil, hdr...).body, &st)
	return st
}

func TestStats(t *testing.T) {
	api := demoapi.New(demoapi.Options{Users: 20, FailEvery: 7})
	srv := httptest.NewServer(api)
	defer srv.Close()

	paths := []string{"/users?page=1", "/users/1/posts", "/users/2/posts", "/users/3/posts", "/users/99/posts",
		"/tickets?updated_since=2025-12-31T00:00:00Z", "/posts?user_ids=1,2", "/nope"}
	for _, p := range paths {
		get(t, srv.URL+p)
	}
	get(t, srv.URL+"/users/4/posts") // the 9th data request; the 7th (/posts) failed with 503
	get(t, srv.URL+"/healthz")
	mutate(t, srv.URL, 1, 1)

	st := getStats(t, srv.URL)
	if st.Requests != 9 || api.Requests() != 9 {
		t.Errorf("requests %d (Requests() %d), want 9: healthz and admin are not counted", st.Requests, api.Requests())
	}
	want := map[string]demoapi.RouteStats{
		demoapi.RouteUsers:     {Requests: 1, Statuses: map[string]int64{"200": 1}, LastURI: "/users?page=1"},
		demoapi.RouteUserPosts: {Requests: 5, Statuses: map[string]int64{"200": 4, "404": 1}, LastURI: "/users/4/posts"},
		demoapi.RouteTickets:   {Requests: 1, Statuses: map[string]int64{"200": 1}, LastURI: "/tickets?updated_since=2025-12-31T00:00:00Z"},
		demoapi.RoutePosts:     {Requests: 1, Statuses: map[string]int64{"503": 1}, LastURI: "/posts?user_ids=1,2"},
		demoapi.RouteOther:     {Requests: 1, Statuses: map[string]int64{"404": 1}, LastURI: "/nope"},
	}
	if !reflect.DeepEqual(st.Routes, want) {
		t.Errorf("routes:\n got %+v\nwant %+v", st.Routes, want)
	}
	if got := st.Stats.RouteNames(); strings.Join(got, " ") != "/posts /tickets /users /users/{id}/posts other" {
		t.Errorf("RouteNames() = %v", got)
	}
	if st.Tickets != 1001 || st.Clock != "2026-01-01T00:00:02Z" {
		t.Errorf("stats tickets %d clock %s", st.Tickets, st.Clock)
	}

	var log struct{ Requests []demoapi.LoggedRequest }
	decode(t, getOK(t, srv.URL+"/admin/requests?route=/users/{id}/posts", nil).body, &log)
	var uris []string
	for _, lr := range log.Requests {
		uris = append(uris, fmt.Sprintf("%s %s %d", lr.Method, lr.URI, lr.Status))
	}
	if got := strings.Join(uris, "; "); got != "GET /users/1/posts 200; GET /users/2/posts 200; GET /users/3/posts 200; GET /users/99/posts 404; GET /users/4/posts 200" {
		t.Errorf("request log: %s", got)
	}
	if all := api.RequestLog(""); len(all) != 9 || all[0].URI != "/users?page=1" || all[8].Route != demoapi.RouteUserPosts {
		t.Errorf("RequestLog(\"\"): %+v", all)
	}

	if r := post(t, srv.URL+"/admin/stats/reset"); r.status != 200 {
		t.Fatalf("stats reset: %d %s", r.status, r.body)
	}
	if st := getStats(t, srv.URL); st.Requests != 0 || len(st.Routes) != 0 || len(api.RequestLog("")) != 0 || st.Tickets != 1001 {
		t.Errorf("after a stats reset: %+v", st)
	}
	get(t, srv.URL+"/users/5")
	post(t, srv.URL+"/admin/reset")
	if st := getStats(t, srv.URL); st.Requests != 0 || st.Tickets != 1000 || st.Clock != "2026-01-01T00:00:00Z" {
		t.Errorf("after /admin/reset: %+v", st)
	}
}

func TestRequestLogWraps(t *testing.T) {
	api := demoapi.New(demoapi.Options{Users: 1})
	for i := range demoapi.RequestLogSize + 5 {
		api.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", fmt.Sprintf("/users/1/posts?n=%d", i), nil))
	}
	log := api.RequestLog(demoapi.RouteUserPosts)
	if len(log) != demoapi.RequestLogSize || log[0].URI != "/users/1/posts?n=5" || log[len(log)-1].URI != fmt.Sprintf("/users/1/posts?n=%d", demoapi.RequestLogSize+4) {
		t.Errorf("log of %d: first %v, last %v", len(log), log[0], log[len(log)-1])
	}
	if st := api.Stats(); st.Requests != demoapi.RequestLogSize+5 {
		t.Errorf("Stats().Requests = %d", st.Requests)
	}
}

func TestAdminToken(t *testing.T) {
	srv := httptest.NewServer(demoapi.New(demoapi.Options{Users: 3, Token: "tk"}))
	defer srv.Close()
	if r := get(t, srv.URL+"/admin/stats"); r.status != http.StatusUnauthorized {
		t.Errorf("admin without the token: %d", r.status)
	}
	if r := post(t, srv.URL+"/admin/tickets/mutate?add=1"); r.status != http.StatusUnauthorized {
		t.Errorf("mutate without the token: %d", r.status)
	}
	get(t, srv.URL+"/users/1/posts", "Authorization", "Bearer tk")
	get(t, srv.URL+"/users/1/posts")
	st := getStats(t, srv.URL, "Authorization", "Bearer tk")
	if rs := st.Routes[demoapi.RouteUserPosts]; rs.Requests != 2 || rs.Statuses["200"] != 1 || rs.Statuses["401"] != 1 {
		t.Errorf("posts with and without the token: %+v", rs)
	}
}

// TestConcurrentMutations reads tickets and posts while mutating; run with
// -race. Every page stays sorted and every mutation is all or nothing.
func TestConcurrentMutations(t *testing.T) {
	api := demoapi.New(demoapi.Options{Users: 50})
	srv := httptest.NewServer(api)
	defer srv.Close()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 20 {
				if g == 0 {
					mutate(t, srv.URL, 5, 5)
					continue
				}
				var p ticketPage
				decode(t, getOK(t, srv.URL+"/tickets?limit=200", nil).body, &p)
				sortedByUpdated(t, p.Data)
				if (p.Total-1000)%5 != 0 || len(p.Data) != 200 {
					t.Errorf("a page saw half a mutation: total %d", p.Total)
				}
				getList(t, fmt.Sprintf("%s/users/%d/posts", srv.URL, i+1))
			}
		})
	}
	wg.Wait()
	if n := api.TicketCount(); n != 1100 {
		t.Errorf("%d tickets after 20 mutations adding 5, want 1100", n)
	}
	if st := api.Stats(); st.Routes[demoapi.RouteTickets].Requests != 60 || st.Routes[demoapi.RouteUserPosts].Requests != 60 {
		t.Errorf("stats after the concurrent run: %+v", st.Routes)
	}
}

// TestRoutes: every path is counted under the route that serves it.
func TestRoutes(t *testing.T) {
	api := demoapi.New(demoapi.Options{Users: 5})
	for _, c := range []struct {
		path, route string
		status      int
	}{
		{"/users", demoapi.RouteUsers, 200},
		{"/users/", demoapi.RouteUsers, 200},
		{"/users/relative", demoapi.RouteUsersRelative, 200},
		{"/users/link", demoapi.RouteUsersLink, 200},
		{"/users/offset", demoapi.RouteUsersOffset, 200},
		{"/users/page_number", demoapi.RouteUsersPage, 200},
		{"/users/cursor", demoapi.RouteUsersCursor, 200},
		{"/users/3", demoapi.RouteUser, 200},
		{"/users/3/", demoapi.RouteUser, 200},
		{"/users/9", demoapi.RouteUser, 404},
		{"/users/3/orders", demoapi.RouteUserOrders, 200},
		{"/users/3/posts", demoapi.RouteUserPosts, 200},
		{"/users/3/tickets", demoapi.RouteUserTickets, 200},
		{"/posts?user_ids=1", demoapi.RoutePosts, 200},
		{"/posts/3001", demoapi.RoutePost, 200},
		{"/posts/3001/comments", demoapi.RoutePostComments, 200},
		{"/tickets", demoapi.RouteTickets, 200},
		{"/users/3/posts/1", demoapi.RouteOther, 404},
		{"/posts/", demoapi.RouteOther, 404},
		{"/usersx", demoapi.RouteOther, 404},
		{"/", demoapi.RouteOther, 404},
	} {
		status, body := serve(api, "GET", c.path)
		log := api.RequestLog("")
		if last := log[len(log)-1]; status != c.status || last.Route != c.route || last.Status != c.status || last.URI != c.path {
			t.Errorf("GET %s: %d %.100s, logged %+v; want %d under %s", c.path, status, body, last, c.status, c.route)
		}
	}
}
