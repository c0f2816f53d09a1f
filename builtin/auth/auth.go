// Package auth holds the built-in authenticators, one file each, in the
// same shape as the paginators of package paginate.
package auth

import "github.com/sluicehq/sluice/runtime/extension"

// Register adds the built-in auths to reg.
func Register(reg *extension.Registry[extension.Authenticator]) {
	reg.Register("bearer", BearerSpec, ParseBearer)
}
