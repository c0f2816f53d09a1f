package extension

import (
	"context"
	"net/http"
)

// Authenticator prepares an outgoing request: it may set headers and query
// parameters (a bearer token, an API key, a signature). It is called for
// every request, every page and every retry, after all other request
// changes, so a signature covers the final request.
//
// It is called only for requests to an origin (scheme, host, port) that may
// receive credentials: the base_url's, and those of client.auth_origins. A
// request to any other origin (a next link to another host, say) is sent
// without calling it.
//
// An Authenticator is shared by all requests of a resource and must be safe
// for concurrent use. It must not change the method, scheme, host or port:
// the HTTP client compares them before and after and fails the request,
// naming the auth, when they differ. An Authenticator may add a
// `Type() string` method; errors name it by that, else by its Go type.
// Secrets returns the values it holds that must never be printed; the engine
// redacts them from every log line and error.
type Authenticator interface {
	Authenticate(ctx context.Context, req *Request) error
	Secrets() []string
}

// Refresher is an Authenticator whose credentials can go stale before it
// knows it: an OAuth2 access token revoked or expired early. When a request
// it authenticated is answered 401 Unauthorized, the HTTP client calls
// Refresh once, with the request as the auth prepared it, and sends the
// request again with fresh credentials; a second 401 is the error.
//
// Many requests in flight may get a 401 for the same stale credentials:
// sent lets a shared Authenticator see whether the credentials it carried
// are still the current ones and fetch new ones only once.
type Refresher interface {
	Refresh(ctx context.Context, sent *Request) error
}

type httpClientKey struct{}

// WithHTTPClient returns ctx carrying hc, the *http.Client an extension's
// Build uses for requests of its own (an OAuth2 token request), so that
// they get the run's transport and timeout.
func WithHTTPClient(ctx context.Context, hc *http.Client) context.Context {
	return context.WithValue(ctx, httpClientKey{}, hc)
}

// HTTPClient returns the *http.Client ctx carries (see WithHTTPClient), or
// nil.
func HTTPClient(ctx context.Context) *http.Client {
	hc, _ := ctx.Value(httpClientKey{}).(*http.Client)
	return hc
}
