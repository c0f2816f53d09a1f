package httpclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sluicehq/sluice/runtime/extension"
)

// refreshing is a Refresher whose credential is "gen-N", N counting the
// refreshes.
type refreshing struct {
	gen  atomic.Int32
	fail error
	sent atomic.Pointer[extension.Request]
}

func (a *refreshing) Authenticate(_ context.Context, req *extension.Request) error {
	req.Header.Set("X-Cred", "gen-"+strconv.Itoa(int(a.gen.Load())))
	return nil
}

func (a *refreshing) Secrets() []string { return nil }

func (a *refreshing) Refresh(_ context.Context, sent *extension.Request) error {
	a.sent.Store(sent)
	if a.fail != nil {
		return a.fail
	}
	a.gen.Add(1)
	return nil
}

// TestRefreshOn401: a 401 to a request a Refresher authenticated calls
// Refresh once and sends again at once, outside the retry budget; a second
// 401 is the error.
func TestRefreshOn401(t *testing.T) {
	tests := []struct {
		name         string
		accept       string // the credential the server accepts; "" none
		fail         error
		classify     Classifier
		otherOrigin  bool
		wantCalls    int32
		wantRefresh  int32
		wantErr      string
		wantSentCred string
	}{
		{name: "stale", accept: "gen-1", wantCalls: 2, wantRefresh: 1, wantSentCred: "gen-0"},
		{name: "fresh", accept: "gen-0", wantCalls: 1, wantRefresh: 0},
		{name: "still refused", accept: "", wantCalls: 2, wantRefresh: 1, wantErr: "401 Unauthorized"},
		{name: "refresh fails", accept: "", fail: errors.New("token endpoint down"), wantCalls: 1, wantErr: "refreshing the credentials of auth refreshing failed: token endpoint down"},
		{name: "an action takes the 401", accept: "", classify: func(*extension.Response) Verdict { return Accept }, wantCalls: 1, wantErr: "401"},
		{name: "no credentials sent", accept: "", otherOrigin: true, wantCalls: 1, wantErr: "401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				if tt.accept == "" || r.Header.Get("X-Cred") != tt.accept {
					w.WriteHeader(http.StatusUnauthorized)
				}
			}))
			defer srv.Close()
			o := Options{Retry: &RetryPolicy{MaxAttempts: 1}}
			if tt.otherOrigin {
				o.AuthOrigins = []string{"https://elsewhere.example"}
			}
			a := &refreshing{fail: tt.fail}
			_, err := New(o).DoClassified(context.Background(), &extension.Request{URL: srv.URL}, a, tt.classify)
			if (err != nil) != (tt.wantErr != "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			refreshes := a.gen.Load()
			if tt.fail != nil && a.sent.Load() != nil {
				refreshes = 1
			}
			if calls.Load() != tt.wantCalls || (tt.fail == nil && refreshes != tt.wantRefresh) {
				t.Fatalf("%d requests, %d refreshes; want %d and %d", calls.Load(), refreshes, tt.wantCalls, tt.wantRefresh)
			}
			if tt.wantSentCred != "" {
				if s := a.sent.Load(); s == nil || s.Header.Get("X-Cred") != tt.wantSentCred {
					t.Fatalf("Refresh got %v, want the request with %s", s, tt.wantSentCred)
				}
			}
		})
	}
}
