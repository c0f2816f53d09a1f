// Package action holds the built-in response actions, ignore, retry and
// fail, written against the same extension.ResponseAction interface that
// JavaScript, CEL and WASM actions implement.
package action

import "github.com/sluicehq/sluice/runtime/extension"

// Specs of the built-in actions; they take no arguments.
var (
	IgnoreSpec = extension.Spec{Summary: "End the request chain without this response; keep the pages read before it (dlt's ignore)."}
	RetrySpec  = extension.Spec{Summary: "Send the request again with the client's backoff, within client.retry.max_attempts (beyond dlt, its #1786)."}
	FailSpec   = extension.Spec{Summary: "Fail the resource with the response's status and the first bytes of its body."}
)

// Register adds the built-in actions to reg.
func Register(reg *extension.Registry[extension.ResponseAction]) {
	for _, d := range []struct {
		typ  string
		spec extension.Spec
		v    extension.Verdict
	}{
		{"ignore", IgnoreSpec, extension.Ignore},
		{"retry", RetrySpec, extension.Retry},
		{"fail", FailSpec, extension.Fail},
	} {
		v := d.v
		reg.Register(d.typ, d.spec, func(a *extension.Args) (extension.Builder[extension.ResponseAction], error) {
			return extension.Ready[extension.ResponseAction](extension.VerdictAction(v)), a.Err()
		})
	}
}
