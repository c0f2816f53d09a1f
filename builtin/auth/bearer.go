package auth

import (
	"context"
	"net/http"
	"strings"

	"github.com/sluicehq/sluice/runtime/extension"
)

// Bearer sends `Authorization: Bearer <token>`, replacing any Authorization
// header the request already has (as dlt does).
type Bearer struct {
	token string
}

// BearerSpec describes bearer.
var BearerSpec = extension.Spec{
	Summary: "Send the header Authorization: Bearer <token>.",
	Fields: []extension.Field{
		{Name: "token", Type: extension.TypeString, Required: true, Secret: true,
			Doc: `the token; write "${NAME}" and keep it in the environment or secrets.toml`},
	},
}

// ParseBearer checks token, which must be a non-empty string.
func ParseBearer(args *extension.Args) (extension.Builder[extension.Authenticator], error) {
	tok, given := args.OptString("token")
	if !given {
		if v, ok := args.Raw("token"); !ok || v == nil {
			args.Fail("token", "is required")
		}
	} else if tok == "" {
		args.Fail("token", "must not be empty")
	} else if strings.ContainsAny(tok, "\r\n") {
		// net/http would refuse the header at the first request; say it
		// now, at the field, without printing the value.
		args.Fail("token", "contains a line break (was it read from a file with its trailing newline?)")
	}
	if err := args.Err(); err != nil {
		return nil, err
	}
	return extension.Ready[extension.Authenticator](&Bearer{token: tok}), nil
}

// Authenticate sets the Authorization header.
func (b *Bearer) Authenticate(_ context.Context, req *extension.Request) error {
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("Authorization", "Bearer "+b.token)
	return nil
}

// Secrets returns the token.
func (b *Bearer) Secrets() []string { return []string{b.token} }

var _ extension.Authenticator = (*Bearer)(nil)
