package main

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/demoapi"
)

// BenchmarkReplayVsLive loads 1,000 pages (10 users each, with their
// nested tables) from the demo API on loopback, and the same pages from a
// cassette recorded from it: the replay must be no slower.
//
//	go test -run '^$' -bench ReplayVsLive -benchtime 3x ./cmd/sluice/
func BenchmarkReplayVsLive(b *testing.B) {
	api := demoapi.New(demoapi.Options{Users: 10000, PageSize: 10, Seed: 1, NoGzip: true})
	srv := httptest.NewServer(api)
	defer srv.Close()
	b.Setenv("DEMO_API_URL", srv.URL)
	p := filepath.Join("..", "..", "examples", "demo", "pipeline.yaml")
	dir := b.TempDir()
	if keep := os.Getenv("CASSETTE_BENCH_KEEP"); keep != "" {
		dir = keep // keep the recorded cassette for BenchmarkLoad
	}
	cas := filepath.Join(dir, "cassette")
	runOnce := func(b *testing.B, i int, extra ...string) {
		args := append([]string{"run", p, "--db", filepath.Join(dir, fmt.Sprintf("%s-%d.db", b.Name(), i)),
			"--pipelines-dir", filepath.Join(dir, fmt.Sprintf("pl-%s-%d", b.Name(), i)), "--progress", "none"}, extra...)
		var out, errs nopBuffer
		if code := run(b.Context(), args, &out, &errs); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
	runOnce(b, -1, "--record", cas)
	// CPU time (user + system, the API's included for live) is the fairer
	// figure on a shared machine; wall time is reported as ns/op.
	for _, mode := range []struct {
		name  string
		extra []string
	}{{"live", nil}, {"replay", []string{"--replay", cas}}} {
		b.Run(mode.name, func(b *testing.B) {
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				runOnce(b, i, mode.extra...)
			}
			b.ReportMetric(float64(1000*b.N)/b.Elapsed().Seconds(), "pages/s")
			b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// nopBuffer discards what a benchmarked run prints.
type nopBuffer struct{}

func (nopBuffer) Write(p []byte) (int, error) { return len(p), nil }
