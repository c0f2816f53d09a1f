package pipeline

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"runtime/debug"
	"testing"

	"github.com/sluicehq/sluice/builtin"
	"github.com/sluicehq/sluice/internal/demoapi"
	"github.com/sluicehq/sluice/runtime/config"
	"github.com/sluicehq/sluice/runtime/extension"
)

const benchPipeline = `
pipeline: {name: bench}
source:
  client: {base_url: "%s"}
  resources:
    - name: users
      endpoint:
        path: users
        data_selector: data
        paginator: {type: json_link, next_url_path: pagination.next}
`

// BenchmarkRun loads the demo API's nested users end to end (HTTP on
// loopback, decode, normalize, database) into each destination of the
// build and reports records/s.
func BenchmarkRun(b *testing.B) {
	dests := testDestinations()
	for _, name := range dests.Names() {
		ty, _ := dests.Lookup(name)
		b.Run(name, func(b *testing.B) { benchmarkRun(b, name, ty.Ext) })
	}
}

func benchmarkRun(b *testing.B, dest, ext string) {
	const users = 20000
	srv := httptest.NewServer(demoapi.New(demoapi.Options{Users: users, PageSize: 100, NoGzip: true}))
	defer srv.Close()
	reg := extension.NewRegistries()
	builtin.Register(reg)
	f, err := config.Parse([]byte(fmt.Sprintf(benchPipeline, srv.URL)), "bench.yaml", b.TempDir(), config.Options{Registries: reg})
	if err != nil {
		b.Fatal(err)
	}
	// Mirror the binary, whose main sets GOGC=400 and a 40 MiB soft memory limit (docs/performance.md).
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(40 << 20))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		sum, err := Run(context.Background(), f, Options{
			DBPath: filepath.Join(dir, "bench"+ext), PipelinesDir: dir, Registries: reg, Destinations: testDestinations(), Destination: dest,
		})
		if err != nil {
			b.Fatal(err)
		}
		if sum.Tables["users"] != users {
			b.Fatalf("loaded %d users, want %d", sum.Tables["users"], users)
		}
	}
	b.ReportMetric(float64(users*b.N)/b.Elapsed().Seconds(), "records/s")
}
