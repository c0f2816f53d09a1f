package js

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/sluicehq/sluice/internal/demoapi"
	"github.com/sluicehq/sluice/runtime/extension"
)

// registries returns registries with only this engine in them.
func registries() *extension.Registries {
	r := extension.NewRegistries()
	Register(r)
	return r
}

// users returns n records of the demo API's user shape (nested address,
// tags, orders with items), ids 1…n.
func users(n int) []any {
	srv := demoapi.New(demoapi.Options{Users: n})
	out := make([]any, n)
	for i := range out {
		out[i] = srv.User(i + 1)
	}
	return out
}

// newStep parses and builds a js step as the engine does.
func newStep(t testing.TB, kind, src string, env *extension.Env) extension.Step {
	t.Helper()
	s, err := registries().Steps.New(context.Background(), Type, map[string]any{"kind": kind, "source": src}, env)
	if err != nil {
		t.Fatalf("%s %q: %v", kind, src, err)
	}
	return s
}

func jsonDecode(resp *http.Response, v any) error {
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}
