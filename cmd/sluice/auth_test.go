package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The credentials the auth API knows, in the environment as a user keeps
// them.
const (
	authUser     = "ada"
	authPassword = "pw-Lq3Zr8"
	authKey      = "key-Vn5Xc2"
	authClientID = "cid-Hs4Pw1"
	authSecret   = "csec-Jt6Mb9"
)

// authAPI serves /<resource>?page=N, three pages of 10 records each with a
// JSON next link, to requests whose credentials check accepts (else 401),
// and an OAuth2 token endpoint at /token that issues tok-1, tok-2, … with
// expires_in ttl. It records what it saw.
type authAPI struct {
	*httptest.Server
	check     func(r *http.Request, tokenOK func(string) bool) bool
	ttl       int
	basic     bool // the token endpoint wants client_secret_basic
	pageDelay time.Duration
	revoke    atomic.Int32 // after this many API requests tok-1 is refused (0: never)

	mu      sync.Mutex
	issued  []time.Time // when each token was issued
	apiReqs int
	denied  int
	authz   map[string][]string // path → Authorization headers seen
}

func newAuthAPI(t *testing.T, check func(r *http.Request, tokenOK func(string) bool) bool) *authAPI {
	a := &authAPI{check: check, ttl: 3600, authz: map[string][]string{}}
	a.Server = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.Close)
	return a
}

func (a *authAPI) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/token" {
		_ = r.ParseForm()
		id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		if a.basic {
			id, secret, _ = r.BasicAuth()
		}
		if r.PostForm.Get("grant_type") != "client_credentials" || id != authClientID || secret != authSecret {
			http.Error(w, `{"error": "invalid_client"}`, http.StatusUnauthorized)
			return
		}
		a.mu.Lock()
		a.issued = append(a.issued, time.Now())
		n := len(a.issued)
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token": "tok-%d", "token_type": "Bearer", "expires_in": %d}`, n, a.ttl)
		return
	}
	a.mu.Lock()
	a.apiReqs++
	nreq := a.apiReqs
	a.authz[r.URL.Path] = append(a.authz[r.URL.Path], r.Header.Get("Authorization"))
	a.mu.Unlock()
	tokenOK := func(tok string) bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		n, err := strconv.Atoi(strings.TrimPrefix(tok, "tok-"))
		if err != nil || n < 1 || n > len(a.issued) {
			return false
		}
		if rv := int(a.revoke.Load()); n == 1 && rv > 0 && nreq > rv {
			return false
		}
		// a token is good until it expires
		return time.Since(a.issued[n-1]) < time.Duration(a.ttl)*time.Second
	}
	if !a.check(r, tokenOK) {
		a.mu.Lock()
		a.denied++
		a.mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"message": "bad credentials"}`)
		return
	}
	time.Sleep(a.pageDelay)
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	var data []map[string]any
	for i := range 10 {
		data = append(data, map[string]any{"id": (page-1)*10 + i + 1, "name": fmt.Sprintf("n%d", i)})
	}
	body := map[string]any{"data": data, "next": nil}
	if page < 3 {
		body["next"] = fmt.Sprintf("http://%s%s?page=%d", r.Host, r.URL.Path, page+1)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

func bearerToken(r *http.Request) string {
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

// authPipeline writes a pipeline with resources a and b (and more YAML
// resources in extra) under a client with auth.
func authPipeline(t *testing.T, name, base, auth, extra string) string {
	t.Helper()
	return writePipeline(t, fmt.Sprintf(`
pipeline: {name: %s}
source:
  client:
    base_url: "%s"
    auth: %s
    paginator: {type: json_link, next_url_path: next}
  resource_defaults:
    endpoint: {data_selector: data}
  resources:
    - a
    - b
%s`, name, base, auth, extra))
}

func runAuth(t *testing.T, p string) (db string, stdout, stderr string) {
	t.Helper()
	db = filepath.Join(t.TempDir(), "out.db")
	code, stdout, stderr := sluice(t, "run", p, "--db", db, "--pipelines-dir", t.TempDir(), "--log-level", "debug", "--progress", "none")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	return db, stdout, stderr
}

func setAuthEnv(t *testing.T) {
	for k, v := range map[string]string{"USER": authUser, "PASSWORD": authPassword, "KEY": authKey,
		"CLIENT_ID": authClientID, "CLIENT_SECRET": authSecret} {
		t.Setenv("AUTH_"+k, v)
	}
}

var authSecrets = []string{authPassword, authKey, authClientID, authSecret}

// TestRunAuths: every built-in auth loads both resources through the CLI.
func TestRunAuths(t *testing.T) {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(authUser+":"+authPassword))
	tests := []struct {
		name  string
		auth  string
		basic bool
		check func(r *http.Request, tokenOK func(string) bool) bool
	}{
		{"bearer without type", `{token: "${AUTH_KEY}"}`, false,
			func(r *http.Request, _ func(string) bool) bool {
				return r.Header.Get("Authorization") == "Bearer "+authKey
			}},
		{"http_basic", `{type: http_basic, username: "${AUTH_USER}", password: "${AUTH_PASSWORD}"}`, false,
			func(r *http.Request, _ func(string) bool) bool { return r.Header.Get("Authorization") == basic }},
		{"api_key header", `{type: api_key, name: X-API-Key, api_key: "${AUTH_KEY}"}`, false,
			func(r *http.Request, _ func(string) bool) bool { return r.Header.Get("X-Api-Key") == authKey }},
		{"api_key query", `{type: api_key, name: api_key, location: query, api_key: "${AUTH_KEY}"}`, false,
			func(r *http.Request, _ func(string) bool) bool {
				q := r.URL.Query()["api_key"]
				return len(q) == 1 && q[0] == authKey
			}},
		{"api_key cookie", `{type: api_key, name: sid, location: cookie, api_key: "${AUTH_KEY}"}`, false,
			func(r *http.Request, _ func(string) bool) bool {
				c, err := r.Cookie("sid")
				return err == nil && c.Value == authKey
			}},
		{"oauth2 client_secret_post", `{type: oauth2_client_credentials, access_token_url: "TOKEN_URL", client_id: "${AUTH_CLIENT_ID}", client_secret: "${AUTH_CLIENT_SECRET}"}`, false,
			func(r *http.Request, ok func(string) bool) bool { return ok(bearerToken(r)) }},
		{"oauth2 client_secret_basic", `{type: oauth2_client_credentials, access_token_url: "TOKEN_URL", client_auth: client_secret_basic, client_id: "${AUTH_CLIENT_ID}", client_secret: "${AUTH_CLIENT_SECRET}"}`, true,
			func(r *http.Request, ok func(string) bool) bool { return ok(bearerToken(r)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setAuthEnv(t)
			api := newAuthAPI(t, tt.check)
			api.basic = tt.basic
			p := authPipeline(t, "auth_e2e", api.URL, strings.ReplaceAll(tt.auth, "TOKEN_URL", api.URL+"/token"), "")
			db, stdout, stderr := runAuth(t, p)
			// "tok-1" is the OAuth2 token: a fetched token is a secret too.
			assertNone(t, "the output", append(authSecrets, basic[len("Basic "):], "tok-1"), stdout, stderr)
			d := openDB(t, db)
			for _, table := range []string{"a", "b"} {
				if n := count(t, d, "select count(distinct id) from "+table); n != 30 {
					t.Errorf("%s has %d distinct ids, want 30", table, n)
				}
			}
			if api.denied != 0 {
				t.Errorf("the API refused %d requests", api.denied)
			}
			if strings.HasPrefix(tt.name, "oauth2") && len(api.issued) != 1 {
				t.Errorf("the token endpoint was called %d times for two resources, want once", len(api.issued))
			}
		})
	}
}

// TestRunOAuth2TokenExpires: with two resources and a token lifetime
// shorter than the run, the token endpoint is called once at the start
// and again only when the token expires.
func TestRunOAuth2TokenExpires(t *testing.T) {
	setAuthEnv(t)
	api := newAuthAPI(t, func(r *http.Request, ok func(string) bool) bool { return ok(bearerToken(r)) })
	api.ttl = 1
	api.pageDelay = 600 * time.Millisecond // 3 pages: a run of about 1.8 s
	p := authPipeline(t, "auth_expiry", api.URL, fmt.Sprintf(`{type: oauth2_client_credentials, access_token_url: "%s/token", client_id: "${AUTH_CLIENT_ID}", client_secret: "${AUTH_CLIENT_SECRET}"}`, api.URL),
		"    - c\n    - d\n")
	start := time.Now()
	db, _, _ := runAuth(t, p)
	took := time.Since(start)
	d := openDB(t, db)
	for _, table := range []string{"a", "b", "c", "d"} {
		if n := count(t, d, "select count(distinct id) from "+table); n != 30 {
			t.Errorf("%s has %d distinct ids, want 30", table, n)
		}
	}
	if api.denied != 0 {
		t.Errorf("the API refused %d requests (an expired token was sent)", api.denied)
	}
	if len(api.issued) < 2 {
		t.Fatalf("the run took %s with a 1 s token and fetched %d token(s); the test needs a run longer than the token", took, len(api.issued))
	}
	// 1 s tokens are replaced 0.1 s before they expire: never sooner.
	for i := 1; i < len(api.issued); i++ {
		if gap := api.issued[i].Sub(api.issued[i-1]); gap < 850*time.Millisecond {
			t.Errorf("token %d was fetched %s after token %d, before it was due", i+1, gap, i)
		}
	}
	if max := int(took/(850*time.Millisecond)) + 1; len(api.issued) > max {
		t.Errorf("%d tokens in %s, want at most %d", len(api.issued), took, max)
	}
	t.Logf("%d resources, %d API requests in %s, %d tokens", 4, api.apiReqs, took.Round(time.Millisecond), len(api.issued))
}

// TestRunOAuth2RefreshOn401: a token the API revokes early is replaced
// once on the 401 and the request is sent again; nothing is lost.
func TestRunOAuth2RefreshOn401(t *testing.T) {
	setAuthEnv(t)
	api := newAuthAPI(t, func(r *http.Request, ok func(string) bool) bool { return ok(bearerToken(r)) })
	api.revoke.Store(2)
	p := writePipeline(t, fmt.Sprintf(`
pipeline: {name: auth_revoke}
source:
  client:
    base_url: "%s"
    auth: {type: oauth2_client_credentials, access_token_url: "%s/token", client_id: "${AUTH_CLIENT_ID}", client_secret: "${AUTH_CLIENT_SECRET}"}
    paginator: {type: json_link, next_url_path: next}
  resources:
    - {name: a, endpoint: {data_selector: data}}
`, api.URL, api.URL))
	db, _, stderr := runAuth(t, p)
	if n := count(t, openDB(t, db), "select count(distinct id) from a"); n != 30 {
		t.Errorf("a has %d distinct ids, want 30", n)
	}
	if len(api.issued) != 2 || api.denied != 1 || api.apiReqs != 4 {
		t.Errorf("%d tokens, %d refused and %d API requests; want 2, 1 and 4", len(api.issued), api.denied, api.apiReqs)
	}
	if !strings.Contains(stderr, "refreshed credentials") {
		t.Errorf("the log does not say the credentials were refreshed:\n%s", stderr)
	}
}

// TestRunOAuth2TokenEndpointFails: a refused token request fails the run
// with the token URL, the status and the body, and no credential.
func TestRunOAuth2TokenEndpointFails(t *testing.T) {
	setAuthEnv(t)
	t.Setenv("AUTH_CLIENT_SECRET", "csec-wrong-Qp2")
	api := newAuthAPI(t, func(r *http.Request, ok func(string) bool) bool { return ok(bearerToken(r)) })
	p := authPipeline(t, "auth_refused", api.URL, fmt.Sprintf(`{type: oauth2_client_credentials, access_token_url: "%s/token", client_id: "${AUTH_CLIENT_ID}", client_secret: "${AUTH_CLIENT_SECRET}"}`, api.URL), "")
	code, stdout, stderr := sluice(t, "run", p, "--db", filepath.Join(t.TempDir(), "out.db"), "--pipelines-dir", t.TempDir(), "--progress", "none")
	if code == 0 {
		t.Fatal("the run succeeded without a token")
	}
	for _, want := range []string{"token request to " + api.URL + "/token", "401 Unauthorized", "invalid_client"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	assertNone(t, "the output", []string{authClientID, "csec-wrong-Qp2"}, stdout, stderr)
	if api.apiReqs != 0 {
		t.Errorf("the API got %d requests", api.apiReqs)
	}
}

// TestRunEndpointAuth: an endpoint's auth replaces the client's, and
// `auth: null` sends none.
func TestRunEndpointAuth(t *testing.T) {
	setAuthEnv(t)
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(authUser+":"+authPassword))
	api := newAuthAPI(t, func(r *http.Request, _ func(string) bool) bool {
		switch r.URL.Path {
		case "/a":
			return r.Header.Get("Authorization") == "Bearer "+authKey
		case "/b":
			return r.Header.Get("Authorization") == basic
		case "/c":
			return r.Header.Get("Authorization") == ""
		}
		return false
	})
	p := writePipeline(t, fmt.Sprintf(`
pipeline: {name: auth_endpoint}
source:
  client:
    base_url: "%s"
    auth: {type: bearer, token: "${AUTH_KEY}"}
    paginator: {type: json_link, next_url_path: next}
  resource_defaults:
    endpoint: {data_selector: data}
  resources:
    - a
    - {name: b, endpoint: {path: b, auth: {type: http_basic, username: "${AUTH_USER}", password: "${AUTH_PASSWORD}"}}}
    - {name: c, endpoint: {path: c, auth: null}}
`, api.URL))
	db, _, _ := runAuth(t, p)
	d := openDB(t, db)
	for _, table := range []string{"a", "b", "c"} {
		if n := count(t, d, "select count(distinct id) from "+table); n != 30 {
			t.Errorf("%s has %d distinct ids, want 30", table, n)
		}
	}
	if api.denied != 0 {
		t.Errorf("the API refused %d requests: %v", api.denied, api.authz)
	}
}
