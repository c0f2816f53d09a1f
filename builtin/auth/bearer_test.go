package auth

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/httpclient"
	"github.com/sluicehq/sluice/runtime/redact"
)

func newAuth(t *testing.T, typ string, args map[string]any) (extension.Authenticator, error) {
	t.Helper()
	reg := extension.NewRegistry[extension.Authenticator]("auth")
	Register(reg)
	return reg.New(context.Background(), typ, args, nil)
}

// TestSpecsMatchParse checks every built-in auth's declared fields against
// what its parse step reads.
func TestSpecsMatchParse(t *testing.T) {
	reg := extension.NewRegistry[extension.Authenticator]("auth")
	Register(reg)
	if err := reg.CheckSpecs(); err != nil {
		t.Error(err)
	}
}

func TestBearerHeader(t *testing.T) {
	a, err := newAuth(t, "bearer", map[string]any{"token": "T0ken-xyz"})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []http.Header{nil, {"Authorization": {"Basic old"}, "X-Other": {"kept"}}} {
		req := &extension.Request{URL: "https://h/p", Header: h}
		if err := a.Authenticate(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		if got := req.Header.Values("Authorization"); len(got) != 1 || got[0] != "Bearer T0ken-xyz" {
			t.Fatalf("Authorization = %q", got)
		}
		if h != nil && req.Header.Get("X-Other") != "kept" {
			t.Fatal("other headers lost")
		}
	}
	if got := a.Secrets(); !slices.Equal(got, []string{"T0ken-xyz"}) {
		t.Fatalf("Secrets = %q", got)
	}
}

func TestBearerArgs(t *testing.T) {
	tests := []struct {
		name      string
		args      map[string]any
		wantField string
		wantMsg   string
	}{
		{"missing", nil, "token", "required"},
		{"null", map[string]any{"token": nil}, "token", "required"},
		{"empty", map[string]any{"token": ""}, "token", "empty"},
		{"not a string", map[string]any{"token": 123}, "token", "expected a string"},
		{"trailing newline", map[string]any{"token": "abc-secret\n"}, "token", "line break"},
		{"unknown field", map[string]any{"token": "abc", "tokn": "x"}, "tokn", "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newAuth(t, "bearer", tt.args)
			var list extension.ArgErrors
			if !errors.As(err, &list) {
				t.Fatalf("err = %v (%T)", err, err)
			}
			found := false
			for _, e := range list {
				if e.Field == tt.wantField && strings.Contains(e.Msg, tt.wantMsg) {
					found = true
				}
			}
			if !found {
				t.Fatalf("err %v has no %q problem on %q", err, tt.wantMsg, tt.wantField)
			}
			if v, ok := tt.args["token"].(string); ok && v != "" && strings.Contains(err.Error(), v) {
				t.Fatalf("the token is in the error: %v", err)
			}
		})
	}
}

// TestBearerThroughClient sends through the real client: every attempt
// carries the header, and the token never reaches an error.
func TestBearerThroughClient(t *testing.T) {
	var calls, authed atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer T0ken-xyz" {
			authed.Add(1)
		}
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"message": "Bad credentials T0ken-xyz"}`)
	}))
	defer srv.Close()
	a, err := newAuth(t, "bearer", map[string]any{"token": "T0ken-xyz"})
	if err != nil {
		t.Fatal(err)
	}
	c := httpclient.New(httpclient.Options{
		Redactor: redact.New(),
		Sleep:    func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
	})
	_, err = c.Do(context.Background(), &extension.Request{URL: srv.URL}, a)
	if err == nil || !strings.Contains(err.Error(), "401 Unauthorized") || strings.Contains(err.Error(), "T0ken-xyz") {
		t.Fatalf("err = %v", err)
	}
	if calls.Load() != 2 || authed.Load() != 2 {
		t.Fatalf("%d calls, %d with the header", calls.Load(), authed.Load())
	}
}
