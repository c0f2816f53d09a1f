package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sluicehq/sluice/cmd/sluice/internal/console"
	"github.com/sluicehq/sluice/runtime/inspect"
	"github.com/sluicehq/sluice/runtime/state"
)

// growingAPI serves events 1..n at /events, those with an id above ?since=,
// each with two tags; it records every since it was asked for.
type growingAPI struct {
	n      atomic.Int64
	mu     sync.Mutex
	sinces []string
}

func (a *growingAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	since, _ := strconv.Atoi(r.URL.Query().Get("since"))
	a.mu.Lock()
	a.sinces = append(a.sinces, r.URL.Query().Get("since"))
	a.mu.Unlock()
	data := []any{}
	for id := since + 1; id <= int(a.n.Load()); id++ {
		data = append(data, map[string]any{"id": id, "tags": []any{"a", "b"}})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"data": data})
}

func (a *growingAPI) lastSince() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sinces[len(a.sinces)-1]
}

// inspectFixture is a pipeline "ev" that loaded 5 events, then 3 more.
type inspectFixture struct {
	api          *growingAPI
	file, db, pd string
	// flags are more flags of every run (--destination duckdb)
	flags []string
}

func newInspectFixture(t *testing.T) *inspectFixture { return newInspectFixtureIn(t, "ev.db") }

// newInspectFixtureIn loads into the file db (in a temporary folder) with
// flags added to every run.
func newInspectFixtureIn(t *testing.T, db string, flags ...string) *inspectFixture {
	t.Helper()
	api := &growingAPI{}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	fx := &inspectFixture{api: api, db: filepath.Join(t.TempDir(), db), pd: t.TempDir(), flags: flags}
	fx.file = writePipeline(t, fmt.Sprintf(`
pipeline: {name: ev}
source:
  client: {base_url: "%s"}
  resources:
    - name: events
      endpoint:
        path: events
        data_selector: data
        params: {since: "{incremental.start_value}"}
        incremental: {cursor_path: id, initial_value: 0}
`, srv.URL))
	for _, n := range []int64{5, 8} {
		api.n.Store(n)
		fx.run(t)
	}
	return fx
}

func (fx *inspectFixture) run(t *testing.T) {
	t.Helper()
	args := append([]string{"run", fx.file, "--db", fx.db, "--pipelines-dir", fx.pd, "--progress", "none"}, fx.flags...)
	if code, out, errs := sluice(t, args...); code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errs)
	}
}

func TestPipelineInfoListsLoadsAndSchema(t *testing.T) {
	fx := newInspectFixture(t)
	code, out, errs := sluice(t, "pipeline", "ev", "info", "--pipelines-dir", fx.pd, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	var rep pipelineInfoReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.DB != fx.db || rep.Destination != "sqlite" || rep.Dataset != "ev_dataset" {
		t.Errorf("found %s at %s (dataset %s), want sqlite at %s", rep.Destination, rep.DB, rep.Dataset, fx.db)
	}
	if len(rep.Loads) != 2 {
		t.Fatalf("%d loads, want 2: %+v", len(rep.Loads), rep.Loads)
	}
	// newest first: the second run brought 3 events, the first 5
	for i, want := range []map[string]int64{{"events": 3, "events__tags": 6}, {"events": 5, "events__tags": 10}} {
		for table, n := range want {
			if got := rep.Loads[i].Rows[table]; got != n {
				t.Errorf("load %d (%s): %s has %d rows, want %d", i, rep.Loads[i].LoadID, table, got, n)
			}
		}
	}
	if rep.Loads[0].LoadID <= rep.Loads[1].LoadID {
		t.Errorf("loads not newest first: %s, %s", rep.Loads[0].LoadID, rep.Loads[1].LoadID)
	}
	byName := map[string]inspect.Table{}
	for _, tb := range rep.Tables {
		byName[tb.Name] = tb
	}
	ev, tags := byName["events"], byName["events__tags"]
	if ev.Rows != 8 || tags.Rows != 16 || tags.Parent != "events" || len(ev.Children) != 1 || ev.Children[0] != "events__tags" {
		t.Errorf("tables: %+v", rep.Tables)
	}
	types := map[string]string{}
	for _, c := range ev.Columns {
		types[c.Name] = c.DataType
	}
	if types["id"] != "bigint" || types["_dlt_load_id"] != "text" {
		t.Errorf("events columns: %+v", ev.Columns)
	}
	for _, tb := range rep.Tables {
		if strings.HasPrefix(tb.Name, "_dlt") {
			t.Errorf("system table %s listed", tb.Name)
		}
	}

	// the text form says the same
	code, out, _ = sluice(t, "pipeline", "ev", "info", "--pipelines-dir", fx.pd)
	if code != 0 || !strings.Contains(out, "events 3, events__tags 6") || !strings.Contains(out, "events__tags (child of events, 16 rows)") {
		t.Errorf("text info:\n%s", out)
	}
}

func TestPipelineStateShowsCursor(t *testing.T) {
	fx := newInspectFixture(t)
	code, out, errs := sluice(t, "pipeline", "ev", "state", "--pipelines-dir", fx.pd, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	var rep struct {
		From      string                  `json:"from"`
		Resources []inspect.ResourceState `json:"resources"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.From != "destination" || len(rep.Resources) != 1 || len(rep.Resources[0].Cursors) != 1 {
		t.Fatalf("state: %s", out)
	}
	c := rep.Resources[0].Cursors[0]
	if rep.Resources[0].Resource != "events" || c.CursorPath != "id" || fmt.Sprint(c.LastValue) != "8" || fmt.Sprint(c.InitialValue) != "0" {
		t.Errorf("cursor: %+v", c)
	}
	code, out, _ = sluice(t, "pipeline", "ev", "state", "--pipelines-dir", fx.pd)
	if code != 0 || !strings.Contains(out, "cursor id: last_value 8 (initial_value 0)") {
		t.Errorf("text state:\n%s", out)
	}
}

func TestPipelineDropResetsState(t *testing.T) {
	fx := newInspectFixture(t)
	// not a terminal and no --yes: refused, nothing changed
	if code, _, errs := sluice(t, "pipeline", "ev", "drop", "--pipelines-dir", fx.pd); code != 2 || !strings.Contains(errs, "--yes") {
		t.Fatalf("drop without --yes: exit %d\n%s", code, errs)
	}
	if code, _, errs := sluice(t, "pipeline", "ev", "drop", "--yes", "--resources", "evnets", "--pipelines-dir", fx.pd); code != 2 || !strings.Contains(errs, `"evnets" (it has: events)`) {
		t.Fatalf("drop of an unknown resource: exit %d\n%s", code, errs)
	}
	// while a run of the pipeline holds its lock: refused, nothing changed
	release, err := (&state.Dir{Path: filepath.Join(fx.pd, "ev")}).Lock()
	if err != nil {
		t.Fatal(err)
	}
	if code, _, errs := sluice(t, "pipeline", "ev", "drop", "--yes", "--pipelines-dir", fx.pd); code == 0 || !strings.Contains(errs, "pipeline ev is running") {
		t.Fatalf("drop while a run holds the lock: exit %d\n%s", code, errs)
	}
	release()
	code, out, errs := sluice(t, "pipeline", "ev", "drop", "--yes", "--pipelines-dir", fx.pd)
	if code != 0 || !strings.Contains(out, "reset the state of events") {
		t.Fatalf("drop: exit %d\n%s\n%s", code, out, errs)
	}
	// the next run starts from the initial value and appends everything again
	fx.run(t)
	if s := fx.api.lastSince(); s != "0" {
		t.Errorf("the run after drop asked since=%s, want the initial value 0", s)
	}
	d := openDB(t, fx.db)
	if n := count(t, d, "select count(*) from events"); n != 16 {
		t.Errorf("events has %d rows after drop and a run, want 8+8", n)
	}

	// --tables drops the data too: the next run loads the 8 events afresh
	code, out, errs = sluice(t, "pipeline", "ev", "drop", "--yes", "--tables", "--pipelines-dir", fx.pd, "--format", "json")
	if code != 0 {
		t.Fatalf("drop --tables: exit %d\n%s\n%s", code, out, errs)
	}
	var res inspect.DropResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Tables, ",") != "events__tags,events" {
		t.Errorf("dropped %v", res.Tables)
	}
	if n := count(t, d, "select count(*) from sqlite_master where name like 'events%'"); n != 0 {
		t.Errorf("%d events tables left after drop --tables", n)
	}
	fx.run(t)
	if n := count(t, d, "select count(*) from events"); n != 8 {
		t.Errorf("events has %d rows after drop --tables and a run, want 8", n)
	}
	if n := count(t, d, "select count(*) from events__tags"); n != 16 {
		t.Errorf("events__tags has %d rows, want 16", n)
	}
}

func TestPipelineDropAsksOnATerminal(t *testing.T) {
	fx := newInspectFixture(t)
	old := stdinIsTerminal
	stdinIsTerminal = func() bool { return true }
	defer func() { stdinIsTerminal = old }()
	for _, tc := range []struct {
		answer string
		reset  bool
	}{{"n\n", false}, {"\n", false}, {"yes\n", true}} {
		var out, errb bytes.Buffer
		root := newRootCmd(&out, console.New(&errb), false)
		root.SetIn(strings.NewReader(tc.answer))
		root.SetArgs([]string{"pipeline", "ev", "drop", "--pipelines-dir", fx.pd})
		if err := root.ExecuteContext(context.Background()); err != nil {
			t.Fatalf("answer %q: %v\n%s", tc.answer, err, errb.String())
		}
		if !strings.Contains(errb.String(), "[y/N]") {
			t.Errorf("answer %q: no question asked:\n%s", tc.answer, errb.String())
		}
		_, st, _ := sluice(t, "pipeline", "ev", "state", "--pipelines-dir", fx.pd)
		if reset := !strings.Contains(st, "last_value 8"); reset != tc.reset {
			t.Errorf("answer %q: reset %v, want %v\n%s", tc.answer, reset, tc.reset, st)
		}
	}
}

func TestPipelineList(t *testing.T) {
	fx := newInspectFixture(t)
	code, out, errs := sluice(t, "pipeline", "--pipelines-dir", fx.pd)
	if code != 0 || !strings.Contains(out, "  ev  sqlite "+fx.db+", last load ") {
		t.Errorf("list: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = sluice(t, "pipeline", "--pipelines-dir", t.TempDir())
	if code != 0 || !strings.Contains(out, "No pipeline has loaded") {
		t.Errorf("empty list: exit %d\n%s", code, out)
	}
}

func TestPipelineUnknown(t *testing.T) {
	pd := t.TempDir()
	if code, _, errs := sluice(t, "pipeline", "nope", "info", "--pipelines-dir", pd); code != 2 || !strings.Contains(errs, `no pipeline "nope"`) {
		t.Errorf("unknown pipeline: exit %d\n%s", code, errs)
	}
	if code, _, errs := sluice(t, "pipeline", "nope", "frobnicate"); code != 2 || !strings.Contains(errs, "expected info, state or drop") {
		t.Errorf("unknown action: exit %d\n%s", code, errs)
	}
	// --db names a file that does not exist: info says nothing was loaded, and creates nothing
	db := filepath.Join(t.TempDir(), "none.db")
	code, out, errs := sluice(t, "pipeline", "nope", "info", "--pipelines-dir", pd, "--db", db)
	if code != 0 || !strings.Contains(out, "nothing was loaded yet") {
		t.Errorf("missing db: exit %d\n%s\n%s", code, out, errs)
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("info created the database file")
	}
}
