package state

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sluicehq/sluice/internal/flock"
)

// LockFile is the file in a pipeline's folder that a run (and `pipeline
// drop`) holds an flock on while it works.
const LockFile = "run.lock"

// ErrLocked is returned by Lock when another process holds the folder's
// lock: the pipeline is being run (or dropped) right now.
var ErrLocked = errors.New("another sluice process holds the pipeline's lock")

// Lock takes the folder's lock without waiting and returns the function
// that releases it; the lock also ends with the process. Two runs of one
// pipeline at once would each commit the state they started from, the
// later undoing the other's cursors, so a run holds this for its whole
// length. A folder that does not exist has no run in it: Lock then locks
// nothing (it creates no folder).
func (d *Dir) Lock() (release func(), err error) {
	if _, err := os.Stat(d.Path); errors.Is(err, os.ErrNotExist) {
		return func() {}, nil
	}
	path := filepath.Join(d.Path, LockFile)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the pipeline's lock file: %w", err)
	}
	ok, err := flock.TryLock(f)
	if err != nil || !ok {
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		return nil, fmt.Errorf("%w, %s", ErrLocked, path)
	}
	return func() { f.Close() }, nil
}
