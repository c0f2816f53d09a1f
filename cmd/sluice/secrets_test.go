package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sluicehq/sluice/internal/demoapi"
)

// The secret of the end-to-end secret tests: its variable's name (GH) says
// nothing about it being a secret.
const (
	ghSecret    = "gh-Zq8vR2xK5mP1wL"
	bearerValue = "demo-bearer-Tk7Qx9"
)

// secretForms are the spellings a secret can leak in.
func secretForms(s string) []string {
	return []string{s, url.QueryEscape(s), url.PathEscape(s)}
}

// assertNoSecret fails when any of the texts holds a secret in any form.
func assertNoSecret(t *testing.T, where string, texts ...string) {
	t.Helper()
	assertNone(t, where, []string{ghSecret, bearerValue}, texts...)
}

// assertNone fails when any of the texts holds one of secrets in any form.
func assertNone(t *testing.T, where string, secrets []string, texts ...string) {
	t.Helper()
	for _, txt := range texts {
		for _, s := range secrets {
			for _, f := range secretForms(s) {
				if strings.Contains(txt, f) {
					t.Errorf("%s contains the secret %q:\n%s", where, f, txt)
					return
				}
			}
		}
	}
}

// assertNoSecretInTree fails when any file under dir holds a secret
// (ghSecret, bearerValue or one of extra).
func assertNoSecretInTree(t *testing.T, dir string, extra ...string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		assertNone(t, p, append([]string{ghSecret, bearerValue}, extra...), string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatalf("no file under %s", dir)
	}
}

// tenantAPI serves the demo API under /<ghSecret>/, so that the secret is
// part of the base_url's path, and requires the bearer token. Its next
// links point at the API's root (with the access_key in their query).
func tenantAPI(t *testing.T) *httptest.Server {
	api := demoapi.New(demoapi.Options{Users: 30, PageSize: 10, Token: bearerValue, Seed: 3})
	mux := http.NewServeMux()
	mux.Handle("/"+ghSecret+"/", http.StripPrefix("/"+ghSecret, api))
	mux.Handle("/", api)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// secretPipeline puts ${GH} in the base_url's path, in a header and in a
// query parameter, and ${DEMO} in the bearer auth.
func secretPipeline(t *testing.T, srvURL string) string {
	t.Helper()
	return writePipeline(t, fmt.Sprintf(`
pipeline: {name: secrets_e2e}
source:
  client:
    base_url: "%s/${GH}/"
    headers: {X-Custom-Auth: "${GH}"}
    auth: {type: bearer, token: "${DEMO}"}
  resources:
    - name: users
      endpoint:
        path: users
        params: {access_key: "${GH}"}
        data_selector: data
        paginator: {type: json_link, next_url_path: pagination.next}
`, srvURL))
}

// TestSecretsNeverPrinted: a secret given through ${ANY_NAME} in the
// base_url, a header and a param appears in no output at any log level,
// in no error (a 401), in no state or schema file, in no --format json
// summary and in no validate output.
func TestSecretsNeverPrinted(t *testing.T) {
	srv := tenantAPI(t)
	t.Setenv("GH", ghSecret)
	t.Setenv("DEMO", bearerValue)
	p := secretPipeline(t, srv.URL)

	t.Run("summary", func(t *testing.T) {
		// a database path and a dataset from ${…} are secrets too, and the
		// summary on stdout names them
		dir := t.TempDir()
		t.Setenv("OUT_DB", filepath.Join(dir, ghSecret+".db"))
		t.Setenv("DS", ghSecret+"_ds")
		body, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		q := writePipeline(t, strings.Replace(string(body), "pipeline: {name: secrets_e2e}",
			`pipeline: {name: secrets_e2e, destination: {type: sqlite, path: "${OUT_DB}"}, dataset: "${DS}"}`, 1))
		for _, format := range []string{"text", "json"} {
			code, stdout, stderr := sluice(t, "run", q, "--pipelines-dir", filepath.Join(dir, "pipelines"), "--format", format)
			if code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			assertNoSecret(t, "the summary", stdout, stderr)
			if !strings.Contains(stdout, "***") || (format == "json" && !json.Valid([]byte(stdout))) {
				t.Errorf("summary:\n%s", stdout)
			}
		}
		code, stdout, stderr := sluice(t, "validate", q)
		if code != 0 {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		assertNoSecret(t, "validate", stdout, stderr)
	})

	t.Run("secrets.toml and dlt-style names", func(t *testing.T) {
		const fromTOML, fromDltEnv = "toml-Secret-Vq3xN", "dltenv-Secret-Rw8kJ"
		body, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		src := strings.Replace(string(body), `headers: {X-Custom-Auth: "${GH}"}`, `headers: {X-Custom-Auth: "${sources.demo.gh}", X-Other: "${sources.env.gh}"}`, 1)
		src = strings.Replace(src, `params: {access_key: "${GH}"}`, `params: {access_key: "${sources.env.gh}", q: "${sources.demo.gh}"}`, 1)
		q := writePipeline(t, src)
		toml := "[sources.demo]\ngh = \"" + fromTOML + "\"\n"
		if err := os.WriteFile(filepath.Join(filepath.Dir(q), "secrets.toml"), []byte(toml), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv("SOURCES__ENV__GH", fromDltEnv)
		dir := t.TempDir()
		code, stdout, stderr := sluice(t, "run", q, "--db", filepath.Join(dir, "out.db"), "--pipelines-dir", filepath.Join(dir, "pipelines"), "--log-level", "debug")
		if code != 0 {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		if !strings.Contains(stderr, "X-Other:[***]") || !strings.Contains(stderr, "q=***") {
			t.Errorf("the debug log does not show the masked values:\n%s", stderr)
		}
		assertNone(t, "the output", []string{ghSecret, bearerValue, fromTOML, fromDltEnv}, stdout, stderr)
		assertNoSecretInTree(t, dir, fromTOML, fromDltEnv)
	})

	for _, level := range []string{"debug", "info", "warn", "error"} {
		for _, format := range []string{"text", "json"} {
			t.Run("run/"+level+"/"+format, func(t *testing.T) {
				dir := t.TempDir()
				db := filepath.Join(dir, "out.db")
				pipelines := filepath.Join(dir, "pipelines")
				code, stdout, stderr := sluice(t, "run", p, "--db", db, "--pipelines-dir", pipelines,
					"--log-level", level, "--progress", "log", "--format", format)
				if code != 0 {
					t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
				}
				if n := count(t, openDB(t, db), "select count(*) from users"); n != 30 {
					t.Fatalf("%d users loaded, want 30 (the secret did not reach the API?)", n)
				}
				assertNoSecret(t, "the output", stdout, stderr)
				if level == "debug" && (!strings.Contains(stderr, "X-Custom-Auth") || !strings.Contains(stderr, "access_key=***")) {
					t.Errorf("debug output does not show the masked header and param:\n%s", stderr)
				}
				if format == "json" && !json.Valid([]byte(stdout)) {
					t.Errorf("--format json printed no JSON:\n%s", stdout)
				}
				// state.json, the stored schema, and the database with
				// _dlt_pipeline_state
				assertNoSecretInTree(t, dir)
			})
		}
	}

	t.Run("401", func(t *testing.T) {
		t.Setenv("DEMO", "wrong-bearer-value")
		for _, level := range []string{"debug", "info", "warn", "error"} {
			dir := t.TempDir()
			code, stdout, stderr := sluice(t, "run", p, "--db", filepath.Join(dir, "out.db"),
				"--pipelines-dir", filepath.Join(dir, "pipelines"), "--log-level", level)
			if code != 1 || !strings.Contains(stderr, "401") {
				t.Fatalf("level %s: exit %d, want 1 with the 401\nstderr:\n%s", level, code, stderr)
			}
			assertNoSecret(t, "the 401 output at "+level, stdout, stderr)
			// the error keeps what follows the masked URL
			if !strings.Contains(stderr, "/***/users?access_key=***: 401 Unauthorized") {
				t.Errorf("level %s: the error does not show the masked URL and the status:\n%s", level, stderr)
			}
		}
	})

	t.Run("validate", func(t *testing.T) {
		code, stdout, stderr := sluice(t, "validate", p)
		if code != 0 {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		assertNoSecret(t, "validate", stdout, stderr)

		broken := writePipeline(t, `
pipeline: {name: "${GH}"}
source:
  client:
    base_url: "${GH}"
    headers: {X-Custom-Auth: "${GH}"}
    auth_origins: ["${GH}"]
  resources:
    - name: users
      write_disposition: "${GH}"
      endpoint:
        path: users
        method: "${GH}"
        params: {access_key: "${GH}", "${GH}": 1}
        paginator: {type: "${GH}"}
`)
		code, stdout, stderr = sluice(t, "validate", broken)
		if code != 2 || strings.Count(stdout+stderr, "line ") < 4 {
			t.Fatalf("exit %d, want 2 with several problems\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		assertNoSecret(t, "validate of a broken file", stdout, stderr)
		code, stdout, stderr = sluice(t, "run", broken, "--pipelines-dir", t.TempDir(), "--db", filepath.Join(t.TempDir(), "x.db"))
		if code != 2 {
			t.Fatalf("run of a broken file: exit %d\n%s%s", code, stdout, stderr)
		}
		assertNoSecret(t, "run of a broken file", stdout, stderr)
	})
}

// hostB records what a second origin receives.
type hostB struct {
	mu      sync.Mutex
	headers []http.Header
	queries []url.Values
}

// TestNextLinkToAnotherHost: a next link to another origin gets no
// credentials (no auth, no secret header), a warning says why, its 401
// says how to opt in, and client.auth_origins opts in.
func TestNextLinkToAnotherHost(t *testing.T) {
	var b hostB
	status := http.StatusOK
	srvB := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.headers = append(b.headers, r.Header.Clone())
		b.queries = append(b.queries, r.URL.Query())
		st := status
		b.mu.Unlock()
		w.WriteHeader(st)
		fmt.Fprint(w, `{"data": [{"id": 3}], "next": null}`)
	}))
	defer srvB.Close()
	srvA := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+bearerValue || r.Header.Get("X-Custom-Auth") != ghSecret {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, `{"data": [{"id": 1}, {"id": 2}], "next": %q}`, srvB.URL+"/page2")
	}))
	defer srvA.Close()
	t.Setenv("GH", ghSecret)
	t.Setenv("DEMO", bearerValue)

	pipeline := func(extra string) string {
		return writePipeline(t, fmt.Sprintf(`
pipeline: {name: hosts}
source:
  client:
    base_url: "%s/"
    headers: {X-Custom-Auth: "${GH}", X-Public: hello}
    auth: {type: bearer, token: "${DEMO}"}
    %s
  resources:
    - name: items
      endpoint:
        path: items
        params: {access_key: "${GH}"}
        data_selector: data
        paginator: {type: json_link, next_url_path: next}
`, srvA.URL, extra))
	}
	runIt := func(p string) (int, string, string) {
		dir := t.TempDir()
		return sluice(t, "run", p, "--db", filepath.Join(dir, "out.db"), "--pipelines-dir", dir)
	}
	last := func() (http.Header, url.Values) {
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.headers[len(b.headers)-1], b.queries[len(b.queries)-1]
	}

	code, stdout, stderr := runIt(pipeline(""))
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	h, q := last()
	if h.Get("Authorization") != "" || h.Get("X-Custom-Auth") != "" || q.Get("access_key") != "" {
		t.Errorf("the other host got credentials: %v %v", h, q)
	}
	if h.Get("X-Public") != "hello" {
		t.Errorf("the other host did not get the public header: %v", h)
	}
	if strings.Count(stderr, "sending it without credentials") != 1 || !strings.Contains(stderr, "client.auth_origins") {
		t.Errorf("no single warning at the default level:\n%s", stderr)
	}
	assertNoSecret(t, "the output", stdout, stderr)

	b.mu.Lock()
	status = http.StatusUnauthorized
	b.mu.Unlock()
	code, stdout, stderr = runIt(pipeline(""))
	if code != 1 || !strings.Contains(stderr, "401") || !strings.Contains(stderr, "sent without credentials") {
		t.Errorf("a 401 from the other host does not say why: exit %d\n%s", code, stderr)
	}
	assertNoSecret(t, "the 401 output", stdout, stderr)

	b.mu.Lock()
	status = http.StatusOK
	b.mu.Unlock()
	code, stdout, stderr = runIt(pipeline(fmt.Sprintf("auth_origins: [%q]", srvB.URL)))
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if h, _ := last(); h.Get("Authorization") != "Bearer "+bearerValue || h.Get("X-Custom-Auth") != ghSecret {
		t.Errorf("an origin in auth_origins did not get the credentials: %v", h)
	}
	if strings.Contains(stderr, "without credentials") {
		t.Errorf("a warning for an opted-in origin:\n%s", stderr)
	}
}

// TestUnsetSecretNamed: a secret field (bearer's token) whose ${…} is not
// set is a problem that names the variable: its unresolved text is not a
// secret to mask.
func TestUnsetSecretNamed(t *testing.T) {
	t.Setenv("SLUICE_TEST_UNSET_TOKEN", "")
	os.Unsetenv("SLUICE_TEST_UNSET_TOKEN")
	path := writePipeline(t, "pipeline: {name: s}\nsource:\n  client:\n    base_url: \"https://x.test/\"\n    auth: {type: bearer, token: \"${SLUICE_TEST_UNSET_TOKEN}\"}\n  resources: [a]\n")
	code, _, stderr := sluice(t, "validate", path)
	if code != 2 || !strings.Contains(stderr, "missing value for ${SLUICE_TEST_UNSET_TOKEN}") {
		t.Errorf("validate: exit %d, stderr:\n%s", code, stderr)
	}
}
