package destination_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/destination/sqlite"
)

func TestRegistry(t *testing.T) {
	r := destination.NewRegistry()
	sqlite.Register(r)
	tests := []struct {
		name    string
		wantErr string // empty: opens
	}{
		{name: "sqlite"},
		{name: "duckdb", wantErr: `destination "duckdb" is not built into this binary (this build has: sqlite)`},
		{name: "postgres", wantErr: `destination "postgres" is not built into this binary (this build has: sqlite)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.db")
			d, err := r.Open(context.Background(), tt.name, destination.Config{Path: path, Dataset: "x_dataset"})
			if tt.wantErr != "" {
				var nb *destination.NotBuiltError
				if err == nil || err.Error() != tt.wantErr || !errors.As(err, &nb) {
					t.Fatalf("Open(%s) = %v, want *NotBuiltError %q", tt.name, err, tt.wantErr)
				}
				if r.Check(tt.name) == nil {
					t.Errorf("Check(%s) = nil, want an error", tt.name)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if !strings.Contains(d.Describe(), path) {
				t.Errorf("Describe() = %q, want the path %s", d.Describe(), path)
			}
		})
	}
	if got := r.Names(); len(got) != 1 || got[0] != "sqlite" {
		t.Errorf("Names() = %v, want [sqlite]", got)
	}
	if ty, ok := r.Lookup("sqlite"); !ok || ty.Ext != ".db" {
		t.Errorf("Lookup(sqlite) = %+v, %v; want Ext .db", ty, ok)
	}
}

func TestRegistryEmptyAndDuplicate(t *testing.T) {
	var nilReg *destination.Registry
	if err := nilReg.Check("sqlite"); err == nil || !strings.Contains(err.Error(), "this build has: no destination") {
		t.Errorf("nil registry Check = %v", err)
	}
	r := destination.NewRegistry()
	sqlite.Register(r)
	defer func() {
		if recover() == nil {
			t.Error("registering sqlite twice did not panic")
		}
	}()
	sqlite.Register(r)
}
