package httpclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/sluicehq/sluice/runtime/extension"
	"github.com/sluicehq/sluice/runtime/redact"
)

// Origin returns the origin of an absolute http(s) URL as
// "scheme://host[:port]": scheme and host in lower case, the port left out
// when it is the scheme's default (443 for https, 80 for http). Anything
// after the host is ignored, so a base_url may be given as it is.
func Origin(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", err
	}
	return originOf(u)
}

func originOf(u *url.URL) (string, error) {
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("unsupported URL scheme %q (want http or https)", u.Scheme)
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return "", errors.New("URL has no host")
	}
	port := u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return scheme + "://" + host, nil
}

// trusted reports whether requests to origin get credentials.
func (c *Client) trusted(origin string) bool {
	return c.origins == nil || c.origins[origin]
}

// credential reports whether a header or query parameter carries a
// credential: its name says so, or its value holds a known secret.
func (c *Client) credential(name string, values []string) bool {
	if redact.IsSensitiveHeader(name) {
		return true
	}
	for _, v := range values {
		if c.red.Contains(v) {
			return true
		}
	}
	return false
}

// withhold removes from h and q every header and query parameter that
// carries a credential, and reports whether it removed any.
func (c *Client) withhold(h http.Header, q url.Values) bool {
	removed := false
	for k, vs := range h {
		if c.credential(k, vs) {
			delete(h, k)
			removed = true
		}
	}
	for k, vs := range q {
		if c.credential(k, vs) {
			delete(q, k)
			removed = true
		}
	}
	return removed
}

// warnWithheld says, once per origin, that requests to origin go without
// credentials.
func (c *Client) warnWithheld(method, rawURL, origin string) {
	if _, seen := c.warned.LoadOrStore(origin, true); seen {
		return
	}
	c.log.Warn(fmt.Sprintf("%s %s: sending it without credentials (auth, secret headers and parameters): %s is not the base_url's origin; list it in client.auth_origins if it should get them",
		method, c.red.URL(rawURL), origin),
		"method", method, "url", c.red.URL(rawURL), "origin", origin)
}

// checkRedirect is the http.Client's CheckRedirect: it stops after
// maxRedirects, and on a redirect to an origin that gets no credentials
// it removes every header that carries one. Go itself drops
// Authorization and Cookie when the host changes, but not X-Api-Key or a
// header whose value is a secret.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	to, err := originOf(req.URL)
	if err != nil {
		return err
	}
	ok := c.trusted(to)
	if c.origins == nil {
		from, _ := originOf(via[0].URL)
		ok = to == from
	}
	if !ok && c.withhold(req.Header, nil) {
		c.warnWithheld(req.Method, req.URL.String(), to)
	}
	return nil
}

// authenticate applies auth to r and checks the Authenticator contract:
// the method, the scheme, the host and the port stay as they were.
func authenticate(ctx context.Context, auth extension.Authenticator, r *extension.Request) error {
	before, err := url.Parse(r.URL)
	if err != nil {
		return &fatalError{fmt.Errorf("invalid URL: %w", err)}
	}
	method := r.Method
	if err := auth.Authenticate(ctx, r); err != nil {
		return &fatalError{fmt.Errorf("auth %s: %w", authName(auth), err)}
	}
	after, err := url.Parse(r.URL)
	if err != nil {
		return &fatalError{fmt.Errorf("auth %s made the URL invalid: %w", authName(auth), err)}
	}
	var what string
	switch {
	case r.Method != method:
		what = fmt.Sprintf("the method from %s to %s", method, r.Method)
	case !strings.EqualFold(after.Scheme, before.Scheme):
		what = fmt.Sprintf("the scheme from %s to %s", before.Scheme, after.Scheme)
	case !strings.EqualFold(after.Hostname(), before.Hostname()):
		what = "the host"
	case after.Port() != before.Port():
		what = "the port"
	}
	if what != "" {
		return &fatalError{fmt.Errorf("auth %s changed %s; an auth may set headers and query parameters but must not change the method, scheme, host or port", authName(auth), what)}
	}
	return nil
}

// authName names an Authenticator in errors: its Type() when it has one,
// else its Go type's name (Bearer).
func authName(a extension.Authenticator) string {
	if t, ok := a.(interface{ Type() string }); ok {
		return t.Type()
	}
	t := reflect.TypeOf(a)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Name() == "" {
		return fmt.Sprintf("%T", a)
	}
	return t.Name()
}
