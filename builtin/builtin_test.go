package builtin

import (
	"slices"
	"testing"

	"github.com/sluicehq/sluice/runtime/extension"
)

func TestRegister(t *testing.T) {
	r := extension.NewRegistries()
	Register(r)
	for _, typ := range []string{"single_page", "json_link", "json_response", "header_link"} {
		if !r.Paginators.Has(typ) {
			t.Errorf("paginator %s not registered", typ)
		}
	}
	if !slices.Contains(r.Auths.Types(), "bearer") {
		t.Errorf("auth bearer not registered")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("registering twice did not panic")
		}
	}()
	Register(r)
}
