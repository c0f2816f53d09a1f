// Package authtest is the conformance check every auth passes, whatever
// implements it: a built-in (package builtin/auth), a JavaScript or a WASM
// one. It sends requests through the real HTTP client to an httptest
// server and checks the contract of extension.Authenticator: every request
// carries the credentials, the auth is safe for concurrent use (run the
// test with -race), it changes neither the method, the path, the body nor
// the request's other headers and query parameters, Secrets covers the
// value of every field its spec marks secret, and an error response that
// echoes the request never prints a secret.
//
// An implementation's test registers its type, chooses arguments with a
// distinct value for each secret field (of redact.MinSecretLen characters
// or more), says how the server recognises
// the credentials (Case.Verify) and calls Check.
package authtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/httpclient"
	"github.com/sluicehq/sluice/runtime/redact"
)

// Case is one configuration of an auth type.
type Case struct {
	// Type is the registered type name; Args its arguments.
	Type string
	Args map[string]any
	// Ctx is the context the auth is built and used with (nil:
	// context.Background()); an OAuth2 auth gets its HTTP client from it.
	Ctx context.Context
	// Verify returns nil when the request the server received carries the
	// credentials, else what is wrong.
	Verify func(r *http.Request) error
}

// Requests is how many requests Check sends at once.
const Requests = 32

// Check builds c's auth from reg and checks it. It returns the auth, for
// checks of the implementation's own.
func Check(t testing.TB, reg *extension.Registry[extension.Authenticator], c Case) extension.Authenticator {
	t.Helper()
	ctx := c.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	if err := reg.CheckSpec(c.Type); err != nil {
		t.Errorf("spec: %v", err)
	}
	a, err := reg.New(ctx, c.Type, c.Args, nil)
	if err != nil {
		t.Fatalf("building %s: %v", c.Type, err)
	}

	type seen struct {
		method, path, host, keep, q, page, body string
		verr                                    error
	}
	var (
		mu   sync.Mutex
		got  []seen
		host string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/echo" {
			// A careless API that echoes the whole request in its error.
			w.WriteHeader(http.StatusNotFound)
			_ = json.NewEncoder(w).Encode(map[string]any{"headers": r.Header, "query": r.URL.RawQuery, "cookies": r.Cookies()})
			return
		}
		s := seen{method: r.Method, path: r.URL.Path, host: r.Host, keep: r.Header.Get("X-Keep"),
			q: r.URL.Query().Get("q"), page: r.URL.Query().Get("page"), body: string(body), verr: c.Verify(r)}
		mu.Lock()
		got = append(got, s)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `[]`)
	}))
	defer srv.Close()
	host = strings.TrimPrefix(srv.URL, "http://")

	red := redact.New()
	client := httpclient.New(httpclient.Options{
		Redactor:    red,
		Retry:       &httpclient.RetryPolicy{MaxAttempts: 1},
		AuthOrigins: []string{srv.URL},
	})

	var wg sync.WaitGroup
	errs := make(chan error, Requests)
	for i := range Requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := &extension.Request{
				URL:    fmt.Sprintf("%s/items/%d?page=%d", srv.URL, i, i),
				Query:  map[string][]string{"q": {"x"}},
				Header: http.Header{"X-Keep": {"kept"}},
			}
			if i%2 == 1 {
				req.Method = http.MethodPost
				req.JSON = map[string]any{"n": i}
			}
			before := req.Clone()
			if _, err := client.Do(ctx, req, a); err != nil {
				errs <- fmt.Errorf("request %d: %w", i, err)
				return
			}
			if req.URL != before.URL || !slices.Equal(req.Header["X-Keep"], before.Header["X-Keep"]) || len(req.Query) != len(before.Query) {
				errs <- fmt.Errorf("request %d: the caller's request was changed", i)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(got) != Requests {
		t.Fatalf("the server got %d requests, want %d", len(got), Requests)
	}
	for _, s := range got {
		var i int
		if _, err := fmt.Sscanf(s.path, "/items/%d", &i); err != nil {
			t.Errorf("the server got path %q", s.path)
			continue
		}
		wantMethod, wantBody := http.MethodGet, ""
		if i%2 == 1 {
			wantMethod, wantBody = http.MethodPost, fmt.Sprintf(`{"n":%d}`, i)
		}
		switch {
		case s.verr != nil:
			t.Errorf("request %d: credentials: %v", i, s.verr)
		case s.method != wantMethod || s.host != host:
			t.Errorf("request %d: got %s to %s, want %s to %s", i, s.method, s.host, wantMethod, host)
		case s.body != wantBody:
			t.Errorf("request %d: body %q, want %q", i, s.body, wantBody)
		case s.keep != "kept" || s.q != "x" || s.page != fmt.Sprint(i):
			t.Errorf("request %d: lost a header or a query parameter (X-Keep %q, q %q, page %q)", i, s.keep, s.q, s.page)
		}
	}

	// Secrets covers every secret field.
	secrets := a.Secrets()
	spec, _ := reg.Spec(c.Type)
	for _, f := range spec.SecretFields() {
		if v, ok := c.Args[f].(string); ok && v != "" && !slices.Contains(secrets, v) {
			t.Errorf("Secrets() lacks the value of secret field %s", f)
		}
	}

	// An error that echoes the request prints no secret.
	_, err = client.Do(ctx, &extension.Request{URL: srv.URL + "/echo"}, a)
	if err == nil {
		t.Fatal("a 404 gave no error")
	}
	for _, s := range a.Secrets() {
		// Shorter secrets are masked only where they sit whole (a header
		// value), not inside free text: see redact.MinSecretLen.
		if len([]rune(s)) >= redact.MinSecretLen && strings.Contains(err.Error(), s) {
			t.Errorf("the error of an echoing 404 contains a secret: %v", err)
		}
	}
	return a
}
