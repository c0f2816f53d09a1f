package config

import (
	"os"
	"testing"
)

// FuzzParseHooks feeds Parse pipeline files around the typed parts (hooks,
// response actions, incremental, base_url): Parse must not panic, a valid
// file's Unsupported must not panic, and every problem and warning must
// say something.
func FuzzParseHooks(f *testing.F) {
	for _, name := range []string{"valid/hooks.yaml", "valid/plain.yaml", "valid/hints.yaml", "broken/run_rejects.yaml"} {
		b, err := os.ReadFile(fixture(name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("pipeline: {name: p}\nsource:\n  client: {base_url: \"http//x\"}\n  resources:\n    - name: a\n      endpoint:\n        response_actions: [{status_code: [4xx, 500], action: {js: r}}]\n        incremental: {cursor_path: a, initial_value: 2024-01-01T00:00:00Z, end_value: 1}\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(data, "fuzz.yaml", dir, Options{LookupEnv: envOf(nil)})
		if err != nil {
			ps, ok := err.(Problems)
			if !ok {
				t.Fatalf("error is %T: %v", err, err)
			}
			for _, p := range ps {
				if p.Msg == "" {
					t.Fatalf("a problem without a message: %+v", p)
				}
			}
			return
		}
		for _, w := range file.Unsupported() {
			if w.Msg == "" || w.Feature == "" {
				t.Fatalf("a warning without a message: %+v", w)
			}
		}
	})
}
