package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// signalError is the cause of a context cancelled by a signal.
type signalError struct{ sig syscall.Signal }

func (e *signalError) Error() string { return "interrupted by " + signalName(e.sig) }

func signalName(s syscall.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "Ctrl-C (SIGINT)"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

// signalContext returns a context that the first SIGINT or SIGTERM cancels
// with a *signalError cause. After that first signal the default action
// comes back, so a second Ctrl-C ends the process at once: the load's
// transaction is then never committed, and SQLite's journal rolls it back
// (as after a kill). stop releases the signals.
func signalContext(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			signal.Stop(ch)
			sig, _ := s.(syscall.Signal)
			cancel(&signalError{sig: sig})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

// interrupted reports a run that stopped because its context was cancelled
// (cause is context.Cause of it) and returns the matching exit error: 128 +
// the signal's number for a signal, 1 otherwise.
func interrupted(stderr io.Writer, cause error) error {
	code := exitFailed
	what := "interrupted"
	var se *signalError
	if errors.As(cause, &se) {
		code = exitSignalBase + int(se.sig)
		what = se.Error()
	}
	fmt.Fprintf(stderr, "error: %s: the load was rolled back, nothing from this run was committed\n", what)
	return &exitError{code: code}
}
