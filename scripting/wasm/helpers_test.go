package wasm

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/sluicehq/sluice/runtime/extension"
)

// Test guests are built from testdata/guests/NAME with the standard Go
// toolchain into a folder of this test binary's own, once per name.
var (
	guestDir  string
	guestMu   sync.Mutex
	guestWASM = map[string]string{}
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sluice-wasm-guests-")
	if err != nil {
		panic(err)
	}
	guestDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// guest returns the path of the test guest NAME, building it when this
// test binary has not yet.
func guest(t testing.TB, name string) string {
	t.Helper()
	guestMu.Lock()
	defer guestMu.Unlock()
	if p, ok := guestWASM[name]; ok {
		return p
	}
	out := filepath.Join(guestDir, name+".wasm")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", out, "./testdata/guests/"+name)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the test guest %s: %v\n%s", name, err, b)
	}
	guestWASM[name] = out
	return out
}

func registries() *extension.Registries {
	r := extension.NewRegistries()
	Register(r)
	return r
}

// closeAfter closes v when the test ends.
func closeAfter(t testing.TB, v any) {
	t.Cleanup(func() {
		if err := extension.Close(v); err != nil {
			t.Errorf("close: %v", err)
		}
	})
}

func newStep(t testing.TB, kind, module string, config map[string]any, env *extension.Env) extension.Step {
	t.Helper()
	args := map[string]any{extension.HookKind: kind, extension.HookModule: module}
	if config != nil {
		args[extension.HookConfig] = config
	}
	s, err := registries().Steps.New(context.Background(), Type, args, env)
	if err != nil {
		t.Fatal(err)
	}
	closeAfter(t, s)
	return s
}
