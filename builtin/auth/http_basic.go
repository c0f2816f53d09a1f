package auth

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/sluicehq/sluice/runtime/extension"
)

// HTTPBasic sends `Authorization: Basic base64(username:password)` (RFC
// 7617, UTF-8), replacing any Authorization header the request has, as
// dlt does.
type HTTPBasic struct {
	username, password string
	header             string
}

// HTTPBasicSpec describes http_basic.
var HTTPBasicSpec = extension.Spec{
	Summary: "Send the header Authorization: Basic base64(username:password).",
	Fields: []extension.Field{
		{Name: "username", Type: extension.TypeString, Required: true, Secret: true,
			Doc: `the user name; it must not contain ":"`},
		{Name: "password", Type: extension.TypeString, Required: true, Secret: true,
			Doc: `the password (may be ""); write "${NAME}" and keep it in the environment or secrets.toml`},
	},
}

// ParseHTTPBasic checks username and password.
func ParseHTTPBasic(args *extension.Args) (extension.Builder[extension.Authenticator], error) {
	user := requiredString(args, "username", false)
	if strings.Contains(user, ":") {
		// RFC 7617: the server splits at the first colon.
		args.Fail("username", `must not contain ":" (the server would split the user name there)`)
	}
	pass := requiredString(args, "password", true)
	if err := args.Err(); err != nil {
		return nil, err
	}
	h := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	return extension.Ready[extension.Authenticator](&HTTPBasic{username: user, password: pass, header: h}), nil
}

// Authenticate sets the Authorization header.
func (b *HTTPBasic) Authenticate(_ context.Context, req *extension.Request) error {
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("Authorization", b.header)
	return nil
}

// Secrets returns the user name, the password and the header value that
// encodes them.
func (b *HTTPBasic) Secrets() []string {
	return []string{b.username, b.password, b.header, strings.TrimPrefix(b.header, "Basic ")}
}

// Type names the auth in errors.
func (b *HTTPBasic) Type() string { return "http_basic" }

var _ extension.Authenticator = (*HTTPBasic)(nil)

// requiredString reads a required string field that must be given, be
// non-empty unless mayBeEmpty, and hold no line break (net/http would
// refuse it at the first request; say it now, at the field, without
// printing the value).
func requiredString(args *extension.Args, field string, mayBeEmpty bool) string {
	s, given := args.OptString(field)
	switch {
	case !given:
		if v, ok := args.Raw(field); !ok || v == nil {
			args.Fail(field, "is required")
		}
	case s == "" && !mayBeEmpty:
		args.Fail(field, "must not be empty")
	case strings.ContainsAny(s, "\r\n"):
		args.Fail(field, "contains a line break (was it read from a file with its trailing newline?)")
	}
	return s
}
