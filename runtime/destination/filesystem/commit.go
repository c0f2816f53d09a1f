package filesystem

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/flock"
	"github.com/sluicehq/sluice/runtime/schema"
)

const (
	// newPrefix names a staging folder still being set up (not yet locked).
	newPrefix = ".new-"
	// lockFile is the file a live run holds an flock on.
	lockFile = "lock"
	// manifestFile lists a committed load's steps; its presence means the
	// load is committed and must be finished.
	manifestFile = "commit.json"
	// abandonedAfter is the age past which a staging folder without a
	// lock is debris of a process killed while setting it up.
	abandonedAfter = time.Hour
)

// manifest is the list of steps that publish a committed load. Paths are
// relative to the bucket folder. Every step may be repeated: a rename whose
// source is gone and a delete whose file is gone are done.
type manifest struct {
	LoadID string `json:"load_id"`
	Steps  []step `json:"steps"`
}

type step struct {
	// Op is "rename" or "delete".
	Op   string `json:"op"`
	From string `json:"from,omitempty"`
	To   string `json:"to"`
}

// Commit implements destination.Tx: it finishes the Parquet files, writes
// the system documents and the manifest, then moves everything into the
// dataset (see the package documentation).
func (t *Tx) Commit() error {
	if err := t.check(); err != nil {
		return err
	}
	m, err := t.prepare()
	if err != nil {
		t.Rollback()
		return err
	}
	if err := writeManifest(filepath.Join(t.stage, manifestFile), m); err != nil {
		t.Rollback()
		return err
	}
	// committed: from here on a failure is finished by the next Open
	if err := apply(t.lake.bucket, m); err != nil {
		t.lock.Close()
		t.done = true
		t.lake.inTx.Store(false)
		return fmt.Errorf("filesystem: publishing load %s (the next run finishes it): %w", m.LoadID, err)
	}
	return t.cleanup()
}

// prepare closes the files and lists the steps of the commit.
func (t *Tx) prepare() (*manifest, error) {
	var loadID string
	for _, f := range t.system {
		if f.table == schema.LoadsTableName {
			loadID = f.parts[1]
		}
	}
	if loadID == "" {
		return nil, errors.New("filesystem: commit without a _dlt_loads row: the load has no load id")
	}
	l := t.lake
	rel := func(p string) string {
		r, err := filepath.Rel(l.bucket, p)
		if err != nil {
			return p
		}
		return r
	}
	m := &manifest{LoadID: loadID}
	for _, f := range t.files {
		if err := f.close(); err != nil {
			return nil, fmt.Errorf("filesystem: finishing the file of %s: %w", f.table, err)
		}
	}
	for _, f := range t.files {
		if f.rows == 0 {
			continue
		}
		to := filepath.Join(l.dir, f.table, loadID+"."+randomID(10)+".parquet")
		m.Steps = append(m.Steps, step{Op: "rename", From: rel(f.path), To: rel(to)})
	}
	t.files = nil
	if _, err := os.Stat(filepath.Join(l.dir, initFile)); errors.Is(err, os.ErrNotExist) {
		p := filepath.Join(t.stage, initFile)
		if err := writeFile(p, []byte(initContent)); err != nil {
			return nil, err
		}
		m.Steps = append(m.Steps, step{Op: "rename", From: rel(p), To: rel(filepath.Join(l.dir, initFile))})
	}
	for _, table := range t.truncated {
		names, err := listFiles(filepath.Join(l.dir, table))
		if err != nil {
			return nil, fmt.Errorf("filesystem: listing the files of %s to replace: %w", table, err)
		}
		for _, n := range names {
			m.Steps = append(m.Steps, step{Op: "delete", To: rel(filepath.Join(l.dir, table, n))})
		}
	}
	// the system documents last, _dlt_loads the very last: a load is
	// complete for dlt's readers once its _dlt_loads document exists
	for _, table := range []string{schema.VersionTableName, schema.PipelineStateTableName, schema.LoadsTableName} {
		for _, f := range t.system {
			if f.table != table {
				continue
			}
			data, err := encodeDoc(f.doc)
			if err != nil {
				return nil, fmt.Errorf("filesystem: encoding a %s document: %w", table, err)
			}
			p := filepath.Join(t.stage, "system", table, f.name())
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return nil, err
			}
			if err := writeFile(p, data); err != nil {
				return nil, err
			}
			m.Steps = append(m.Steps, step{Op: "rename", From: rel(p), To: rel(filepath.Join(l.dir, table, f.name()))})
		}
	}
	return m, nil
}

// writeFile writes data to a new file and syncs it.
func writeFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeManifest writes m atomically (a temporary file renamed).
func writeManifest(path string, m *manifest) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := writeFile(tmp, data); err != nil {
		return fmt.Errorf("filesystem: writing the commit manifest: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("filesystem: writing the commit manifest: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

// apply carries out the steps of m in order; it may be repeated.
func apply(bucket string, m *manifest) error {
	dirs := map[string]bool{}
	for _, s := range m.Steps {
		to := filepath.Join(bucket, s.To)
		switch s.Op {
		case "rename":
			from := filepath.Join(bucket, s.From)
			if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
				return err
			}
			if err := os.Rename(from, to); err != nil {
				if errors.Is(err, os.ErrNotExist) {
					if _, serr := os.Stat(to); serr == nil {
						continue // done before
					}
				}
				return err
			}
		case "delete":
			if err := os.Remove(to); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		default:
			return fmt.Errorf("unknown step %q in the commit manifest", s.Op)
		}
		dirs[filepath.Dir(to)] = true
	}
	for d := range dirs {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	f.Close()
	if err != nil && strings.Contains(err.Error(), "invalid argument") {
		return nil // some filesystems cannot sync a folder
	}
	return err
}

// recoverStaging finishes the committed loads and removes the abandoned
// ones left in root by processes that died; folders of live runs (their
// lock is held) are left alone.
func recoverStaging(root string) error {
	ents, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	bucket := filepath.Dir(root)
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(root, e.Name())
		if strings.HasPrefix(e.Name(), newPrefix) {
			if old(e) {
				_ = os.RemoveAll(dir)
			}
			continue
		}
		lock, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR, 0)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) && old(e) {
				_ = os.RemoveAll(dir)
			}
			continue
		}
		ok, err := flock.TryLock(lock)
		if err != nil || !ok {
			lock.Close()
			continue // a live run
		}
		err = finish(bucket, dir)
		lock.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// finish replays the manifest of a dead run's staging folder, if it has
// one, and removes the folder.
func finish(bucket, dir string) error {
	data, err := os.ReadFile(filepath.Join(dir, manifestFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return err
	default:
		var m manifest
		if err := json.Unmarshal(data, &m); err != nil {
			return fmt.Errorf("%s: %w", filepath.Join(dir, manifestFile), err)
		}
		if err := apply(bucket, &m); err != nil {
			return fmt.Errorf("load %s: %w", m.LoadID, err)
		}
	}
	return os.RemoveAll(dir)
}

func old(e os.DirEntry) bool {
	info, err := e.Info()
	return err == nil && time.Since(info.ModTime()) > abandonedAfter
}
