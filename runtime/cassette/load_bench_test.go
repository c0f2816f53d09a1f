package cassette

import (
	"os"
	"testing"
)

// BenchmarkLoad reads the cassette in $CASSETTE_BENCH_DIR (skipped when
// unset), e.g. one recorded by BenchmarkReplayVsLive.
func BenchmarkLoad(b *testing.B) {
	dir := os.Getenv("CASSETTE_BENCH_DIR")
	if dir == "" {
		b.Skip("set CASSETTE_BENCH_DIR to a cassette folder")
	}
	for i := 0; i < b.N; i++ {
		if _, err := Load(dir, Options{BaseOrigin: "http://127.0.0.1:1"}); err != nil {
			b.Fatal(err)
		}
	}
}
