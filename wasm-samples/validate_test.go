package samples_test

import (
	"strings"
	"testing"
)

// TestValidate: `sluice validate`, run from another folder than the
// pipeline's, checks that each module exists (relative to the pipeline
// file), speaks the ABI and implements the hook the YAML asks of it.
func TestValidate(t *testing.T) {
	base := func(paginator, step string) string {
		return `pipeline: {name: v}
source:
  client:
    base_url: http://127.0.0.1:1/
    paginator: {type: wasm, module: ` + paginator + `, config: {header: X-Next-Page, param: page}}
  resources:
    - name: items
      endpoint: {path: items}
      processing_steps:
        - map: {wasm: ` + step + `, config: {fields: [email]}}
`
	}
	tests := []struct {
		name, yaml string
		code       int
		want       string
	}{
		{"the samples where they belong", base("bin/wasm/next-page-header.wasm", "bin/wasm/pii-hash.wasm"), 0, "is valid"},
		{"a map step as the paginator", base("bin/wasm/pii-hash.wasm", "bin/wasm/pii-hash.wasm"), 2,
			"source.client.paginator.module (line 5, col 29): wasm module pii-hash.wasm does not implement a paginator (it implements: map)"},
		{"a paginator as a map step", base("bin/wasm/next-page-header.wasm", "bin/wasm/next-page-header.wasm"), 2,
			"does not implement a map (it implements: paginator)"},
		{"a missing step module", base("bin/wasm/next-page-header.wasm", "bin/wasm/no-such.wasm"), 2,
			"no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := sluice(t, pipelineDir(t), tc.yaml, "validate")
			if code != tc.code || !strings.Contains(stdout+stderr, tc.want) {
				t.Fatalf("exit %d, want %d and %q\nstdout: %s\nstderr: %s", code, tc.code, tc.want, stdout, stderr)
			}
		})
	}
}
