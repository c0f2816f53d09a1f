package auth

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/sluicehq/sluice/runtime/extension"
)

// APIKey sends a key in a header (default `Authorization: <key>`, raw, no
// scheme word, as dlt does), a query parameter or a cookie.
type APIKey struct {
	name, key, location string
	cookie              string // name=key, for location cookie
}

// APIKeySpec describes api_key.
var APIKeySpec = extension.Spec{
	Summary: "Send an API key in a header, a query parameter or a cookie.",
	Fields: []extension.Field{
		{Name: "api_key", Type: extension.TypeString, Required: true, Secret: true,
			Doc: `the key; write "${NAME}" and keep it in the environment or secrets.toml`},
		{Name: "name", Type: extension.TypeString, Default: "Authorization",
			Doc: "the header, query parameter or cookie that carries the key"},
		{Name: "location", Type: extension.TypeString, Default: "header",
			Doc: "where the key goes: header, query (or dlt's param) or cookie"},
	},
}

// ParseAPIKey checks api_key, name and location.
func ParseAPIKey(args *extension.Args) (extension.Builder[extension.Authenticator], error) {
	key := requiredString(args, "api_key", false)
	name := args.String("name", "Authorization")
	loc := args.String("location", "header")
	switch loc {
	case "param":
		loc = "query"
	case "header", "query", "cookie":
	default:
		args.Fail("location", "must be header, query or cookie, got %q", loc)
	}
	a := &APIKey{name: name, key: key, location: loc}
	switch {
	case name == "":
		args.Fail("name", "must not be empty")
	case loc == "header" && !isToken(name):
		args.Fail("name", "%q is not a valid header name (letters, digits and !#$%%&'*+-.^_`|~ only)", name)
	case loc == "cookie":
		c := &http.Cookie{Name: name, Value: key}
		if !isToken(name) {
			args.Fail("name", "%q is not a valid cookie name", name)
		} else if key != "" && c.Valid() != nil {
			args.Fail("api_key", "cannot be sent in a cookie (it holds a space, a quote, a comma, a semicolon or a backslash)")
		} else {
			a.cookie = c.String()
		}
	}
	if err := args.Err(); err != nil {
		return nil, err
	}
	return extension.Ready[extension.Authenticator](a), nil
}

// Authenticate puts the key in its place. A query key replaces a parameter
// of the same name in the URL's own query (a next link that carries the
// key back), so it is sent once, where dlt sends it twice.
func (a *APIKey) Authenticate(_ context.Context, req *extension.Request) error {
	if req.Header == nil {
		req.Header = http.Header{}
	}
	switch a.location {
	case "header":
		req.Header.Set(a.name, a.key)
	case "cookie":
		if old := req.Header.Get("Cookie"); old != "" {
			req.Header.Set("Cookie", old+"; "+a.cookie)
		} else {
			req.Header.Set("Cookie", a.cookie)
		}
	case "query":
		if u, err := url.Parse(req.URL); err == nil && u.RawQuery != "" {
			if q := u.Query(); q.Has(a.name) {
				q.Del(a.name)
				u.RawQuery = extension.EncodeQuery(q)
				req.URL = u.String()
			}
		}
		if req.Query == nil {
			req.Query = url.Values{}
		}
		req.Query.Set(a.name, a.key)
	}
	return nil
}

// Secrets returns the key.
func (a *APIKey) Secrets() []string { return []string{a.key} }

// Type names the auth in errors.
func (a *APIKey) Type() string { return "api_key" }

var _ extension.Authenticator = (*APIKey)(nil)

// isToken reports whether s is an RFC 9110 token (a header or cookie name).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r >= 0x80 || !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune("!#$%&'*+-.^_`|~", r)) {
			return false
		}
	}
	return true
}
