package cel

import (
	"slices"
	"testing"
)

func TestSpecs(t *testing.T) {
	reg := registries(t)
	for _, err := range []error{reg.Steps.CheckSpecs(), reg.Converts.CheckSpecs(), reg.Actions.CheckSpecs()} {
		if err != nil {
			t.Error(err)
		}
	}
	for _, has := range []bool{reg.Steps.Has(Type), reg.Converts.Has(Type), reg.Actions.Has(Type)} {
		if !has {
			t.Fatal("type cel is not registered everywhere it belongs")
		}
	}
	// No CEL paginator or auth: those take a script, not an expression.
	if reg.Paginators.Has(Type) || reg.Auths.Has(Type) {
		t.Fatal("cel registered as a paginator or an auth")
	}
	if _, err := reg.Paginators.Parse(Type, nil); err == nil {
		t.Fatal("a cel paginator parsed")
	}
	if got := StepSpec.FieldNames(); !slices.Equal(got, []string{"config", "kind", "source"}) {
		t.Fatalf("step fields %v", got)
	}
}
