package state

import (
	"path/filepath"
	"testing"
)

func TestDirRoundTrip(t *testing.T) {
	d, err := Open(t.TempDir(), "gh")
	if err != nil {
		t.Fatal(err)
	}
	if s, err := d.Load(); err != nil || s != nil {
		t.Fatalf("fresh folder: got %v, %v; want no state", s, err)
	}
	s := New("gh")
	s.Version = 3
	s.Sources["rest_api"] = map[string]any{"resources": map[string]any{"issues": "x"}}
	if err := d.Save(s); err != nil {
		t.Fatal(err)
	}
	got, err := d.Load()
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 3 || got.PipelineName != "gh" || got.Sources["rest_api"] == nil {
		t.Fatalf("round trip lost data: %+v", got)
	}
	if filepath.Base(d.Path) != "gh" {
		t.Fatalf("folder %s not named after the pipeline", d.Path)
	}
}

func TestHashIgnoresVersion(t *testing.T) {
	a, b := New("p"), New("p")
	b.Version = 9
	if a.Hash() != b.Hash() {
		t.Fatal("hash changed with the version alone")
	}
	b.Sources["x"] = 1
	if a.Hash() == b.Hash() {
		t.Fatal("hash did not change with the content")
	}
}

func TestDefaultRootFromEnv(t *testing.T) {
	t.Setenv(EnvPipelinesDir, "/tmp/somewhere")
	if got := DefaultRoot(); got != "/tmp/somewhere" {
		t.Fatalf("DefaultRoot() = %q", got)
	}
}
