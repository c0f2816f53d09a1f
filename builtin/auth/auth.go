// Package auth holds the built-in authenticators, one file each, in the
// same shape as the paginators of package paginate.
package auth

import "github.com/sluicehq/sluice/runtime/extension"

// Register adds the built-in auths to reg.
func Register(reg *extension.Registry[extension.Authenticator]) {
	reg.Register("bearer", BearerSpec, ParseBearer)
	reg.Register("http_basic", HTTPBasicSpec, ParseHTTPBasic)
	reg.Register("api_key", APIKeySpec, ParseAPIKey)
	reg.Register("oauth2_client_credentials", OAuth2ClientCredentialsSpec, ParseOAuth2ClientCredentials)
}
