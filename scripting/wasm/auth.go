package wasm

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/sluicehq/sluice/runtime/extension"
)

// AuthSpec describes the wasm auth.
var AuthSpec = extension.Spec{
	Summary: "A WebAssembly auth: a module (sluice ABI 1) that returns the headers and query parameters to set on each outgoing request (a signature, a token).",
	Fields:  moduleFields("the auth's settings (keys, region, …), which the module reads (guest.Config); values under keys naming a secret, key, token or password are redacted from logs"),
}

// ParseAuth checks a wasm auth.
func ParseAuth(args *extension.Args) (extension.Builder[extension.Authenticator], error) {
	return parseBuilder(args, "auth", func(h hookArgs, p *pool) extension.Authenticator { return &Auth{pool: p, secrets: secrets(h.config)} })
}

// Auth is a built wasm auth; it is safe for concurrent use.
type Auth struct {
	pool    *pool
	secrets []string
}

// Type names the auth in errors.
func (a *Auth) Type() string { return a.pool.what }

// Secrets returns the config's secret-looking values.
func (a *Auth) Secrets() []string { return a.secrets }

// Authenticate asks the module for the headers and query parameters to
// set and sets them.
func (a *Auth) Authenticate(ctx context.Context, req *extension.Request) error {
	fail := func(err error) error { return fmt.Errorf("%s: %w", a.pool.what, err) }
	rv, err := requestValue(req)
	if err != nil {
		return fail(err)
	}
	in, err := marshal(map[string]any{"request": rv})
	if err != nil {
		return fail(err)
	}
	out, err := a.pool.call(ctx, "sluice_auth", in)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return err
		}
		return fail(err)
	}
	if err := envelopeError(out); err != nil {
		return fail(err)
	}
	v, err := decoder.Decode(out)
	if err != nil {
		return fail(fmt.Errorf("returned a result that is not JSON: %w", err))
	}
	res, _ := v.(map[string]any)
	for k := range res {
		if k != "set_headers" && k != "set_query" {
			return fail(fmt.Errorf("returned %q: an auth may only set_headers and set_query", k))
		}
	}
	if h, ok := res["set_headers"].(map[string]any); ok {
		if req.Header == nil {
			req.Header = map[string][]string{}
		}
		for k, e := range h {
			req.Header.Set(k, scalar(e))
		}
	}
	if q, ok := res["set_query"].(map[string]any); ok {
		if req.Query == nil {
			req.Query = url.Values{}
		}
		for k, e := range q {
			req.Query.Set(k, scalar(e))
		}
	}
	return nil
}

// Close closes the auth's instances and releases its module.
func (a *Auth) Close() error { return a.pool.Close() }

// secrets are the string values of config under keys that name a secret.
func secrets(config map[string]any) []string {
	var out []string
	for k, v := range config {
		s, ok := v.(string)
		if !ok || len(s) < 4 {
			continue
		}
		l := strings.ToLower(k)
		for _, w := range []string{"secret", "key", "token", "password"} {
			if strings.Contains(l, w) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

var _ extension.Authenticator = (*Auth)(nil)
