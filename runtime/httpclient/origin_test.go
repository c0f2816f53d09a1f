package httpclient

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/redact"
)

func TestOrigin(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://API.Example.com/v1/?x=1", "https://api.example.com"},
		{"https://api.example.com:443/", "https://api.example.com"},
		{"http://api.example.com:80", "http://api.example.com"},
		{"http://api.example.com:8080/a", "http://api.example.com:8080"},
		{"HTTPS://h:8443", "https://h:8443"},
		{"http://[::1]:9000/x", "http://[::1]:9000"},
		{"http://[::1]/x", "http://[::1]"},
		{"https://user:pw@h/", "https://h"},
	}
	for _, tt := range tests {
		got, err := Origin(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Origin(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "h/p", "ftp://h/", "https:///p", "://x"} {
		if got, err := Origin(bad); err == nil {
			t.Errorf("Origin(%q) = %q, want an error", bad, got)
		}
	}
}

// recorder is a test server that keeps the headers and query of every
// request it gets.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	seen []*http.Request
}

func newRecorder(t *testing.T, h http.HandlerFunc) *recorder {
	rec := &recorder{}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.seen = append(rec.seen, r.Clone(context.Background()))
		rec.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		w.Write([]byte(`{}`))
	}))
	t.Cleanup(rec.Close)
	return rec
}

func (r *recorder) requests() []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*http.Request(nil), r.seen...)
}

// keyAuth sets a bearer token and an X-Api-Key, as an auth may.
type keyAuth struct{}

const (
	bearerSecret = "bearer-secret-1234"
	headerSecret = "header-secret-5678"
	paramSecret  = "param-secret-9012"
)

func (keyAuth) Authenticate(_ context.Context, r *extension.Request) error {
	r.Header.Set("Authorization", "Bearer "+bearerSecret)
	r.Header.Set("X-Api-Key", "api-key-value")
	return nil
}
func (keyAuth) Secrets() []string { return []string{bearerSecret, "api-key-value"} }

// configured is a request as the extractor builds it from the file: a
// static header and a param that carry a secret, and a public one of each.
func configured(u string) *extension.Request {
	return &extension.Request{
		Method: "GET", URL: u,
		Header: http.Header{"X-Custom": {headerSecret}, "X-Public": {"hello"}},
		Query:  url.Values{"access_key": {"not-known-but-named"}, "p": {paramSecret}, "page": {"2"}},
	}
}

// leaked names the credentials r carries.
func leaked(r *http.Request) []string {
	var out []string
	for _, h := range []string{"Authorization", "X-Api-Key", "X-Custom"} {
		if r.Header.Get(h) != "" {
			out = append(out, h)
		}
	}
	for _, q := range []string{"access_key", "p"} {
		if r.URL.Query().Get(q) != "" {
			out = append(out, q)
		}
	}
	return out
}

func TestCredentialsOnlyToAuthOrigins(t *testing.T) {
	a := newRecorder(t, nil)
	b := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/deny" {
			w.WriteHeader(http.StatusUnauthorized)
		}
		w.Write([]byte(`{}`))
	})
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	c, _ := newClient(Options{AuthOrigins: []string{a.URL + "/api/v1/"}, Redactor: redact.New(headerSecret, paramSecret), Logger: log})
	ctx := context.Background()
	for _, u := range []string{a.URL + "/p", b.URL + "/next?page=3", b.URL + "/next?page=4"} {
		if _, err := c.Do(ctx, configured(u), keyAuth{}); err != nil {
			t.Fatal(err)
		}
	}
	ra, rb := a.requests(), b.requests()
	if got := leaked(ra[0]); len(got) != 5 {
		t.Errorf("the base_url's origin got only %v", got)
	}
	for _, r := range rb {
		if got := leaked(r); len(got) != 0 {
			t.Errorf("another origin got credentials %v", got)
		}
		if r.Header.Get("X-Public") != "hello" || r.URL.Query().Get("page") == "" {
			t.Errorf("a public header or param was dropped: %v %v", r.Header, r.URL)
		}
	}
	if n := strings.Count(logs.String(), "sending it without credentials"); n != 1 {
		t.Errorf("%d warnings, want one per origin:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "client.auth_origins") {
		t.Errorf("warning does not say what to do:\n%s", logs.String())
	}
	_, err := c.Do(ctx, configured(b.URL+"/deny"), keyAuth{})
	var se *StatusError
	if !asStatus(err, &se) || se.Status != 401 || !strings.Contains(err.Error(), "sent without credentials") || !strings.Contains(err.Error(), "client.auth_origins") {
		t.Errorf("401 from another origin: %v", err)
	}
	_, err = c.Do(ctx, configured(a.URL+"/p"), nil)
	if err != nil {
		t.Fatal(err)
	}
}

func asStatus(err error, se **StatusError) bool {
	e, ok := err.(*StatusError)
	if ok {
		*se = e
	}
	return ok
}

func TestAuthOriginsOptIn(t *testing.T) {
	a := newRecorder(t, nil)
	b := newRecorder(t, nil)
	c, _ := newClient(Options{AuthOrigins: []string{a.URL, b.URL}, Redactor: redact.New(headerSecret, paramSecret)})
	if _, err := c.Do(context.Background(), configured(b.URL+"/x"), keyAuth{}); err != nil {
		t.Fatal(err)
	}
	if got := leaked(b.requests()[0]); len(got) != 5 {
		t.Errorf("an opted-in origin got only %v", got)
	}
	if c2 := New(Options{AuthOrigins: []string{"files.example.com"}}); c2 != nil {
		_, err := c2.Do(context.Background(), configured(b.URL), nil)
		if err == nil || !strings.Contains(err.Error(), `auth origin "files.example.com"`) {
			t.Errorf("a bad origin: %v", err)
		}
	}
}

// TestRedirectCarriesNoCredentials: Go drops Authorization on a redirect to
// another host, but not X-Api-Key nor a header whose value is a secret.
func TestRedirectCarriesNoCredentials(t *testing.T) {
	b := newRecorder(t, nil)
	a := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, b.URL+"/landed?page=2", http.StatusFound)
		case "/here":
			http.Redirect(w, r, "/landed", http.StatusFound)
		default:
			w.Write([]byte(`{}`))
		}
	})
	for _, origins := range [][]string{{a.URL}, nil} {
		c, _ := newClient(Options{AuthOrigins: origins, Redactor: redact.New(headerSecret)})
		before := len(b.requests())
		if _, err := c.Do(context.Background(), configured(a.URL+"/away"), keyAuth{}); err != nil {
			t.Fatal(err)
		}
		rb := b.requests()
		if len(rb) != before+1 {
			t.Fatalf("the redirect was not followed")
		}
		r := rb[len(rb)-1]
		for _, h := range []string{"Authorization", "X-Api-Key", "X-Custom"} {
			if r.Header.Get(h) != "" {
				t.Errorf("origins %v: redirect to another origin carried %s", origins, h)
			}
		}
		if r.Header.Get("X-Public") != "hello" {
			t.Errorf("origins %v: redirect dropped a public header", origins)
		}
		// a redirect within the origin keeps them
		if _, err := c.Do(context.Background(), configured(a.URL+"/here"), keyAuth{}); err != nil {
			t.Fatal(err)
		}
		ra := a.requests()
		if got := ra[len(ra)-1]; got.URL.Path != "/landed" || got.Header.Get("X-Api-Key") == "" || got.Header.Get("X-Custom") == "" {
			t.Errorf("origins %v: a redirect within the origin lost its credentials: %v", origins, got.Header)
		}
	}
}

// rogueAuth breaks the Authenticator contract.
type rogueAuth struct{ change func(*extension.Request) }

func (a rogueAuth) Authenticate(_ context.Context, r *extension.Request) error {
	a.change(r)
	return nil
}
func (rogueAuth) Secrets() []string { return nil }
func (rogueAuth) Type() string      { return "rogue" }

func TestAuthenticatorContract(t *testing.T) {
	srv := newRecorder(t, nil)
	other := newRecorder(t, nil)
	u, _ := url.Parse(srv.URL)
	tests := []struct {
		name   string
		change func(*extension.Request)
		want   string
	}{
		{"method", func(r *extension.Request) { r.Method = "POST" }, "changed the method from GET to POST"},
		{"scheme", func(r *extension.Request) { r.URL = strings.Replace(r.URL, "http://", "https://", 1) }, "changed the scheme"},
		{"host", func(r *extension.Request) { r.URL = strings.Replace(r.URL, "127.0.0.1", "localhost", 1) }, "changed the host"},
		{"port", func(r *extension.Request) { r.URL = other.URL + "/p" }, "changed the port"},
		{"fine", func(r *extension.Request) {
			r.URL = "http://" + u.Host + "/other/path?sig=1"
			r.Header.Set("X-Sig", "x")
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newClient(Options{AuthOrigins: []string{srv.URL}})
			before := len(srv.requests()) + len(other.requests())
			_, err := c.Do(context.Background(), get(srv.URL+"/p"), rogueAuth{tt.change})
			sent := len(srv.requests()) + len(other.requests()) - before
			if tt.want == "" {
				if err != nil || sent != 1 {
					t.Fatalf("err %v, %d sent", err, sent)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "auth rogue "+tt.want) || sent != 0 {
				t.Fatalf("err %v, %d sent; want %q and nothing sent", err, sent, tt.want)
			}
		})
	}
}
