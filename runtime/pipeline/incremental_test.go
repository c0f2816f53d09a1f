package pipeline

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"
)

// ticketServer serves tickets sorted by updated_at then id at /tickets,
// filtered by ?since= (inclusive) and paged 50 at a time with next links;
// it records the since values it was asked for.
type ticketServer struct {
	*httptest.Server
	mu      sync.Mutex
	tickets map[int]ticket
	clock   time.Time
	sinces  []string
}

type ticket struct {
	ID        int    `json:"id"`
	Status    string `json:"status"`
	UpdatedAt string `json:"updated_at"`
	Owner     int    `json:"owner"`
}

func newTicketServer(t *testing.T, n int) *ticketServer {
	s := &ticketServer{tickets: map[int]ticket{}, clock: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	s.add(n)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		since := r.URL.Query().Get("since")
		s.sinces = append(s.sinces, since)
		owner, _ := strconv.Atoi(r.URL.Query().Get("owner"))
		var list []ticket
		for _, tk := range s.tickets {
			if tk.UpdatedAt >= since && (owner == 0 || tk.Owner == owner) {
				list = append(list, tk)
			}
		}
		sort.Slice(list, func(i, j int) bool {
			if list[i].UpdatedAt != list[j].UpdatedAt {
				return list[i].UpdatedAt < list[j].UpdatedAt
			}
			return list[i].ID < list[j].ID
		})
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		end := min(off+50, len(list))
		body := map[string]any{"data": list[min(off, end):end], "next": nil}
		if end < len(list) {
			q := r.URL.Query()
			q.Set("offset", strconv.Itoa(end))
			body["next"] = s.URL + r.URL.Path + "?" + q.Encode()
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(s.Close)
	return s
}

// add creates n tickets; four share each updated_at second, so a page
// boundary and the run's last value fall among equal cursor values.
func (s *ticketServer) add(n int) {
	for range n {
		id := len(s.tickets) + 1
		s.tickets[id] = ticket{ID: id, Status: "open", UpdatedAt: s.tick(id), Owner: id%3 + 1}
	}
}

func (s *ticketServer) tick(id int) string {
	if id%4 == 0 {
		s.clock = s.clock.Add(time.Second)
	}
	return s.clock.Format(time.RFC3339)
}

// update bumps updated_at and status of n tickets, oldest ids first.
func (s *ticketServer) update(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := 1; id <= n; id++ {
		tk := s.tickets[id]
		tk.Status = "closed"
		s.clock = s.clock.Add(time.Second)
		tk.UpdatedAt = s.clock.Format(time.RFC3339)
		s.tickets[id] = tk
	}
}

func (s *ticketServer) grow(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.add(n)
}

func (s *ticketServer) takeSinces() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.sinces
	s.sinces = nil
	return out
}

const ticketsYAML = `
pipeline: {name: tickets}
source:
  client: {base_url: "%s", paginator: {type: json_link, next_url_path: next}}
  resources:
    - name: tickets
      primary_key: id
      endpoint:
        path: tickets
        data_selector: data
        params: {since: "{incremental.start_value}"}
        incremental: {cursor_path: updated_at, initial_value: "2024-01-01T00:00:00Z"%s}
`

func TestIncrementalAppendGainsExactlyTheNewRows(t *testing.T) {
	srv := newTicketServer(t, 1000)
	dir := t.TempDir()
	yml := fmt.Sprintf(ticketsYAML, srv.URL, "")
	sum, err := runYAML(t, yml, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Tables["tickets"] != 1000 {
		t.Fatalf("first run loaded %v", sum.Tables)
	}
	if got := srv.takeSinces(); got[0] != "2024-01-01T00:00:00Z" || len(got) != 20 {
		t.Errorf("first run asked since=%v (%d requests), want initial_value on 20 pages", got[0], len(got))
	}
	maxUpdated := srv.tickets[1000].UpdatedAt

	// nothing new: no rows, no load package
	sum, err = runYAML(t, yml, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Loaded || len(sum.Tables) != 0 {
		t.Errorf("an unchanged API loaded %v (package: %v)", sum.Tables, sum.Loaded)
	}
	if got := srv.takeSinces(); got[0] != maxUpdated {
		t.Errorf("second run asked since=%s, want the first run's maximum %s", got[0], maxUpdated)
	}

	srv.grow(100)
	sum, err = runYAML(t, yml, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Tables["tickets"] != 100 {
		t.Errorf("third run loaded %v, want exactly the 100 new tickets", sum.Tables)
	}
	db := openSQLite(t, filepath.Join(dir, "blog.db"))
	if got := column(t, db, `SELECT count(*) || '/' || count(DISTINCT id) FROM tickets`); got[0] != "1100/1100" {
		t.Errorf("rows/unique ids = %s, want 1100/1100", got[0])
	}
}

func TestIncrementalOptions(t *testing.T) {
	tests := []struct {
		name  string
		extra string
		want  int64
	}{
		{"end_value backfills a window", `, end_value: "2024-01-01T00:00:10Z"`, 39},
		{"row_order asc stops paging past end_value", `, end_value: "2024-01-01T00:00:10Z", row_order: asc`, 39},
		{"range_start open drops the start value", `, range_start: open`, 997},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTicketServer(t, 1000)
			sum, err := runYAML(t, fmt.Sprintf(ticketsYAML, srv.URL, tt.extra), t.TempDir(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Tables["tickets"] != tt.want {
				t.Errorf("loaded %v, want %d", sum.Tables, tt.want)
			}
			if reqs := len(srv.takeSinces()); tt.name == "row_order asc stops paging past end_value" && reqs != 1 {
				t.Errorf("%d requests, want 1: the first page already passes end_value", reqs)
			}
		})
	}
}

// TestIncrementalPerParent: with per_parent, each parent's child requests
// carry that parent's own last value (dlt's #2429 shares one cursor).
func TestIncrementalPerParent(t *testing.T) {
	srv := newTicketServer(t, 30)
	dir := t.TempDir()
	yml := fmt.Sprintf(`
pipeline: {name: tickets}
source:
  client: {base_url: "%s", paginator: {type: json_link, next_url_path: next}}
  resources:
    - name: owners
      data: [{id: 1}, {id: 2}, {id: 3}]
      selected: false
    - name: tickets
      primary_key: id
      endpoint:
        path: tickets
        data_selector: data
        params: {owner: "{resources.owners.id}", since: "{incremental.start_value}"}
        incremental: {cursor_path: updated_at, initial_value: "2024-01-01T00:00:00Z", per_parent: true}
`, srv.URL)
	if _, err := runYAML(t, yml, dir, Options{}); err != nil {
		t.Fatal(err)
	}
	srv.takeSinces()
	// the last value of each owner's tickets
	last := map[int]string{}
	for _, tk := range srv.tickets {
		if tk.UpdatedAt > last[tk.Owner] {
			last[tk.Owner] = tk.UpdatedAt
		}
	}
	sum, err := runYAML(t, yml, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Tables["tickets"] != 0 {
		t.Errorf("second run loaded %v", sum.Tables)
	}
	got := srv.takeSinces()
	sort.Strings(got)
	want := []string{last[1], last[2], last[3]}
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("second run asked since=%v, want each owner's own last value %v", got, want)
	}
}

// TestIncrementalMerge is the check: run, add 100 and update 50
// at the server, run again; the second run asks from the first run's
// maximum updated_at and the table holds exactly 1,100 unique ids, the
// updated ones with their new values.
func TestIncrementalMerge(t *testing.T) {
	srv := newTicketServer(t, 1000)
	dir := t.TempDir()
	yml := fmt.Sprintf(ticketsYAML, srv.URL, "") + "      write_disposition: merge\n"
	if _, err := runYAML(t, yml, dir, Options{}); err != nil {
		t.Fatal(err)
	}
	srv.takeSinces()
	maxUpdated := srv.tickets[1000].UpdatedAt
	srv.grow(100)
	srv.update(50)
	sum, err := runYAML(t, yml, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.takeSinces(); got[0] != maxUpdated {
		t.Errorf("second run asked since=%s, want %s", got[0], maxUpdated)
	}
	if sum.Tables["tickets"] != 150 {
		t.Errorf("second run loaded %v, want the 150 new and changed tickets", sum.Tables)
	}
	db := openSQLite(t, filepath.Join(dir, "blog.db"))
	if got := column(t, db, `SELECT count(*) || '/' || count(DISTINCT id) || '/' || sum(status = 'closed') FROM tickets`); got[0] != "1100/1100/50" {
		t.Errorf("rows/unique ids/closed = %s, want 1100/1100/50", got[0])
	}
	if got := column(t, db, `SELECT count(*) FROM tickets WHERE id <= 50 AND status = 'closed'`); got[0] != "50" {
		t.Errorf("%s of the 50 updated tickets carry the new status", got[0])
	}
}

// TestIncrementalStateRestoredFromDestination: with the pipelines folder
// gone, the cursor comes back from _dlt_pipeline_state (dlt §9.5).
func TestIncrementalStateRestoredFromDestination(t *testing.T) {
	srv := newTicketServer(t, 200)
	dir := t.TempDir()
	db := filepath.Join(dir, "t.db")
	yml := fmt.Sprintf(ticketsYAML, srv.URL, "")
	if _, err := runYAML(t, yml, dir, Options{DBPath: db, PipelinesDir: filepath.Join(dir, "p1")}); err != nil {
		t.Fatal(err)
	}
	srv.takeSinces()
	srv.grow(10)
	sum, err := runYAML(t, yml, dir, Options{DBPath: db, PipelinesDir: filepath.Join(dir, "p2-empty")})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.takeSinces(); got[0] != srv.tickets[200].UpdatedAt {
		t.Errorf("asked since=%s, want the stored cursor %s", got[0], srv.tickets[200].UpdatedAt)
	}
	if sum.Tables["tickets"] != 10 {
		t.Errorf("loaded %v, want the 10 new tickets", sum.Tables)
	}
}
