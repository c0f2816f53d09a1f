// Command pgserve starts a throwaway PostgreSQL server with pgtest (for
// `make bench-postgres`), creates the databases asked for, prints one DSN a
// line, then "ready", and stops the server and removes its folder when its
// standard input closes or it gets SIGINT or SIGTERM.
//
//	pgserve -databases 3 -durable
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/sluicehq/sluice/internal/pgtest"
)

func main() {
	n := flag.Int("databases", 1, "how many empty databases to create (one DSN printed for each)")
	durable := flag.Bool("durable", false, "keep fsync and synchronous_commit on, as a production server has them")
	flag.Parse()
	s, err := pgtest.StartWith(pgtest.Options{Durable: *durable})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer s.Stop()
	for i := 0; i < *n; i++ {
		dsn, err := s.CreateDatabase(context.Background(), "bench")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			s.Stop()
			os.Exit(1)
		}
		fmt.Println(dsn)
	}
	fmt.Println("ready")
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); done <- struct{}{} }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() { <-sig; done <- struct{}{} }()
	<-done
}
