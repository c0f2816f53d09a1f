package pipeline

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/builtin"
	"github.com/sluicehq/sluice/internal/demoapi"
	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/extension"
)

func TestParseBytes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"4194304", 4194304, true},
		{"512K", 512 << 10, true},
		{"512KiB", 512 << 10, true},
		{"4MiB", 4 << 20, true},
		{"4 MB", 4 << 20, true},
		{"1g", 1 << 30, true},
		{"100B", 100, true},
		{"0", 0, false},
		{"-1M", 0, false},
		{"1.5M", 0, false},
		{"4TB", 0, false},
		{"MiB", 0, false},
		{"4iB", 0, false},
		{"99999999999G", 0, false},
	} {
		got, err := parseBytes(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestInflightEnvError(t *testing.T) {
	t.Setenv(InflightEnv, "lots")
	_, err := inflightBytes()
	if err == nil || !strings.Contains(err.Error(), InflightEnv) {
		t.Fatalf("err = %v, want one naming %s", err, InflightEnv)
	}
}

// A page larger than the whole budget takes all of it and still goes
// through; the next waits until it is released.
func TestBudgetLargerThanTotal(t *testing.T) {
	b := newBudget(100)
	ctx := context.Background()
	w, err := b.acquire(ctx, 1<<20)
	if err != nil || w != 100 {
		t.Fatalf("acquire(1 MiB) = %d, %v; want the whole budget, 100", w, err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := b.acquire(short, 1); err == nil {
		t.Fatal("a second acquire went through while the budget was all taken")
	}
	b.release(w)
	if w, err := b.acquire(ctx, 0); err != nil || w != 1 {
		t.Fatalf("acquire(0) after release = %d, %v; want 1", w, err)
	}
}

// With a budget smaller than any page, pages go through one at a time and
// the load is complete.
func TestRunTinyBudget(t *testing.T) {
	for _, budget := range []string{"1", "64K"} {
		t.Run(budget, func(t *testing.T) {
			t.Setenv(InflightEnv, budget)
			const users = 1500
			srv := httptest.NewServer(demoapi.New(demoapi.Options{Users: users, PageSize: 100, NoGzip: true}))
			defer srv.Close()
			reg := extension.NewRegistries()
			builtin.Register(reg)
			f, err := config.Parse([]byte(fmt.Sprintf(benchPipeline, srv.URL)), "p.yaml", t.TempDir(), config.Options{Registries: reg})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			sum, err := Run(ctx, f, Options{DBPath: filepath.Join(dir, "t.db"), PipelinesDir: dir, Registries: reg, Destinations: testDestinations()})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Tables["users"] != users {
				t.Fatalf("loaded %d users, want %d", sum.Tables["users"], users)
			}
		})
	}
}
