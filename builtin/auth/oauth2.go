package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/httpclient"
)

// DefaultTokenExpiration is the lifetime assumed for a token whose
// response has no expires_in (dlt's default_token_expiration).
const DefaultTokenExpiration = 3600

// maxRefreshMargin bounds how long before its expiry a token is replaced:
// a tenth of its lifetime, at most this.
const maxRefreshMargin = 10 * time.Second

// OAuth2ClientCredentials gets an access token from access_token_url with
// the client credentials grant (RFC 6749 §4.4, through
// golang.org/x/oauth2/clientcredentials) and sends `Authorization: Bearer
// <token>`. One value is shared by every request (and, in a run, every
// resource that inherits the client's auth): the token is fetched on the
// first request, reused until shortly before it expires, and fetched again
// once when a request is answered 401 (extension.Refresher).
type OAuth2ClientCredentials struct {
	cfg        clientcredentials.Config
	defaultTTL time.Duration
	hc         *http.Client // nil: http.DefaultClient
	now        func() time.Time
	sleep      func(context.Context, time.Duration) error
	configured []string // client_id, client_secret, access_token

	lock chan struct{} // held while a token is fetched: one fetch at a time

	mu        sync.Mutex
	token     string
	refreshAt time.Time
	fetches   int
}

// OAuth2ClientCredentialsSpec describes oauth2_client_credentials.
var OAuth2ClientCredentialsSpec = extension.Spec{
	Summary: "Get a token with the OAuth2 client credentials grant and send it as Authorization: Bearer <token>.",
	Fields: []extension.Field{
		{Name: "access_token_url", Type: extension.TypeString, Required: true,
			Doc: "the token endpoint (an absolute http or https URL)"},
		{Name: "client_id", Type: extension.TypeString, Required: true, Secret: true,
			Doc: "the client ID"},
		{Name: "client_secret", Type: extension.TypeString, Required: true, Secret: true,
			Doc: `the client secret; write "${NAME}" and keep it in the environment or secrets.toml`},
		{Name: "access_token_request_data", Type: extension.TypeObject,
			Doc: "more form fields for the token request (scope, audience, …); grant_type may be overridden"},
		{Name: "default_token_expiration", Type: extension.TypeInt, Default: DefaultTokenExpiration,
			Doc: "the token's lifetime in seconds when the token response has no expires_in"},
		{Name: "client_auth", Type: extension.TypeString, Default: "client_secret_post",
			Doc: "how the credentials reach the token endpoint: client_secret_post (form body, as dlt) or client_secret_basic (HTTP Basic)"},
		{Name: "access_token", Type: extension.TypeString, Secret: true,
			Doc: "accepted for dlt parity and ignored, as dlt does: a token is always fetched first"},
	},
}

// ParseOAuth2ClientCredentials checks the fields; nothing is fetched.
func ParseOAuth2ClientCredentials(args *extension.Args) (extension.Builder[extension.Authenticator], error) {
	tokenURL := requiredString(args, "access_token_url", false)
	if tokenURL != "" {
		if u, err := url.Parse(tokenURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			args.Fail("access_token_url", "must be an absolute http or https URL, got %q", tokenURL)
		}
	}
	id := requiredString(args, "client_id", false)
	secret := requiredString(args, "client_secret", false)
	params := url.Values{}
	for k, v := range args.Map("access_token_request_data") {
		switch t := v.(type) {
		case string:
			params.Set(k, t)
		case bool:
			params.Set(k, strconv.FormatBool(t))
		case int, int64, uint64, float64:
			params.Set(k, fmt.Sprint(t))
		default:
			args.Fail("access_token_request_data."+k, "expected a string, a number or a boolean")
		}
	}
	for _, k := range []string{"client_id", "client_secret"} {
		if params.Has(k) {
			// x/oauth2 refuses to overwrite them; say where to put them.
			args.Fail("access_token_request_data."+k, "is set by the auth itself; give it as the auth's own %s", k)
		}
	}
	ttl := args.Int("default_token_expiration", DefaultTokenExpiration)
	if ttl < 0 {
		args.Fail("default_token_expiration", "must be 0 or more seconds, got %d", ttl)
	}
	style := oauth2.AuthStyleInParams
	switch ca := args.String("client_auth", "client_secret_post"); ca {
	case "client_secret_post", "body":
	case "client_secret_basic", "basic":
		style = oauth2.AuthStyleInHeader
	default:
		args.Fail("client_auth", "must be client_secret_post or client_secret_basic, got %q", ca)
	}
	access, _ := args.OptString("access_token")
	if err := args.Err(); err != nil {
		return nil, err
	}
	cfg := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: tokenURL,
		EndpointParams: params, AuthStyle: style}
	return extension.BuilderFunc[extension.Authenticator](func(ctx context.Context, env *extension.Env) (extension.Authenticator, error) {
		env = env.WithDefaults()
		if access != "" {
			env.Logger.Warn("auth oauth2_client_credentials: access_token is ignored; a token is fetched from access_token_url first, as dlt does")
		}
		return &OAuth2ClientCredentials{
			cfg: cfg, defaultTTL: time.Duration(ttl) * time.Second,
			hc: extension.HTTPClient(ctx), now: time.Now, sleep: httpclient.SleepContext,
			configured: []string{id, secret, access},
			lock:       make(chan struct{}, 1),
		}, nil
	}), nil
}

// Authenticate sets `Authorization: Bearer <token>`, fetching a token
// first when there is none or it expires within the refresh margin.
func (o *OAuth2ClientCredentials) Authenticate(ctx context.Context, req *extension.Request) error {
	tok, err := o.current(ctx, "")
	if err != nil {
		return err
	}
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return nil
}

// Refresh fetches a new token unless the one sent was already replaced
// (many requests rejected with one stale token cause one fetch).
func (o *OAuth2ClientCredentials) Refresh(ctx context.Context, sent *extension.Request) error {
	stale := ""
	if sent != nil {
		stale = strings.TrimPrefix(sent.Header.Get("Authorization"), "Bearer ")
	}
	if stale == "" {
		return nil
	}
	_, err := o.current(ctx, stale)
	return err
}

// current returns a valid token: the cached one unless it is due for
// refresh or equals stale, else a fresh one. One fetch runs at a time; the
// others wait for it (or for their ctx).
func (o *OAuth2ClientCredentials) current(ctx context.Context, stale string) (string, error) {
	if tok, ok := o.cached(stale); ok {
		return tok, nil
	}
	select {
	case o.lock <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-o.lock }()
	if tok, ok := o.cached(stale); ok { // fetched while we waited
		return tok, nil
	}
	start := o.now()
	hctx := ctx
	if o.hc != nil {
		hctx = context.WithValue(ctx, oauth2.HTTPClient, o.hc)
	}
	t, err := o.fetch(hctx)
	if err != nil {
		return "", err
	}
	if t.AccessToken == "" {
		return "", fmt.Errorf("token request to %s: the response has no access_token", o.cfg.TokenURL)
	}
	var lifetime time.Duration
	switch {
	case !t.Expiry.IsZero():
		lifetime = t.Expiry.Sub(start)
	case t.Extra("expires_in") != nil:
		lifetime = 0 // expires_in: 0, as dlt: a new token for every request
	default:
		lifetime = o.defaultTTL
	}
	margin := min(lifetime/10, maxRefreshMargin)
	o.mu.Lock()
	o.token = t.AccessToken
	o.refreshAt = start.Add(lifetime - margin)
	o.fetches++
	o.mu.Unlock()
	return t.AccessToken, nil
}

// tokenAttempts and the waits between them are the HTTP client's
// defaults (dlt's): token requests are retried like any other, on 429,
// 5xx and connection errors, waiting 1, 2, 4, 8 s.
const tokenAttempts = 5

// fetch requests a token, retrying what a retry can fix.
func (o *OAuth2ClientCredentials) fetch(ctx context.Context) (*oauth2.Token, error) {
	for attempt := 1; ; attempt++ {
		t, err := o.cfg.Token(ctx)
		if err == nil {
			return t, nil
		}
		if attempt >= tokenAttempts || ctx.Err() != nil || !retryableTokenError(err) {
			if attempt > 1 {
				return nil, fmt.Errorf("%w (after %d attempts)", o.tokenError(err), attempt)
			}
			return nil, o.tokenError(err)
		}
		if err := o.sleep(ctx, time.Duration(1<<(attempt-1))*time.Second); err != nil {
			return nil, err
		}
	}
}

// retryableTokenError reports a 429, a 5xx or a failure to get any
// response (not a malformed one).
func retryableTokenError(err error) bool {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.Response == nil {
			return false
		}
		c := re.Response.StatusCode
		return c == http.StatusTooManyRequests || c >= 500
	}
	var ue *url.Error
	return errors.As(err, &ue)
}

func (o *OAuth2ClientCredentials) cached(stale string) (string, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.token == "" || o.token == stale || !o.now().Before(o.refreshAt) {
		return "", false
	}
	return o.token, true
}

// tokenError names the token URL, the status and the first bytes of the
// body. The HTTP client redacts the secrets from it.
func (o *OAuth2ClientCredentials) tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		msg := fmt.Sprintf("token request to %s: %s", o.cfg.TokenURL, statusText(re.Response.StatusCode))
		if b := httpclient.Snippet(re.Body, 512); b != "" {
			msg += ": " + b
		}
		return errors.New(msg)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("token request to %s: %w", o.cfg.TokenURL, err)
}

// Secrets returns the client ID and secret and the current token.
func (o *OAuth2ClientCredentials) Secrets() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]string, 0, 4)
	for _, s := range o.configured {
		if s != "" {
			out = append(out, s)
		}
	}
	if o.token != "" {
		out = append(out, o.token)
	}
	return out
}

// Fetches returns how many tokens were fetched so far.
func (o *OAuth2ClientCredentials) Fetches() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.fetches
}

// Type names the auth in errors.
func (o *OAuth2ClientCredentials) Type() string { return "oauth2_client_credentials" }

var (
	_ extension.Authenticator = (*OAuth2ClientCredentials)(nil)
	_ extension.Refresher     = (*OAuth2ClientCredentials)(nil)
)

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return strconv.Itoa(code) + " " + t
	}
	return strconv.Itoa(code)
}
