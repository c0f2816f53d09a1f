package samples_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The plugins the tests build, by folder (relative to wasm-samples/).
var modules = map[string]string{
	"sigv4":            "sigv4",
	"next-page-header": "next-page-header",
	"pii-hash":         "pii-hash",
	"range-filter":     "range-filter",
	"error-body":       "error-body",
	"loop":             "testdata/loop",
	"hog":              "testdata/hog",
	"escape":           "testdata/escape",
}

// built is where TestMain put the sluice binary and bin/wasm/<name>.wasm.
var built string

// TestMain builds sluice and every module once per test binary, the way
// `make build wasm-samples` does; a build failure fails every test (none
// is skipped for want of a .wasm).
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sluice-wasm-samples-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	built = dir
	err = buildAll(dir)
	code := 1
	if err != nil {
		fmt.Fprintln(os.Stderr, "building the samples:", err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func buildAll(dir string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	run := func(env []string, args ...string) error {
		cmd := exec.Command(goBin, args...)
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := run([]string{"CGO_ENABLED=0"}, "build", "-o", filepath.Join(dir, "sluice"), "./cmd/sluice"); err != nil {
		return err
	}
	wasm := []string{"GOOS=wasip1", "GOARCH=wasm"}
	for name, folder := range modules {
		out := filepath.Join(dir, "bin", "wasm", name+".wasm")
		if err := run(wasm, "build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", out, "./wasm-samples/"+folder); err != nil {
			return err
		}
	}
	return nil
}

// pipelineDir is a fresh folder with bin/wasm linked to the built modules,
// so that pipelines name them as the docs do: bin/wasm/<name>.wasm,
// relative to the pipeline file.
func pipelineDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(built, "bin", "wasm"), filepath.Join(dir, "bin", "wasm")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// sluice runs the built binary on the pipeline in dir (pipeline.yaml, with
// its database out.db and its state beside it), from another folder, and
// returns the exit code and what it printed.
func sluice(t *testing.T, dir, yaml string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	path := filepath.Join(dir, "pipeline.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	argv := append([]string{args[0], path}, args[1:]...)
	if args[0] == "run" {
		argv = append(argv, "--db", filepath.Join(dir, "out.db"), "--pipelines-dir", dir, "--progress", "none")
	}
	cmd := exec.Command(filepath.Join(built, "sluice"), argv...)
	// Another folder than the pipeline's: relative module paths resolve
	// against the pipeline file, not the current folder.
	cmd.Dir = t.TempDir()
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errb.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}
