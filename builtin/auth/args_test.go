package auth

import (
	"errors"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/runtime/extension"
)

// TestArgErrors: every bad argument is reported at its field, and no
// secret value reaches the message.
func TestArgErrors(t *testing.T) {
	oauth := func(kv ...any) map[string]any {
		m := map[string]any{"access_token_url": "https://h/token", "client_id": "the-id", "client_secret": "the-secret"}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
				continue
			}
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name, typ string
		args      map[string]any
		field     string
		msg       string
	}{
		{"basic no user", "http_basic", map[string]any{"password": "pw-secret"}, "username", "required"},
		{"basic no password", "http_basic", map[string]any{"username": "u"}, "password", "required"},
		{"basic colon", "http_basic", map[string]any{"username": "a:b", "password": "pw-secret"}, "username", `":"`},
		{"basic newline", "http_basic", map[string]any{"username": "u", "password": "pw-secret\n"}, "password", "line break"},
		{"basic typo", "http_basic", map[string]any{"username": "u", "password": "pw-secret", "pasword": "x"}, "pasword", "unknown field"},
		{"key missing", "api_key", map[string]any{"name": "X-Key"}, "api_key", "required"},
		{"key empty", "api_key", map[string]any{"api_key": ""}, "api_key", "empty"},
		{"key location", "api_key", map[string]any{"api_key": "k-secret", "location": "body"}, "location", "header, query or cookie"},
		{"key bad header", "api_key", map[string]any{"api_key": "k-secret", "name": "X Key"}, "name", "not a valid header name"},
		{"key empty name", "api_key", map[string]any{"api_key": "k-secret", "name": ""}, "name", "empty"},
		{"key bad cookie", "api_key", map[string]any{"api_key": "a;b-secret", "location": "cookie", "name": "sid"}, "api_key", "cookie"},
		{"oauth no url", "oauth2_client_credentials", oauth("access_token_url", nil), "access_token_url", "required"},
		{"oauth relative url", "oauth2_client_credentials", oauth("access_token_url", "/token"), "access_token_url", "absolute"},
		{"oauth no id", "oauth2_client_credentials", oauth("client_id", nil), "client_id", "required"},
		{"oauth no secret", "oauth2_client_credentials", oauth("client_secret", nil), "client_secret", "required"},
		{"oauth client_auth", "oauth2_client_credentials", oauth("client_auth", "jwt"), "client_auth", "client_secret_post or client_secret_basic"},
		{"oauth ttl", "oauth2_client_credentials", oauth("default_token_expiration", -1), "default_token_expiration", "0 or more"},
		{"oauth ttl type", "oauth2_client_credentials", oauth("default_token_expiration", "soon"), "default_token_expiration", "integer"},
		{"oauth data type", "oauth2_client_credentials", oauth("access_token_request_data", "scope=x"), "access_token_request_data", "object"},
		{"oauth data value", "oauth2_client_credentials", oauth("access_token_request_data", map[string]any{"scope": []any{"a"}}), "access_token_request_data.scope", "string"},
		{"oauth data secret", "oauth2_client_credentials", oauth("access_token_request_data", map[string]any{"client_secret": "x"}), "access_token_request_data.client_secret", "auth's own"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newAuth(t, tt.typ, tt.args)
			var list extension.ArgErrors
			if !errors.As(err, &list) {
				t.Fatalf("err = %v (%T)", err, err)
			}
			found := false
			for _, e := range list {
				if e.Field == tt.field && strings.Contains(e.Msg, tt.msg) {
					found = true
				}
			}
			if !found {
				t.Fatalf("err %v has no %q problem on %q", err, tt.msg, tt.field)
			}
			if strings.Contains(err.Error(), "-secret") {
				t.Fatalf("a secret value is in the error: %v", err)
			}
		})
	}
}
