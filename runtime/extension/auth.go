package extension

import "context"

// Authenticator prepares an outgoing request: it may set headers and query
// parameters (a bearer token, an API key, a signature). It is called for
// every request, every page and every retry, after all other request
// changes, so a signature covers the final request.
//
// An Authenticator is shared by all requests of a resource and must be safe
// for concurrent use. It must not change the method, scheme or host.
// Secrets returns the values it holds that must never be printed; the engine
// redacts them from every log line and error.
type Authenticator interface {
	Authenticate(ctx context.Context, req *Request) error
	Secrets() []string
}
