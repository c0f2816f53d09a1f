package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// eventsAPI serves n events with a growing id as the cursor at /events,
// ?since= (inclusive), 100 per page with next links, each page after
// delay. It records the since of every first page.
type eventsAPI struct {
	n      int
	delay  time.Duration
	mu     sync.Mutex
	sinces []string
}

func (a *eventsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	time.Sleep(a.delay)
	q := r.URL.Query()
	since, _ := strconv.Atoi(q.Get("since"))
	off, _ := strconv.Atoi(q.Get("offset"))
	if off == 0 {
		a.mu.Lock()
		a.sinces = append(a.sinces, q.Get("since"))
		a.mu.Unlock()
	}
	first := max(since, 1) + off
	var data []any
	for id := first; id < first+100 && id <= a.n; id++ {
		data = append(data, map[string]any{"id": id, "kind": "click", "payload": map[string]any{"x": id % 7}})
	}
	body := map[string]any{"data": data, "next": nil}
	if first+100 <= a.n {
		q.Set("offset", strconv.Itoa(off+100))
		body["next"] = "http://" + r.Host + r.URL.Path + "?" + q.Encode()
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

// TestKilledIncrementalRunResumes kills an incremental run with SIGKILL
// mid-load, then runs again: no row is lost or loaded twice, and the state
// matches the rows.
func TestKilledIncrementalRunResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	api := &eventsAPI{n: 20_000, delay: 10 * time.Millisecond}
	srv := httptest.NewServer(api)
	defer srv.Close()
	p := writePipeline(t, fmt.Sprintf(`
pipeline: {name: events}
source:
  client: {base_url: "%s", paginator: {type: json_link, next_url_path: next}}
  resources:
    - name: events
      primary_key: id
      endpoint:
        path: events
        data_selector: data
        params: {since: "{incremental.start_value}"}
        incremental: {cursor_path: id, initial_value: 1}
`, srv.URL))
	db := filepath.Join(t.TempDir(), "e.db")
	state := t.TempDir()

	cmd, _ := startLongRun(t, p, db, state) // a first run of 2 pages, then a long one
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	d := openDB(t, db)
	if n := count(t, d, "select count(*) from events"); n != 200 {
		t.Fatalf("events has %d rows after the killed run, want the 200 of the first run", n)
	}
	code, out, errs := sluice(t, "run", p, "--db", db, "--pipelines-dir", state, "--progress", "none")
	if code != 0 {
		t.Fatalf("run after the kill: exit %d\n%s\n%s", code, out, errs)
	}
	if n := count(t, d, "select count(*) from events"); n != 20_000 {
		t.Errorf("events has %d rows, want 20000", n)
	}
	if n := count(t, d, "select count(distinct id) from events"); n != 20_000 {
		t.Errorf("events has %d distinct ids, want 20000: rows were loaded twice", n)
	}
	if n := count(t, d, "select count(*) from events where payload__x = id % 7"); n != 20_000 {
		t.Errorf("%d rows carry their own payload, want 20000", n)
	}
	api.mu.Lock()
	sinces := api.sinces
	api.mu.Unlock()
	if last := sinces[len(sinces)-1]; last != "200" {
		t.Errorf("the run after the kill asked since=%s, want 200 (the last committed cursor)", last)
	}
	// the state in the database says where the rows end
	code, out, errs = sluice(t, "run", p, "--db", db, "--pipelines-dir", state, "--progress", "none", "--format", "json")
	if code != 0 {
		t.Fatalf("third run: exit %d\n%s\n%s", code, out, errs)
	}
	var sum struct {
		Loaded bool `json:"loaded"`
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil || sum.Loaded {
		t.Errorf("a run with nothing new loaded a package (%s, %v)", out, err)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if last := api.sinces[len(api.sinces)-1]; last != "20000" {
		t.Errorf("the third run asked since=%s, want 20000", last)
	}
}
