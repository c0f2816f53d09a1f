package cel

import (
	"context"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/demoapi"
	"github.com/sluicehq/sluice/runtime/extension"
)

// registries returns registries with the CEL engine registered, as
// cmd/sluice builds them.
func registries(t testing.TB) *extension.Registries {
	t.Helper()
	reg := extension.NewRegistries()
	Register(reg)
	return reg
}

// users returns the first n users of the demo API, as a page decoded
// from its JSON would hold them.
func users(n int) []any {
	srv := demoapi.New(demoapi.Options{Users: n})
	out := make([]any, n)
	for i := range out {
		out[i] = srv.User(i + 1)
	}
	return out
}

// newStep parses and builds a CEL step.
func newStep(t testing.TB, kind, src string, config map[string]any, env *extension.Env) extension.Step {
	t.Helper()
	args := map[string]any{"kind": kind, "source": src}
	if config != nil {
		args["config"] = config
	}
	st, err := registries(t).Steps.New(context.Background(), Type, args, env)
	if err != nil {
		t.Fatalf("%s %q: %v", kind, src, err)
	}
	return st
}

// fixedClock is an Env clock stopped at 2024-05-01T12:00:00.250Z.
func fixedClock() time.Time {
	return time.Date(2024, 5, 1, 14, 0, 0, 250e6, time.FixedZone("CEST", 2*3600))
}

func field(rec any, k string) any { return rec.(map[string]any)[k] }
