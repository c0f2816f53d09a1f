package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Secret values of the cassette tests: none may appear in a cassette.
const (
	casBearer       = "bearer-Tk7-secret-value"
	casAPIKey       = "apikey-Zq9-secret-value"
	casClientID     = "client-id-Wm4-value"
	casClientSecret = "client-secret-Hx2-value"
	casAccessToken  = "access-token-Pn8-issued"
)

// casAPI serves three resources, each behind its own credentials (a
// bearer token, an api_key query parameter, an OAuth2 access token from
// POST /token), two pages each, and answers the first request of
// /flaky with a 503.
func casAPI(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var requests, flaky atomic.Int64
	page := func(w http.ResponseWriter, r *http.Request, prefix string) {
		n, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if n == 0 {
			n = 1
		}
		var next any
		if n < 2 {
			q := r.URL.Query()
			q.Set("page", strconv.Itoa(n+1))
			next = "http://" + r.Host + r.URL.Path + "?" + q.Encode()
		}
		data := []map[string]any{}
		for i := 1; i <= 3; i++ {
			id := (n-1)*3 + i
			data = append(data, map[string]any{"id": id, "name": fmt.Sprintf("%s %d", prefix, id), "tags": []string{"a", prefix}})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"data": data, "next": next})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		if id != casClientID || secret != casClientSecret {
			http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600}`, casAccessToken)
	})
	mux.HandleFunc("GET /bearer", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+casBearer {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		page(w, r, "bearer")
	})
	mux.HandleFunc("GET /keyed", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("api_key") != casAPIKey {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		page(w, r, "keyed")
	})
	mux.HandleFunc("GET /oauth", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+casAccessToken {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		if flaky.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, `{"error":"busy"}`, http.StatusServiceUnavailable)
			return
		}
		page(w, r, "oauth")
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &requests
}

// casPipeline is the pipeline of the cassette tests; steps are added to
// the bearer resource's processing_steps.
func casPipeline(steps string) string {
	return `pipeline: {name: cas}
source:
  client:
    base_url: "${CAS_API_URL}"
    paginator: {type: json_link, next_url_path: next}
    rate_limit: {requests_per_second: 4}
    retry: {backoff_factor: 20}
  resource_defaults:
    endpoint: {data_selector: data}
  resources:
    - name: bearer_items
      endpoint:
        path: bearer
        auth: {type: bearer, token: "${CAS_BEARER}"}
` + steps + `
    - name: keyed_items
      endpoint:
        path: keyed
        auth: {type: api_key, name: api_key, location: query, api_key: "${CAS_API_KEY}"}
    - name: oauth_items
      endpoint:
        path: oauth
        auth: {type: oauth2_client_credentials, access_token_url: "${CAS_API_URL}/token", client_id: "${CAS_CLIENT_ID}", client_secret: "${CAS_CLIENT_SECRET}"}
`
}

func setCasEnv(t *testing.T, url string) {
	t.Setenv("CAS_API_URL", url)
	t.Setenv("CAS_BEARER", casBearer)
	t.Setenv("CAS_API_KEY", casAPIKey)
	t.Setenv("CAS_CLIENT_ID", casClientID)
	t.Setenv("CAS_CLIENT_SECRET", casClientSecret)
}

// TestRecordReplayAndTest goes through the feature as a new user would:
// record against a server, check the cassette holds no secret, stop the
// server, replay (the same tables and rows, fast despite the recorded
// 503 and the rate limit), write a golden summary, change a map step
// (sluice test fails naming the table and column), accept it with
// --update, and lose a request (the nearest one is shown).
func TestRecordReplayAndTest(t *testing.T) {
	srv, requests := casAPI(t)
	setCasEnv(t, srv.URL)
	dir := t.TempDir()
	p := filepath.Join(dir, "cas.yaml")
	if err := os.WriteFile(p, []byte(casPipeline("")), 0o644); err != nil {
		t.Fatal(err)
	}
	cas := filepath.Join(dir, "cas.cassette")
	recDB := filepath.Join(dir, "rec.db")
	code, out, errs := sluice(t, "run", p, "--record", cas, "--db", recDB, "--pipelines-dir", filepath.Join(dir, "pl1"), "--progress", "none")
	if code != 0 {
		t.Fatalf("record: exit %d\n%s\n%s", code, out, errs)
	}
	files, _ := filepath.Glob(filepath.Join(cas, "*.yaml"))
	// 2 pages × 3 resources, the token request and the 503.
	if len(files) != 8 || requests.Load() != 8 {
		t.Fatalf("%d cassette files for %d requests, want 8 and 8: %v", len(files), requests.Load(), files)
	}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		for _, secret := range []string{casBearer, casAPIKey, casClientID, casClientSecret, casAccessToken, srv.URL} {
			if strings.Contains(string(data), secret) {
				t.Errorf("%s holds the secret %q:\n%s", filepath.Base(f), secret, data)
			}
		}
	}

	// No server any more, another origin, and other secret values: the
	// replay matches on the redacted requests.
	srv.Close()
	t.Setenv("CAS_API_URL", "http://127.0.0.1:9")
	t.Setenv("CAS_BEARER", "another-bearer-value")
	t.Setenv("CAS_CLIENT_SECRET", "another-client-secret")
	repDB := filepath.Join(dir, "rep.db")
	start := time.Now()
	code, out, errs = sluice(t, "run", p, "--replay", cas, "--db", repDB, "--pipelines-dir", filepath.Join(dir, "pl2"), "--progress", "none")
	if code != 0 {
		t.Fatalf("replay: exit %d\n%s\n%s", code, out, errs)
	}
	if took := time.Since(start); took > 1200*time.Millisecond {
		t.Errorf("the replay took %s: retries or the rate limit waited", took)
	}
	ctx := context.Background()
	rec, err := summarizeDB(ctx, recDB, "cas")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := summarizeDB(ctx, repDB, "cas")
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Tables) != 6 || rec.Tables["oauth_items"] == nil || rec.Tables["oauth_items"].Rows != 6 {
		t.Fatalf("the recorded load has the wrong tables: %+v", rec.Tables)
	}
	recYAML, _ := rec.Marshal()
	repYAML, _ := rep.Marshal()
	if string(recYAML) != string(repYAML) {
		t.Errorf("the replay loaded other data than the recording:\n%s\nwant\n%s", repYAML, recYAML)
	}

	// sluice test: no golden yet, then --update, then the same.
	if code, _, errs := sluice(t, "test", p); code != 2 || !strings.Contains(errs, "--update") {
		t.Errorf("test without a golden file: exit %d, want 2 and a hint:\n%s", code, errs)
	}
	if code, out, errs := sluice(t, "test", p, "--update"); code != 0 || !strings.Contains(out, "wrote") {
		t.Fatalf("test --update: exit %d\n%s\n%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "cas.golden.yaml")); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := sluice(t, "test", p); code != 0 || !strings.Contains(out, "ok ") {
		t.Fatalf("test: exit %d\n%s\n%s", code, out, errs)
	}

	// A changed map step: exit 1, naming the table and the column.
	step := `      processing_steps:
        - map: {js: "({...item, name: item.name.toUpperCase()})"}`
	if err := os.WriteFile(p, []byte(casPipeline(step)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs = sluice(t, "test", p)
	if code != 1 || !strings.Contains(errs, "table bearer_items, column name: values differ") {
		t.Fatalf("test after a map change: exit %d, want 1 and the column named:\n%s", code, errs)
	}
	for _, other := range []string{"keyed_items", "oauth_items", "bearer_items__tags"} {
		if strings.Contains(errs, "table "+other) {
			t.Errorf("the diff names %s, which did not change:\n%s", other, errs)
		}
	}
	if code, out, errs := sluice(t, "test", p, "--update"); code != 0 {
		t.Fatalf("test --update: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := sluice(t, "test", p); code != 0 {
		t.Fatalf("test after --update: exit %d\n%s\n%s", code, out, errs)
	}

	// A request the cassette lacks: the run fails and shows the nearest.
	page2, _ := filepath.Glob(filepath.Join(cas, "get-keyed-*.yaml"))
	var removed string
	for _, f := range page2 {
		data, _ := os.ReadFile(f)
		if strings.Contains(string(data), "page=2") && strings.Contains(string(data), "url: '{{origin}}/keyed") {
			removed = f
		}
	}
	if removed == "" {
		t.Fatalf("no recorded second page of keyed in %v", page2)
	}
	if err := os.Remove(removed); err != nil {
		t.Fatal(err)
	}
	code, _, errs = sluice(t, "run", p, "--replay", cas, "--db", filepath.Join(dir, "miss.db"), "--pipelines-dir", filepath.Join(dir, "pl3"), "--progress", "none")
	if code != 1 || !strings.Contains(errs, "has no recorded answer for GET {{origin}}/keyed?page=2&api_key=***") ||
		!strings.Contains(errs, "the nearest recorded request is GET {{origin}}/keyed") || strings.Contains(errs, "giving up after") {
		t.Errorf("replay of a missing request: exit %d, want 1, the request and the nearest one, no retries:\n%s", code, errs)
	}
	if code, _, _ := sluice(t, "test", p); code != 1 {
		t.Errorf("test with a request missing: exit %d, want 1", code)
	}
}

// TestTestIncrementalRuns replays run-1 and run-2 into one database.
func TestTestIncrementalRuns(t *testing.T) {
	srv, _ := casAPI(t)
	setCasEnv(t, srv.URL)
	dir := t.TempDir()
	p := filepath.Join(dir, "inc.yaml")
	yaml := strings.Replace(casPipeline(""), "pipeline: {name: cas}", "pipeline: {name: inc}", 1)
	yaml = strings.Replace(yaml, "        path: keyed\n", "        path: keyed\n        incremental: {cursor_path: id, initial_value: 0}\n        params: {since: \"{incremental.start_value}\"}\n", 1)
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	pl := filepath.Join(dir, "pl")
	for _, run := range []string{"run-1", "run-2"} {
		cas := filepath.Join(dir, "inc.cassette", run)
		if code, out, errs := sluice(t, "run", p, "--record", cas, "--db", filepath.Join(dir, "rec.db"), "--pipelines-dir", pl, "--progress", "none"); code != 0 {
			t.Fatalf("record %s: exit %d\n%s\n%s", run, code, out, errs)
		}
	}
	srv.Close()
	if code, out, errs := sluice(t, "test", p, "--update"); code != 0 || !strings.Contains(out, "wrote") {
		t.Fatalf("test --update: exit %d\n%s\n%s", code, out, errs)
	}
	golden, _ := os.ReadFile(filepath.Join(dir, "inc.golden.yaml"))
	// bearer_items is appended twice (append is dlt's default); the
	// incremental keyed_items keeps its 6 rows, since run 2 sees no new id.
	for _, want := range []string{"bearer_items:\n    rows: 12", "keyed_items:\n    rows: 6"} {
		if !strings.Contains(string(golden), want) {
			t.Errorf("the golden summary lacks %q:\n%s", want, golden)
		}
	}
	run2, _ := filepath.Glob(filepath.Join(dir, "inc.cassette", "run-2", "get-keyed-*.yaml"))
	if len(run2) == 0 {
		t.Fatal("run-2 recorded no keyed request")
	}
	if data, _ := os.ReadFile(run2[0]); !strings.Contains(string(data), "since=6") {
		t.Errorf("run 2 did not ask for the records since the cursor of run 1:\n%s", data)
	}
	if code, out, errs := sluice(t, "test", p); code != 0 {
		t.Fatalf("test: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := sluice(t, "test", p, "--cassette", filepath.Join(dir, "inc.cassette", "run-2")); code != 1 {
		t.Errorf("test of run-2 alone: exit %d, want 1 (other rows)\n%s", code, errs)
	}
}
