package action

import (
	"context"
	"testing"

	"github.com/sluicehq/sluice/runtime/extension"
)

func TestBuiltins(t *testing.T) {
	reg := extension.NewRegistry[extension.ResponseAction]("response action")
	Register(reg)
	if err := reg.CheckSpecs(); err != nil {
		t.Fatal(err)
	}
	for typ, want := range map[string]extension.Verdict{"ignore": extension.Ignore, "retry": extension.Retry, "fail": extension.Fail} {
		a, err := reg.New(context.Background(), typ, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := a.Act(context.Background(), nil); err != nil || v != want || v.String() != typ {
			t.Fatalf("%s: Act = %v, %v", typ, v, err)
		}
		if _, err := reg.Parse(typ, map[string]any{"x": 1}); err == nil {
			t.Fatalf("%s accepted an argument", typ)
		}
	}
}
