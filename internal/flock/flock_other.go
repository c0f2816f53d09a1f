//go:build !unix

package flock

import "os"

// TryLock always succeeds where flock(2) is missing: there, callers cannot
// tell a live holder from a dead one, so run one process at a time.
func TryLock(f *os.File) (bool, error) { return true, nil }
