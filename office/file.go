package office

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// FileMode is the mode of every file the product writes for people: readable
// by everyone the umask allows, writable by its owner, never executable.
// (os.CreateTemp makes 0600 files, excelize's SaveAs 0777 ones.)
const FileMode fs.FileMode = 0o644

// DirMode is the mode of the folders the product creates for such files.
const DirMode fs.FileMode = 0o755

// Create creates (or truncates) path with FileMode, subject to the umask.
func Create(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, FileMode)
}

// WriteFile writes path through write, into a temporary file in the same
// folder renamed into place only when write succeeded: a reader never sees
// half a file, and a failed write leaves the previous file alone. The file
// gets FileMode, subject to the umask.
func WriteFile(path string, write func(io.Writer) error) error {
	tmp, err := createTemp(filepath.Dir(path), "."+filepath.Base(path)+".")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, a no-op
	err = write(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// createTemp is os.CreateTemp with FileMode instead of 0600: the mode is
// given at creation so that the umask applies, as it does to any new file.
func createTemp(dir, prefix string) (*os.File, error) {
	for range 100 {
		var b [6]byte
		_, _ = rand.Read(b[:])
		f, err := os.OpenFile(filepath.Join(dir, prefix+hex.EncodeToString(b[:])), os.O_RDWR|os.O_CREATE|os.O_EXCL, FileMode)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, &fs.PathError{Op: "createtemp", Path: filepath.Join(dir, prefix+"*"), Err: fs.ErrExist}
}
