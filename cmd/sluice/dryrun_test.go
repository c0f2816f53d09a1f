package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sluicehq/sluice/runtime/pipeline"
)

func TestDryRunSendsAndWritesNothing(t *testing.T) {
	const token, apiKey, bodySecret = "dry-b3arer-t0ken-value", "dry-ap1-key-value", "dry-b0dy-secret-value"
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests.Add(1) }))
	defer srv.Close()
	t.Setenv("TOKEN", token)
	t.Setenv("API_KEY", apiKey)
	dir := t.TempDir()
	p := filepath.Join(dir, "dry.yaml")
	yml := fmt.Sprintf(`
pipeline: {name: dry}
source:
  client: {base_url: "%s/v1/", auth: {type: bearer, token: "${TOKEN}"}}
  resources:
    - name: users
      endpoint:
        path: users
        params: {api_key: "${API_KEY}", sort: name}
        data_selector: items
        paginator: {type: offset, limit: 50}
    - name: orders
      endpoint:
        path: users/{resources.users.id}/orders
        params: {since: "{incremental.start_value}"}
        incremental: {cursor_path: updated, initial_value: "2024-01-01"}
    - name: search
      endpoint:
        path: search
        method: POST
        json: {q: "x", secret: "${BODY_SECRET}"}
    - name: private
      endpoint:
        path: private
        auth: {type: oauth2_client_credentials, client_id: me, client_secret: "${BODY_SECRET}", access_token_url: "%s/token"}
`, srv.URL, srv.URL)
	t.Setenv("BODY_SECRET", bodySecret)
	if err := os.WriteFile(p, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "out", "dry.db")
	pd := filepath.Join(dir, "pipelines")
	code, stdout, stderr := sluice(t, "run", p, "--dry-run", "--db", db, "--pipelines-dir", pd)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, secret := range []string{token, apiKey, bodySecret} {
		if strings.Contains(stdout+stderr, secret) {
			t.Errorf("%q appears in the dry run:\n%s\n%s", secret, stdout, stderr)
		}
	}
	for _, want := range []string{
		"resource users\n  GET " + srv.URL + "/v1/users?api_key=***&limit=50&offset=0&sort=name\n",
		"  Authorization: Bearer ***\n",
		"  paginator: {type: offset, limit: 50}\n  data_selector: items\n",
		"resource orders (depends on users)\n  GET " + srv.URL + "/v1/users/{resources.users.id}/orders?since=2024-01-01\n",
		"  data_selector: " + pipeline.Detected,
		"  paginator: " + pipeline.Detected,
		"  incremental: cursor updated, start_value 2024-01-01 (initial_value: no state yet)",
		"resource search\n  POST " + srv.URL + "/v1/search\n",
		`  body: {"q":"x","secret":"***"}`,
		"  Content-Type: application/json\n",
		"resource private\n  GET " + srv.URL + "/v1/private\n",
		"  auth: oauth2_client_credentials (endpoint.auth)\n",
		"  note: the auth is applied at run time: it needs a request of its own (a token), which a dry run does not send\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the dry run lacks %q:\n%s", want, stdout)
		}
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("the dry run sent %d request(s)", n)
	}
	for _, path := range []string{filepath.Dir(db), pd} {
		if _, err := os.Stat(path); err == nil {
			t.Errorf("the dry run created %s", path)
		}
	}

	// the same as JSON
	code, stdout, stderr = sluice(t, "run", p, "--dry-run", "--format", "json", "--db", db, "--pipelines-dir", pd, "--resources", "orders")
	if code != 0 {
		t.Fatalf("json: exit %d\n%s\n%s", code, stdout, stderr)
	}
	var rep dryRunReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if len(rep.Resources) != 2 || rep.Resources[0].Loaded || !rep.Resources[1].Loaded || rep.Resources[1].Parent != "users" {
		t.Errorf("plans for --resources orders: %+v", rep.Resources)
	}
	if strings.Contains(stdout, token) || strings.Contains(stdout, apiKey) {
		t.Errorf("a secret in the JSON dry run:\n%s", stdout)
	}
}

// TestDryRunWithCassette: a dry run sends nothing, so asking it to record
// or replay is refused rather than leaving an empty cassette in silence.
func TestDryRunWithCassette(t *testing.T) {
	path := writePipeline(t, "pipeline: {name: d}\nsource:\n  client: {base_url: \"https://x.test/\"}\n  resources: [a]\n")
	for _, flag := range []string{"--record", "--replay"} {
		code, _, stderr, _ := runHere(t, path, "--dry-run", flag, t.TempDir())
		if code != 2 || !strings.Contains(stderr, "--dry-run sends no request, so there is nothing to --record or --replay") {
			t.Errorf("%s: exit %d, stderr:\n%s", flag, code, stderr)
		}
	}
}
