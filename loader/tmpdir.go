package loader

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The loader's temporary files (excelize unpacks a large sheet to disk)
// live under one directory it owns, TMPDIR/cti3cx-loader, one
// subdirectory per process holding an flock on its lock file while the
// process lives. A process killed with -9 leaves its subdirectory behind,
// unlocked: the next loader to start removes it. Live processes' are left
// alone, so concurrent imports never delete each other's files.

const workDirLock = ".lock"

// workRoot is the directory the loader owns.
func workRoot() string { return filepath.Join(os.TempDir(), "cti3cx-loader") }

// workDir is one process's temporary directory.
type workDir struct {
	path string
	lock *os.File
}

// newWorkDir removes what dead loaders left behind and creates this
// process's directory.
func newWorkDir(log *slog.Logger) (*workDir, error) {
	root := workRoot()
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("temporary directory: %w", err)
	}
	CleanWorkDirs(log)
	path, err := os.MkdirTemp(root, "run-")
	if err != nil {
		return nil, fmt.Errorf("temporary directory: %w", err)
	}
	// The lock file is locked before it appears in the directory, so that
	// another loader never sees it unlocked.
	lock, err := os.CreateTemp(root, ".lock-")
	if err == nil {
		if err = syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
			err = os.Rename(lock.Name(), filepath.Join(path, workDirLock))
		}
		if err != nil {
			lock.Close()
			os.Remove(lock.Name())
		}
	}
	if err != nil {
		os.RemoveAll(path)
		return nil, fmt.Errorf("temporary directory: lock: %w", err)
	}
	return &workDir{path: path, lock: lock}, nil
}

// Close removes the directory and what it holds.
func (w *workDir) Close() error {
	if w == nil {
		return nil
	}
	err := os.RemoveAll(w.path)
	w.lock.Close()
	return err
}

// CleanWorkDirs removes the temporary directories of loaders that died
// (their lock is free) and returns how many it removed.
func CleanWorkDirs(log *slog.Logger) int {
	entries, err := os.ReadDir(workRoot())
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "run-") {
			continue
		}
		dir := filepath.Join(workRoot(), e.Name())
		if !stale(dir) {
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			if log != nil {
				log.Warn("cannot remove a dead loader's temporary files", "dir", dir, "error", err)
			}
			continue
		}
		n++
		if log != nil {
			log.Info("removed a dead loader's temporary files", "dir", dir)
		}
	}
	return n
}

// stale tells whether no live process holds dir's lock. A directory
// without its lock file is being created or was left half made: only one
// older than a minute counts as stale.
func stale(dir string) bool {
	f, err := os.OpenFile(filepath.Join(dir, workDirLock), os.O_RDWR, 0)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			fi, serr := os.Stat(dir)
			return serr == nil && time.Since(fi.ModTime()) > time.Minute
		}
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return false
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return true
}
