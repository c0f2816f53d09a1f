package auth

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/extension/authtest"
)

// tokenServer is an OAuth2 token endpoint (client credentials grant): it
// checks the client's credentials, sent in the form or with HTTP Basic as
// basic says, and hands out tok-1, tok-2, … with expiresIn (omitted when
// nil).
type tokenServer struct {
	*httptest.Server
	calls     atomic.Int32
	basic     bool
	expiresIn any
	status    int   // answer with it when non-zero …
	failFirst int32 // … the first failFirst requests (0: every request)
	form      atomic.Pointer[http.Request]
}

func newTokenServer(t *testing.T, basic bool, expiresIn any) *tokenServer {
	ts := &tokenServer{basic: basic, expiresIn: expiresIn}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := ts.calls.Add(1)
		if ts.status != 0 && (ts.failFirst == 0 || n <= ts.failFirst) {
			w.WriteHeader(ts.status)
			fmt.Fprintf(w, `{"error": "invalid_client", "error_description": "client c-id-7 is unknown"}`)
			return
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ts.form.Store(r)
		id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		if ts.basic {
			var ok bool
			id, secret, ok = r.BasicAuth()
			if !ok || r.PostForm.Has("client_secret") {
				http.Error(w, `{"error": "invalid_client"}`, http.StatusUnauthorized)
				return
			}
		}
		if r.Method != http.MethodPost || r.PostForm.Get("grant_type") != "client_credentials" || id != "c-id-7" || secret != "c-s3cret-9" {
			http.Error(w, `{"error": "invalid_client"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		body := fmt.Sprintf(`{"access_token": "tok-%d", "token_type": "bearer"`, n)
		if ts.expiresIn != nil {
			body += fmt.Sprintf(`, "expires_in": %v`, ts.expiresIn)
		}
		fmt.Fprint(w, body+"}")
	}))
	t.Cleanup(ts.Close)
	return ts
}

func registry() *extension.Registry[extension.Authenticator] {
	reg := extension.NewRegistry[extension.Authenticator]("auth")
	Register(reg)
	return reg
}

func wantHeader(name, value string) func(*http.Request) error {
	return func(r *http.Request) error {
		if got := r.Header.Values(name); len(got) != 1 || got[0] != value {
			return fmt.Errorf("%s = %q", name, got)
		}
		return nil
	}
}

// TestConformance runs the auth conformance check on every built-in.
func TestConformance(t *testing.T) {
	ts := newTokenServer(t, false, 3600)
	tsBasic := newTokenServer(t, true, nil)
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("ünïcode-user:p@ss:w0rd"))
	tests := []struct {
		name string
		c    authtest.Case
	}{
		{"bearer", authtest.Case{Type: "bearer", Args: map[string]any{"token": "T0ken-xyz"},
			Verify: wantHeader("Authorization", "Bearer T0ken-xyz")}},
		{"http_basic", authtest.Case{Type: "http_basic", Args: map[string]any{"username": "ünïcode-user", "password": "p@ss:w0rd"},
			Verify: wantHeader("Authorization", basic)}},
		{"api_key default", authtest.Case{Type: "api_key", Args: map[string]any{"api_key": "k3y-1"},
			Verify: wantHeader("Authorization", "k3y-1")}},
		{"api_key header", authtest.Case{Type: "api_key", Args: map[string]any{"api_key": "k3y-2", "name": "X-API-Key", "location": "header"},
			Verify: wantHeader("X-Api-Key", "k3y-2")}},
		{"api_key query", authtest.Case{Type: "api_key", Args: map[string]any{"api_key": "k3y&3 =", "name": "api_key", "location": "query"},
			Verify: func(r *http.Request) error {
				if got := r.URL.Query()["api_key"]; len(got) != 1 || got[0] != "k3y&3 =" {
					return fmt.Errorf("api_key = %q", got)
				}
				return nil
			}}},
		{"api_key param", authtest.Case{Type: "api_key", Args: map[string]any{"api_key": "k3y-4", "name": "key", "location": "param"},
			Verify: func(r *http.Request) error {
				if got := r.URL.Query().Get("key"); got != "k3y-4" {
					return fmt.Errorf("key = %q", got)
				}
				return nil
			}}},
		{"api_key cookie", authtest.Case{Type: "api_key", Args: map[string]any{"api_key": "k3y-5", "name": "session", "location": "cookie"},
			Verify: func(r *http.Request) error {
				c, err := r.Cookie("session")
				if err != nil || c.Value != "k3y-5" {
					return fmt.Errorf("cookie session: %v %v", c, err)
				}
				return nil
			}}},
		{"oauth2 post", authtest.Case{Type: "oauth2_client_credentials", Args: map[string]any{
			"access_token_url": ts.URL + "/token", "client_id": "c-id-7", "client_secret": "c-s3cret-9"},
			Verify: wantHeader("Authorization", "Bearer tok-1")}},
		{"oauth2 basic", authtest.Case{Type: "oauth2_client_credentials", Args: map[string]any{
			"access_token_url": tsBasic.URL, "client_id": "c-id-7", "client_secret": "c-s3cret-9", "client_auth": "client_secret_basic"},
			Verify: wantHeader("Authorization", "Bearer tok-1")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			authtest.Check(t, registry(), tt.c)
		})
	}
	// 32 requests at once, one token each time.
	if ts.calls.Load() != 1 || tsBasic.calls.Load() != 1 {
		t.Errorf("token endpoints called %d and %d times, want once each", ts.calls.Load(), tsBasic.calls.Load())
	}
}

func TestAPIKeyQueryReplacesTheURLsOwn(t *testing.T) {
	a, err := newAuth(t, "api_key", map[string]any{"api_key": "k", "name": "api_key", "location": "query"})
	if err != nil {
		t.Fatal(err)
	}
	// A next link that carries the key back.
	req := &extension.Request{URL: "https://h/p?page=2&api_key=k&x=1"}
	if err := a.Authenticate(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	full, _ := req.FullURL()
	if strings.Count(full, "api_key=") != 1 || !strings.Contains(full, "page=2") || !strings.Contains(full, "x=1") {
		t.Fatalf("URL = %s", full)
	}
}

func TestCookieKeepsOtherCookies(t *testing.T) {
	a, err := newAuth(t, "api_key", map[string]any{"api_key": "k", "name": "sid", "location": "cookie"})
	if err != nil {
		t.Fatal(err)
	}
	req := &extension.Request{URL: "https://h/p", Header: http.Header{"Cookie": {"theme=dark"}}}
	if err := a.Authenticate(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("Cookie"); got != "theme=dark; sid=k" {
		t.Fatalf("Cookie = %q", got)
	}
}
