package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/httpclient"
	"github.com/sluicehq/sluice/runtime/redact"
)

func oauthArgs(tokenURL string, kv ...any) map[string]any {
	m := map[string]any{"access_token_url": tokenURL, "client_id": "c-id-7", "client_secret": "c-s3cret-9"}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func bearerOf(t *testing.T, a extension.Authenticator) string {
	t.Helper()
	req := &extension.Request{URL: "https://api/x"}
	if err := a.Authenticate(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")
}

// TestOAuth2Lifetime: a token is reused until shortly before it expires;
// expires_in 0 (or no expires_in and default_token_expiration 0) means a
// new token for every request, as dlt does.
func TestOAuth2Lifetime(t *testing.T) {
	t.Run("expires_in 1", func(t *testing.T) {
		ts := newTokenServer(t, false, 1)
		a, err := newAuth(t, "oauth2_client_credentials", oauthArgs(ts.URL))
		if err != nil {
			t.Fatal(err)
		}
		if got := bearerOf(t, a) + bearerOf(t, a); got != "tok-1tok-1" {
			t.Fatalf("tokens %q, want tok-1 twice", got)
		}
		time.Sleep(time.Second)
		if got := bearerOf(t, a); got != "tok-2" || ts.calls.Load() != 2 {
			t.Fatalf("after expiry: %q, %d token requests", got, ts.calls.Load())
		}
	})
	for _, tt := range []struct {
		name      string
		expiresIn any
		args      []any
	}{
		{"expires_in 0", 0, nil},
		{"no expires_in, default 0", nil, []any{"default_token_expiration", 0}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTokenServer(t, false, tt.expiresIn)
			a, err := newAuth(t, "oauth2_client_credentials", oauthArgs(ts.URL, tt.args...))
			if err != nil {
				t.Fatal(err)
			}
			if got := bearerOf(t, a) + bearerOf(t, a); got != "tok-1tok-2" {
				t.Fatalf("tokens %q, want tok-1 then tok-2", got)
			}
		})
	}
	t.Run("no expires_in", func(t *testing.T) {
		ts := newTokenServer(t, false, nil)
		a, err := newAuth(t, "oauth2_client_credentials", oauthArgs(ts.URL))
		if err != nil {
			t.Fatal(err)
		}
		if got := bearerOf(t, a) + bearerOf(t, a); got != "tok-1tok-1" {
			t.Fatalf("tokens %q, want tok-1 twice (default_token_expiration 3600)", got)
		}
	})
}

// TestOAuth2RequestData: access_token_request_data reaches the form and
// may override grant_type.
func TestOAuth2RequestData(t *testing.T) {
	ts := newTokenServer(t, false, 60)
	a, err := newAuth(t, "oauth2_client_credentials", oauthArgs(ts.URL, "access_token_request_data",
		map[string]any{"scope": "read write", "audience": "https://api", "n": 3}))
	if err != nil {
		t.Fatal(err)
	}
	bearerOf(t, a)
	r := ts.form.Load()
	if r == nil || r.PostForm.Get("scope") != "read write" || r.PostForm.Get("audience") != "https://api" || r.PostForm.Get("n") != "3" ||
		r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Fatalf("token request form = %v", r.PostForm)
	}
}

// TestOAuth2TokenError: a refused token request fails the API request,
// naming the token URL, the status and the body, without the secret.
func TestOAuth2TokenError(t *testing.T) {
	ts := newTokenServer(t, false, 60)
	ts.status = http.StatusUnauthorized
	var apiCalls atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { apiCalls.Add(1) }))
	defer api.Close()
	a, err := newAuth(t, "oauth2_client_credentials", oauthArgs(ts.URL+"/oauth/token?tenant=t1"))
	if err != nil {
		t.Fatal(err)
	}
	c := httpclient.New(httpclient.Options{Redactor: redact.New()})
	_, err = c.Do(context.Background(), &extension.Request{URL: api.URL}, a)
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{"token request to " + ts.URL + "/oauth/token?tenant=t1", "401 Unauthorized", "invalid_client", "oauth2_client_credentials"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q: %s", want, msg)
		}
	}
	if strings.Contains(msg, "c-s3cret-9") || strings.Contains(msg, "c-id-7") {
		t.Errorf("a credential is in the error: %s", msg)
	}
	if apiCalls.Load() != 0 {
		t.Errorf("the API got %d requests without a token", apiCalls.Load())
	}
}

// TestOAuth2RefreshOn401: a 401 fetches one new token and sends the
// request again once; a second 401 is the error.
func TestOAuth2RefreshOn401(t *testing.T) {
	tests := []struct {
		name       string
		accept     string // the token the API accepts; "" none
		wantErr    bool
		wantTokens int32
		wantCalls  int32
	}{
		{"revoked token", "tok-2", false, 2, 2},
		{"always 401", "", true, 2, 2},
		{"good token", "tok-1", false, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTokenServer(t, false, 3600)
			var calls atomic.Int32
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				if tt.accept == "" || r.Header.Get("Authorization") != "Bearer "+tt.accept {
					w.WriteHeader(http.StatusUnauthorized)
					io.WriteString(w, `{"message": "token expired"}`)
					return
				}
				io.WriteString(w, `[]`)
			}))
			defer api.Close()
			a, err := newAuth(t, "oauth2_client_credentials", oauthArgs(ts.URL))
			if err != nil {
				t.Fatal(err)
			}
			c := httpclient.New(httpclient.Options{Redactor: redact.New(), Retry: &httpclient.RetryPolicy{MaxAttempts: 1}})
			_, err = c.Do(context.Background(), &extension.Request{URL: api.URL}, a)
			var se *httpclient.StatusError
			if tt.wantErr != (err != nil) || (err != nil && (!errors.As(err, &se) || se.Status != 401)) {
				t.Fatalf("err = %v", err)
			}
			if ts.calls.Load() != tt.wantTokens || calls.Load() != tt.wantCalls {
				t.Fatalf("%d token requests and %d API requests, want %d and %d", ts.calls.Load(), calls.Load(), tt.wantTokens, tt.wantCalls)
			}
		})
	}
}

// TestOAuth2RefreshOnce: many 401s for one stale token fetch one new
// token.
func TestOAuth2RefreshOnce(t *testing.T) {
	ts := newTokenServer(t, false, 3600)
	a, err := newAuth(t, "oauth2_client_credentials", oauthArgs(ts.URL))
	if err != nil {
		t.Fatal(err)
	}
	sent := &extension.Request{URL: "https://api/x"}
	if err := a.Authenticate(context.Background(), sent); err != nil {
		t.Fatal(err)
	}
	r := a.(extension.Refresher)
	for range 3 {
		if err := r.Refresh(context.Background(), sent); err != nil {
			t.Fatal(err)
		}
	}
	if ts.calls.Load() != 2 || bearerOf(t, a) != "tok-2" {
		t.Fatalf("%d token requests, token %q", ts.calls.Load(), bearerOf(t, a))
	}
}

// TestOAuth2UsesTheRunsHTTPClient: the token request goes through the
// *http.Client the build context carries (the run's transport and
// timeout).
func TestOAuth2UsesTheRunsHTTPClient(t *testing.T) {
	ts := newTokenServer(t, false, 3600)
	var used atomic.Int32
	hc := &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		used.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})}
	reg := registry()
	a, err := reg.New(extension.WithHTTPClient(context.Background(), hc), "oauth2_client_credentials", oauthArgs(ts.URL), nil)
	if err != nil {
		t.Fatal(err)
	}
	if bearerOf(t, a) != "tok-1" || used.Load() != 1 {
		t.Fatalf("the run's client sent %d token requests", used.Load())
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestOAuth2TokenRetries: a token request answered 429 or 5xx is retried
// with the HTTP client's backoff (dlt's: the token request goes through
// its client); a 4xx is not.
func TestOAuth2TokenRetries(t *testing.T) {
	tests := []struct {
		status    int
		failFirst int32
		wantCalls int32
		wantErr   string
	}{
		{http.StatusServiceUnavailable, 2, 3, ""},
		{http.StatusTooManyRequests, 1, 2, ""},
		{http.StatusServiceUnavailable, 0, 5, "503 Service Unavailable: {\"error\": \"invalid_client\", \"error_description\": \"client c-id-7 is unknown\"} (after 5 attempts)"},
		{http.StatusBadRequest, 0, 1, "400 Bad Request"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status, " ", tt.failFirst), func(t *testing.T) {
			ts := newTokenServer(t, false, 60)
			ts.status, ts.failFirst = tt.status, tt.failFirst
			a, err := newAuth(t, "oauth2_client_credentials", oauthArgs(ts.URL))
			if err != nil {
				t.Fatal(err)
			}
			var waits []time.Duration
			a.(*OAuth2ClientCredentials).sleep = func(_ context.Context, d time.Duration) error {
				waits = append(waits, d)
				return nil
			}
			err = a.Authenticate(context.Background(), &extension.Request{URL: "https://api/x", Header: http.Header{}})
			if (err != nil) != (tt.wantErr != "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if ts.calls.Load() != tt.wantCalls {
				t.Fatalf("%d token requests, want %d", ts.calls.Load(), tt.wantCalls)
			}
			for i, w := range waits {
				if w != time.Duration(1<<i)*time.Second {
					t.Fatalf("waits %v, want 1s, 2s, 4s, …", waits)
				}
			}
		})
	}
}
