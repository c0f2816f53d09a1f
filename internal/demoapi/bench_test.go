package demoapi_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/sluicehq/sluice/internal/demoapi"
)

// discardWriter is a ResponseWriter that only counts bytes.
type discardWriter struct {
	h http.Header
	n int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(int)             {}
func (w *discardWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

// BenchmarkPage measures pages of 100 users (about 70 KB of JSON each) per
// second: in the handler alone, and through loopback HTTP with one client
// connection, four, and four with gzip (the Go client's default, which also
// pays for decompression on the client side).
//
//	go test -run '^$' -bench Page -benchtime 3s ./internal/demoapi
func BenchmarkPage(b *testing.B) {
	const users = 1_000_000
	api := demoapi.New(demoapi.Options{Users: users, PageSize: 100, Seed: 1})
	totalPages := users / 100

	b.Run("handler", func(b *testing.B) {
		var bytes int
		i := 0
		for b.Loop() {
			i++
			r := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/users?page=%d", 1+i%totalPages), nil)
			w := &discardWriter{h: http.Header{}}
			api.ServeHTTP(w, r)
			bytes += w.n
		}
		b.SetBytes(int64(bytes / max(i, 1)))
		b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "pages/s")
	})

	loopback := func(conns int, gzip bool) func(*testing.B) {
		return func(b *testing.B) {
			srv := httptest.NewServer(api)
			defer srv.Close()
			client := &http.Client{Transport: &http.Transport{
				DisableCompression:  !gzip,
				MaxIdleConnsPerHost: conns,
			}}
			var n atomic.Int64
			// RunParallel starts parallelism×GOMAXPROCS goroutines.
			b.SetParallelism(max(1, conns/runtime.GOMAXPROCS(0)))
			get := func(page int64) error {
				u := srv.URL + "/users?page=" + fmt.Sprint(1+page%int64(totalPages))
				resp, err := client.Get(u)
				if err != nil {
					return err
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					return fmt.Errorf("%s: %s", u, resp.Status)
				}
				return err
			}
			b.ResetTimer()
			if conns == 1 {
				for b.Loop() {
					if err := get(n.Add(1)); err != nil {
						b.Fatal(err)
					}
				}
			} else {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := get(n.Add(1)); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			b.ReportMetric(float64(n.Load())/b.Elapsed().Seconds(), "pages/s")
			client.CloseIdleConnections()
		}
	}
	b.Run("loopback/1conn", loopback(1, false))
	b.Run("loopback/4conns", loopback(4, false))
	b.Run("loopback/4conns/gzip", loopback(4, true))
}

// BenchmarkChildren measures the server's share of the bench-children
// workload: the 10 user pages and 1,000 /users/{id}/posts requests of
// 1,000 parents × 3 children, over loopback with 8 requests in flight (the
// benchmark pipeline's client.concurrency). It reports the wall time of one
// such run: what is left of the under-a-second aim is the loader's.
//
//	go test -run '^$' -bench Children ./internal/demoapi
func BenchmarkChildren(b *testing.B) {
	api := demoapi.New(demoapi.Options{Users: 1000})
	srv := httptest.NewServer(api)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 8}}
	defer client.CloseIdleConnections()
	fetch := func(path string) error {
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %s", path, resp.Status)
		}
		return err
	}
	for b.Loop() {
		for page := 1; page <= 10; page++ {
			if err := fetch(fmt.Sprintf("/users?page=%d", page)); err != nil {
				b.Fatal(err)
			}
		}
		ids := make(chan int)
		errs := make(chan error, 8)
		for range 8 {
			go func() {
				var first error
				for id := range ids {
					if err := fetch(fmt.Sprintf("/users/%d/posts", id)); err != nil && first == nil {
						first = err
					}
				}
				errs <- first
			}()
		}
		for id := 1; id <= 1000; id++ {
			ids <- id
		}
		close(ids)
		for range 8 {
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/run")
}
