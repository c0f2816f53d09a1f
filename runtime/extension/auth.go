package extension

import "context"

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
