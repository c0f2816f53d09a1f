package httpclient

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/redact"
)

// sleeper records the waits the client asks for and returns at once.
type sleeper struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeper) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeper) Waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// newClient returns a client with a fake sleeper.
func newClient(o Options) (*Client, *sleeper) {
	s := &sleeper{}
	o.Sleep = s.Sleep
	if o.UserAgent == "" {
		o.UserAgent = "sluice/test"
	}
	return New(o), s
}

// script serves the given statuses in turn (the last one repeats) and
// counts the calls; each response has the body `{"n": <call>}`.
func script(t *testing.T, statuses ...int) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(calls.Add(1))
		st := statuses[min(n, len(statuses))-1]
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(st)
		io.WriteString(w, `{"n": `+strconv.Itoa(n)+`}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func get(u string) *extension.Request { return &extension.Request{Method: "GET", URL: u} }

func TestRetryOn503Then200(t *testing.T) {
	srv, calls := script(t, 503, 503, 200)
	c, s := newClient(Options{})
	resp, err := c.Do(context.Background(), get(srv.URL+"/p"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || calls.Load() != 3 {
		t.Fatalf("status %d after %d calls", resp.Status, calls.Load())
	}
	v, err := resp.JSON()
	if err != nil || v.(map[string]any)["n"] != int64(3) {
		t.Fatalf("JSON = %#v, %v", v, err)
	}
	w := s.Waits()
	if len(w) != 2 || !within(w[0], time.Second, 1100*time.Millisecond) || !within(w[1], 2*time.Second, 2200*time.Millisecond) {
		t.Fatalf("waits %v, want about [1s 2s]", w)
	}
}

func within(d, lo, hi time.Duration) bool { return d >= lo && d <= hi }

func TestBackoff(t *testing.T) {
	c := New(Options{Retry: &RetryPolicy{MaxAttempts: 5, BackoffFactor: 0.5, MaxDelay: 3 * time.Second}})
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}
	for i, w := range want {
		for range 20 {
			got := c.Backoff(i + 1)
			hi := min(w+w/10, 3*time.Second)
			if !within(got, w, hi) {
				t.Fatalf("Backoff(%d) = %v, want in [%v, %v]", i+1, got, w, hi)
			}
		}
	}
	if got := New(Options{}).Backoff(100); got != DefaultMaxDelay {
		t.Fatalf("Backoff(100) = %v, want the cap", got)
	}
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	srv, calls := script(t, 500)
	c, s := newClient(Options{Retry: policy(func(p *RetryPolicy) { p.MaxAttempts = 3 })})
	resp, err := c.Do(context.Background(), get(srv.URL), nil)
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 500 || se.Attempts != 3 {
		t.Fatalf("err = %v", err)
	}
	if resp == nil || resp.Status != 500 {
		t.Fatalf("want the last response with the error, got %v", resp)
	}
	if calls.Load() != 3 || len(s.Waits()) != 2 {
		t.Fatalf("%d calls, waits %v", calls.Load(), s.Waits())
	}
	if !strings.Contains(err.Error(), "500 Internal Server Error (after 3 attempts): {\"n\": 3}") {
		t.Fatalf("message %q", err)
	}
}

func TestMaxAttemptsOneMeansNoRetry(t *testing.T) {
	srv, calls := script(t, 429)
	c, s := newClient(Options{Retry: policy(func(p *RetryPolicy) { p.MaxAttempts = 1 })})
	_, err := c.Do(context.Background(), get(srv.URL), nil)
	if err == nil || calls.Load() != 1 || len(s.Waits()) != 0 {
		t.Fatalf("err %v, %d calls, waits %v", err, calls.Load(), s.Waits())
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name   string
		header string
		lo, hi time.Duration
	}{
		{"seconds", "7", 7 * time.Second, 7 * time.Second},
		{"zero", "0", 0, 0},
		{"clamped to MaxDelay", "86400", 30 * time.Second, 30 * time.Second},
		{"http date ahead", time.Now().Add(10 * time.Second).UTC().Format(http.TimeFormat), 8 * time.Second, 11 * time.Second},
		{"http date far ahead", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), 30 * time.Second, 30 * time.Second},
		{"http date past", time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat), 0, 0},
		{"garbage: backoff", "soon", time.Second, 1100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					w.Header().Set("Retry-After", tt.header)
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				io.WriteString(w, `[]`)
			}))
			defer srv.Close()
			c, s := newClient(Options{Retry: policy(func(p *RetryPolicy) { p.MaxDelay = 30 * time.Second })})
			if _, err := c.Do(context.Background(), get(srv.URL), nil); err != nil {
				t.Fatal(err)
			}
			w := s.Waits()
			if len(w) != 1 || !within(w[0], tt.lo, tt.hi) {
				t.Fatalf("waits %v, want one in [%v, %v]", w, tt.lo, tt.hi)
			}
		})
	}
}

func TestNotFoundIsNotRetried(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "no such\nthing")
	}))
	defer srv.Close()
	c, s := newClient(Options{})
	resp, err := c.Do(context.Background(), get(srv.URL+"/missing"), nil)
	var se *StatusError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v", err)
	}
	if resp == nil || resp.Status != 404 || string(resp.Body) != "no such\nthing" {
		t.Fatalf("want the response too, got %+v", resp)
	}
	if len(s.Waits()) != 0 {
		t.Fatalf("retried: %v", s.Waits())
	}
	want := "GET " + srv.URL + "/missing: 404 Not Found: no such thing"
	if err.Error() != want {
		t.Fatalf("Error() = %q, want %q", err, want)
	}
}

func TestTimeoutIsRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			select { // hang until the client gives up
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		io.WriteString(w, `{"ok": true}`)
	}))
	defer srv.Close()
	c, s := newClient(Options{Retry: policy(func(p *RetryPolicy) { p.Timeout = 100 * time.Millisecond })})
	resp, err := c.Do(context.Background(), get(srv.URL), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || calls.Load() != 2 || len(s.Waits()) != 1 {
		t.Fatalf("status %d, %d calls, waits %v", resp.Status, calls.Load(), s.Waits())
	}
}

func TestTimeoutWhileReadingBody(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, `{"partial":`)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return
		}
		io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	c, _ := newClient(Options{Retry: policy(func(p *RetryPolicy) { p.Timeout = 100 * time.Millisecond })})
	if _, err := c.Do(context.Background(), get(srv.URL), nil); err != nil || calls.Load() != 2 {
		t.Fatalf("err %v after %d calls", err, calls.Load())
	}
}

func TestConnectionResetIsRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	c, s := newClient(Options{})
	if _, err := c.Do(context.Background(), get(srv.URL), nil); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 2 || len(s.Waits()) != 1 {
		t.Fatalf("%d calls, waits %v", calls.Load(), s.Waits())
	}
}

func TestConnectionRefusedGivesUp(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	red := redact.New("hunter22-secret")
	c, s := newClient(Options{Retry: policy(func(p *RetryPolicy) { p.MaxAttempts = 3 }), Redactor: red})
	u := "http://" + addr + "/items?token=abc&page=1"
	req := get(u)
	req.Query = url.Values{"pw": {"hunter22-secret"}}
	_, err = c.Do(context.Background(), req, nil)
	var re *RequestError
	if !errors.As(err, &re) || re.Attempts != 3 {
		t.Fatalf("err = %#v", err)
	}
	msg := err.Error()
	t.Log(msg)
	want := "GET http://" + addr + "/items?token=***&page=1&pw=***: giving up after 3 attempts: "
	if !strings.HasPrefix(msg, want) {
		t.Fatalf("message %q\nwant prefix %q", msg, want)
	}
	if strings.Contains(msg, "abc") || strings.Contains(msg, "hunter22") {
		t.Fatalf("secret in %q", msg)
	}
	if len(s.Waits()) != 2 {
		t.Fatalf("waits %v", s.Waits())
	}
}

func TestCancelStopsWaiting(t *testing.T) {
	srv, _ := script(t, 503)
	c := New(Options{Retry: policy(func(p *RetryPolicy) { p.BackoffFactor = 100 })}) // real sleeper, 100 s backoff
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Do(ctx, get(srv.URL), nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("took %v", el)
	}
}

func TestCancelStopsRequest(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	c, s := newClient(Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Do(ctx, get(srv.URL), nil)
	if !errors.Is(err, context.DeadlineExceeded) || len(s.Waits()) != 0 {
		t.Fatalf("err %v, waits %v", err, s.Waits())
	}
}

func TestGzipBody(t *testing.T) {
	payload := `{"data": [` + strings.Repeat(`{"id": 1, "name": "gzip me"},`, 200) + `{"id": 2}]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "gzip" {
			t.Errorf("Accept-Encoding = %q", r.Header.Get("Accept-Encoding"))
		}
		w.Header().Set("Content-Encoding", "gzip")
		gz := gzip.NewWriter(w)
		io.WriteString(gz, payload)
		gz.Close()
	}))
	defer srv.Close()
	for _, tr := range []struct {
		name string
		rt   http.RoundTripper
	}{{"default transport", nil}, {"plain http.Transport", &http.Transport{}}} {
		t.Run(tr.name, func(t *testing.T) {
			c, _ := newClient(Options{Transport: tr.rt})
			resp, err := c.Do(context.Background(), get(srv.URL), nil)
			if err != nil {
				t.Fatal(err)
			}
			if string(resp.Body) != payload || resp.Header.Get("Content-Encoding") != "" {
				t.Fatalf("body not decoded: %q…", resp.Body[:min(20, len(resp.Body))])
			}
			v, err := resp.JSON()
			if err != nil || len(v.(map[string]any)["data"].([]any)) != 201 {
				t.Fatalf("JSON: %v", err)
			}
		})
	}
}

func TestEmptyGzipBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c, _ := newClient(Options{})
	resp, err := c.Do(context.Background(), get(srv.URL), nil)
	if err != nil || resp.Status != 204 || len(resp.Body) != 0 {
		t.Fatalf("resp %+v, err %v", resp, err)
	}
}

func TestBodyCap(t *testing.T) {
	srv, calls := script(t, 200)
	c, _ := newClient(Options{MaxBodyBytes: 5})
	_, err := c.Do(context.Background(), get(srv.URL), nil)
	var tl *BodyTooLargeError
	if !errors.As(err, &tl) || calls.Load() != 1 {
		t.Fatalf("err %v after %d calls", err, calls.Load())
	}
}

// echo records what the server received.
type received struct {
	Method, RawQuery, Body string
	Header                 http.Header
}

func echoServer(t *testing.T) (*httptest.Server, func() []received) {
	var mu sync.Mutex
	var got []received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, received{r.Method, r.URL.RawQuery, string(b), r.Header.Clone()})
		mu.Unlock()
		io.WriteString(w, `{}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []received {
		mu.Lock()
		defer mu.Unlock()
		return append([]received(nil), got...)
	}
}

func TestRequestConstruction(t *testing.T) {
	tests := []struct {
		name      string
		req       extension.Request
		wantQuery string
		wantBody  string
		wantCT    string
		check     func(t *testing.T, h http.Header)
	}{
		{
			name:      "query lists repeated and added to the URL's own query",
			req:       extension.Request{URL: "/p?x=1", Query: url.Values{"c": {"1", "2"}, "s": {"a b/ä&="}, "e": {""}}},
			wantQuery: "x=1&c=1&c=2&e=&s=a%20b%2F%C3%A4%26%3D",
		},
		{
			name:     "JSON body on POST",
			req:      extension.Request{Method: "POST", URL: "/p", JSON: map[string]any{"post_id": int64(0), "html": "<b>&"}},
			wantBody: `{"html":"<b>&","post_id":0}`,
			wantCT:   "application/json",
		},
		{
			name:     "empty JSON object on GET is still sent",
			req:      extension.Request{URL: "/p", JSON: map[string]any{}},
			wantBody: `{}`,
			wantCT:   "application/json",
		},
		{
			name:     "JSON keeps an explicit content type",
			req:      extension.Request{Method: "POST", URL: "/p", JSON: []any{int64(1)}, Header: http.Header{"Content-Type": {"application/vnd.api+json"}}},
			wantBody: `[1]`,
			wantCT:   "application/vnd.api+json",
		},
		{
			name:     "raw body without content type",
			req:      extension.Request{Method: "POST", URL: "/p", Body: []byte("0")},
			wantBody: "0",
		},
		{
			name:     "form body with its header",
			req:      extension.Request{Method: "POST", URL: "/p", Body: []byte("a=1&b=2"), Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}},
			wantBody: "a=1&b=2",
			wantCT:   "application/x-www-form-urlencoded",
		},
		{
			name: "default headers",
			req:  extension.Request{URL: "/p", Header: http.Header{"X-Custom": {"v"}}},
			check: func(t *testing.T, h http.Header) {
				if h.Get("User-Agent") != "sluice/test" || h.Get("Accept") != "application/json" || h.Get("X-Custom") != "v" {
					t.Fatalf("headers %v", h)
				}
			},
		},
		{
			name: "own User-Agent and Accept kept",
			req:  extension.Request{URL: "/p", Header: http.Header{"User-Agent": {"mine/1"}, "Accept": {"*/*"}}},
			check: func(t *testing.T, h http.Header) {
				if h.Get("User-Agent") != "mine/1" || h.Get("Accept") != "*/*" {
					t.Fatalf("headers %v", h)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, got := echoServer(t)
			c, _ := newClient(Options{})
			req := tt.req
			req.URL = srv.URL + req.URL
			if _, err := c.Do(context.Background(), &req, nil); err != nil {
				t.Fatal(err)
			}
			r := got()[0]
			wantMethod := req.Method
			if wantMethod == "" {
				wantMethod = "GET"
			}
			if r.Method != wantMethod || r.RawQuery != tt.wantQuery || r.Body != tt.wantBody || r.Header.Get("Content-Type") != tt.wantCT {
				t.Fatalf("got %s ?%s body %q type %q\nwant %s ?%s body %q type %q",
					r.Method, r.RawQuery, r.Body, r.Header.Get("Content-Type"), wantMethod, tt.wantQuery, tt.wantBody, tt.wantCT)
			}
			if tt.check != nil {
				tt.check(t, r.Header)
			}
		})
	}
}

// countingAuth sets a bearer header and counts its calls.
type countingAuth struct {
	calls atomic.Int32
	token string
}

func (a *countingAuth) Authenticate(_ context.Context, r *extension.Request) error {
	a.calls.Add(1)
	if r.Header == nil {
		r.Header = http.Header{}
	}
	r.Header.Set("Authorization", "Bearer "+a.token)
	if r.Query == nil {
		r.Query = url.Values{}
	}
	r.Query.Set("api_key", a.token)
	return nil
}

func (a *countingAuth) Secrets() []string { return []string{a.token} }

func TestAuthOnEveryRetry(t *testing.T) {
	var calls atomic.Int32
	var bad atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok-123456" || r.URL.Query()["api_key"][0] != "tok-123456" || len(r.URL.Query()["api_key"]) != 1 {
			bad.Add(1)
		}
		if calls.Add(1) < 3 {
			w.WriteHeader(502)
			return
		}
		io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	var logs bytes.Buffer
	red := redact.New()
	c, _ := newClient(Options{Redactor: red, Logger: slog.New(red.Handler(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))})
	auth := &countingAuth{token: "tok-123456"}
	req := get(srv.URL + "/p")
	if _, err := c.Do(context.Background(), req, auth); err != nil {
		t.Fatal(err)
	}
	if auth.calls.Load() != 3 || bad.Load() != 0 {
		t.Fatalf("auth calls %d, requests without auth %d", auth.calls.Load(), bad.Load())
	}
	if req.Header != nil || req.Query != nil {
		t.Fatal("Do changed the caller's request")
	}
	out := logs.String()
	if strings.Contains(out, "tok-123456") {
		t.Fatalf("token in logs:\n%s", out)
	}
	if !strings.Contains(out, "level=DEBUG msg=\"GET "+srv.URL+"/p?api_key=***\"") || strings.Count(out, "level=WARN") != 2 {
		t.Fatalf("unexpected logs:\n%s", out)
	}
}

type failingAuth struct{}

func (failingAuth) Authenticate(context.Context, *extension.Request) error {
	return errors.New("token endpoint said no")
}
func (failingAuth) Secrets() []string { return nil }

func TestAuthErrorIsNotRetried(t *testing.T) {
	srv, calls := script(t, 200)
	c, s := newClient(Options{})
	_, err := c.Do(context.Background(), get(srv.URL), failingAuth{})
	if err == nil || !strings.Contains(err.Error(), "auth failingAuth: token endpoint said no") || calls.Load() != 0 || len(s.Waits()) != 0 {
		t.Fatalf("err %v, %d calls, waits %v", err, calls.Load(), s.Waits())
	}
}

func TestStatusErrorRedacted(t *testing.T) {
	const secret = "sup3r-s3cret"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error": "bad key `+secret+`", "see": "https://h/doc?token=abc"}`+strings.Repeat("x", 1000))
	}))
	defer srv.Close()
	c, _ := newClient(Options{Redactor: redact.New(secret)})
	req := get(srv.URL + "/p?token=" + secret + "&page=1")
	req.Query = url.Values{"api_key": {"zzz-other"}, "public_param": {"v"}}
	_, err := c.Do(context.Background(), req, nil)
	var se *StatusError
	if !errors.As(err, &se) {
		t.Fatal(err)
	}
	msg := err.Error()
	wantPrefix := "GET " + srv.URL + "/p?token=***&page=1&api_key=***&public_param=v: 401 Unauthorized: {\"error\": \"bad key ***\", \"see\": \"https://h/doc?token=***\"}xxx"
	if !strings.HasPrefix(msg, wantPrefix) {
		t.Fatalf("message %q\nwant prefix %q", msg, wantPrefix)
	}
	if strings.Contains(msg, secret) || strings.Contains(msg, "zzz-other") || strings.Contains(msg, "abc") {
		t.Fatalf("secret in %q", msg)
	}
	if len(se.Body) > 520 {
		t.Fatalf("body snippet is %d bytes", len(se.Body))
	}
}

// A secret that the 512-byte cut would split is redacted whole, not shown
// in part; the excerpt is one line.
func TestStatusErrorSecretAtTheCut(t *testing.T) {
	const secret = "sup3r-s3cret-that-is-long"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, strings.Repeat("a\n", 250)+"12345"+secret+strings.Repeat("z", 100))
	}))
	defer srv.Close()
	c, _ := newClient(Options{Redactor: redact.New(secret)})
	_, err := c.Do(context.Background(), get(srv.URL), nil)
	var se *StatusError
	if !errors.As(err, &se) {
		t.Fatal(err)
	}
	if strings.Contains(se.Body, "sup3r") || strings.ContainsAny(err.Error(), "\r\n") {
		t.Fatalf("excerpt shows part of the secret or spans lines: %q", se.Body)
	}
	if !strings.Contains(se.Body, "12345***") || len(se.Body) > 520 {
		t.Fatalf("excerpt %q (%d bytes)", se.Body, len(se.Body))
	}
}

// MaxInFlight caps the requests in flight across all callers of a client.
func TestMaxInFlight(t *testing.T) {
	var now, peak atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := now.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(30 * time.Millisecond)
		now.Add(-1)
		io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	for _, tc := range []struct{ cap, want int64 }{{2, 2}, {0, 8}} {
		c := New(Options{MaxInFlight: int(tc.cap)})
		var wg sync.WaitGroup
		peak.Store(0)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.Do(context.Background(), get(srv.URL), nil); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if got := peak.Load(); (tc.cap > 0 && got != tc.want) || (tc.cap == 0 && got < 3) {
			t.Errorf("MaxInFlight %d: %d requests in flight at the peak, want %d", tc.cap, got, tc.want)
		}
	}
}

func TestRateLimitThrottles(t *testing.T) {
	srv, calls := script(t, 200)
	c, s := newClient(Options{RequestsPerSecond: 2, Burst: 1})
	if c.Limiter() == nil {
		t.Fatal("no limiter")
	}
	start := time.Now()
	for range 3 {
		if _, err := c.Do(context.Background(), get(srv.URL), nil); err != nil {
			t.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	// The fake sleeper returns at once, so the reservations pile up: the
	// second request had to wait 0.5 s, the third 1 s, less the real time
	// the requests took (much of a loaded machine's under -race).
	w := s.Waits()
	if calls.Load() != 3 || len(w) != 2 || !within(w[0], 500*time.Millisecond-elapsed, 500*time.Millisecond) || !within(w[1], time.Second-elapsed, time.Second) {
		t.Fatalf("%d calls, throttle waits %v in %v", calls.Load(), w, elapsed)
	}
	r := c.Limiter().Reserve()
	defer r.Cancel()
	if d := r.Delay(); d < time.Second {
		t.Fatalf("a fourth request would wait %v, want about 1.5 s", d)
	}
}

func TestRateLimitSharedAcrossGoroutines(t *testing.T) {
	srv, _ := script(t, 200)
	c, s := newClient(Options{RequestsPerSecond: 1, Burst: 2})
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Do(context.Background(), get(srv.URL), nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := len(s.Waits()); n != 4 {
		t.Fatalf("%d requests waited, want 4 (burst 2 of 6): %v", n, s.Waits())
	}
}

func TestNoLimiterByDefault(t *testing.T) {
	if New(Options{}).Limiter() != nil {
		t.Fatal("limiter without requests_per_second")
	}
}

func TestClassifier(t *testing.T) {
	srv, calls := script(t, 200)
	c, s := newClient(Options{Retry: policy(func(p *RetryPolicy) { p.MaxAttempts = 3 })})
	retryOnN := func(resp *extension.Response) Verdict {
		v, _ := resp.JSON()
		if v.(map[string]any)["n"].(int64) < 2 {
			return Retry
		}
		return Default
	}
	resp, err := c.DoClassified(context.Background(), get(srv.URL), nil, retryOnN)
	if err != nil || resp.Status != 200 || calls.Load() != 2 || len(s.Waits()) != 1 {
		t.Fatalf("err %v, %d calls", err, calls.Load())
	}
	// always retry: the attempts run out and the 200 comes back with an error
	calls.Store(0)
	resp, err = c.DoClassified(context.Background(), get(srv.URL), nil, func(*extension.Response) Verdict { return Retry })
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 200 || resp == nil || calls.Load() != 3 {
		t.Fatalf("err %v, %d calls", err, calls.Load())
	}
	// accept a 503 without retrying
	srv503, calls503 := script(t, 503)
	_, err = c.DoClassified(context.Background(), get(srv503.URL), nil, func(*extension.Response) Verdict { return Accept })
	if !errors.As(err, &se) || se.Status != 503 || calls503.Load() != 1 {
		t.Fatalf("err %v, %d calls", err, calls503.Load())
	}
}

func TestRedirectFollowed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new?x=1", http.StatusFound)
			return
		}
		io.WriteString(w, `{"path": "`+r.URL.Path+`"}`)
	}))
	defer srv.Close()
	c, _ := newClient(Options{})
	resp, err := c.Do(context.Background(), get(srv.URL+"/old"), nil)
	if err != nil || resp.URL != srv.URL+"/new?x=1" {
		t.Fatalf("resp URL %q, err %v", resp.URL, err)
	}
}

func TestBadURLIsNotRetried(t *testing.T) {
	c, s := newClient(Options{})
	for _, u := range []string{"ftp://h/p", "/relative", "http://h/%zz"} {
		_, err := c.Do(context.Background(), get(u), nil)
		var re *RequestError
		if !errors.As(err, &re) || re.Attempts != 1 {
			t.Errorf("%s: err %v", u, err)
		}
	}
	if len(s.Waits()) != 0 {
		t.Fatalf("waits %v", s.Waits())
	}
}

func TestSnippet(t *testing.T) {
	if got := Snippet([]byte("a\n\tb  c"), 512); got != "a b c" {
		t.Fatalf("got %q", got)
	}
	long := strings.Repeat("é", 300) // 600 bytes; the cut splits a rune
	got := Snippet([]byte(long), 511)
	if !strings.HasSuffix(got, "é…") || strings.Contains(got, "\uFFFD") {
		t.Fatalf("got %q", got[len(got)-10:])
	}
}

func TestBackoffZeroAndDefaults(t *testing.T) {
	tests := []struct {
		name    string
		retry   *RetryPolicy
		attempt int
		lo, hi  time.Duration
	}{
		{"default factor 1: 1 s before the first retry", nil, 1, time.Second, 1100 * time.Millisecond},
		{"default factor: 4 s before the third retry", nil, 3, 4 * time.Second, 4400 * time.Millisecond},
		{"default cap: 300 s", nil, 20, DefaultMaxDelay, DefaultMaxDelay},
		{"factor 0: no wait", policy(func(p *RetryPolicy) { p.BackoffFactor = 0 }), 3, 0, 0},
		{"max delay 0: no wait", policy(func(p *RetryPolicy) { p.MaxDelay = 0 }), 3, 0, 0},
		{"negative factor: no wait", policy(func(p *RetryPolicy) { p.BackoffFactor = -1 }), 3, 0, 0},
		{"capped by max delay", &RetryPolicy{MaxAttempts: 5, BackoffFactor: 10, MaxDelay: 2 * time.Second}, 5, 0, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(Options{Retry: tt.retry})
			if got := c.Backoff(tt.attempt); got < tt.lo || got > tt.hi {
				t.Errorf("Backoff(%d) = %v, want within [%v, %v]", tt.attempt, got, tt.lo, tt.hi)
			}
		})
	}
}

// TestRetryPolicyAsGiven: the policy is used as it is, with no "zero means
// the default" (nil is the default).
func TestRetryPolicyAsGiven(t *testing.T) {
	if got := New(Options{}).Retry(); got != (RetryPolicy{MaxAttempts: 5, BackoffFactor: 1, MaxDelay: 300 * time.Second, Timeout: 60 * time.Second}) {
		t.Errorf("default policy = %+v", got)
	}
	if got := New(Options{Retry: &RetryPolicy{}}).Retry(); got != (RetryPolicy{MaxAttempts: 1}) {
		t.Errorf("zero policy = %+v, want one attempt, no wait, no timeout", got)
	}
	if got := New(Options{Retry: &RetryPolicy{MaxAttempts: -3, BackoffFactor: -1, MaxDelay: -time.Second, Timeout: -time.Second}}).Retry(); got != (RetryPolicy{MaxAttempts: 1}) {
		t.Errorf("negative policy = %+v", got)
	}
	// 0 attempts' worth of waiting: a zero max delay clamps Retry-After too
	srv, calls := script(t, 429, 200)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(429)
			return
		}
		w.Write([]byte(`{}`))
	})
	c, s := newClient(Options{Retry: policy(func(p *RetryPolicy) { p.MaxDelay = 0 })})
	if _, err := c.Do(context.Background(), &extension.Request{URL: srv.URL}, nil); err != nil {
		t.Fatal(err)
	}
	if w := s.Waits(); len(w) != 1 || w[0] != 0 {
		t.Errorf("waits %v, want [0]", w)
	}
}

// policy is the default retry policy changed by mod.
func policy(mod func(*RetryPolicy)) *RetryPolicy {
	p := DefaultRetryPolicy()
	mod(&p)
	return &p
}
