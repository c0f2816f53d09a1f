//go:build unix

package state

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestLock(t *testing.T) {
	root := t.TempDir()
	d, err := Open(root, "demo")
	if err != nil {
		t.Fatal(err)
	}
	release, err := d.Lock()
	if err != nil {
		t.Fatal(err)
	}
	// flock locks belong to an open file, so a second open of the same
	// file conflicts even in this process, as another process would
	if _, err := d.Lock(); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Lock: %v, want ErrLocked", err)
	}
	release()
	again, err := d.Lock()
	if err != nil {
		t.Fatalf("Lock after release: %v", err)
	}
	again()

	missing := &Dir{Path: filepath.Join(root, "never-ran")}
	rel, err := missing.Lock()
	if err != nil {
		t.Fatalf("Lock of a missing folder: %v", err)
	}
	rel()
	if _, err := os.Stat(missing.Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Lock created %s (%v); it must create nothing", missing.Path, err)
	}
}
