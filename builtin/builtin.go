// Package builtin holds the extensions sluice ships: paginators in
// builtin/paginate and auths in builtin/auth, written against the same
// interfaces (package extension) that JavaScript and WASM extensions
// implement. Nothing registers itself: main calls Register.
package builtin

import (
	"github.com/sluicehq/sluice/builtin/action"
	"github.com/sluicehq/sluice/builtin/auth"
	"github.com/sluicehq/sluice/builtin/paginate"
	"github.com/sluicehq/sluice/runtime/extension"
)

// Register adds every built-in type to r.
func Register(r *extension.Registries) {
	paginate.Register(r.Paginators)
	r.DetectPaginator = paginate.Detect
	auth.Register(r.Auths)
	action.Register(r.Actions)
}
