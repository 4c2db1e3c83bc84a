// Package atomicfile writes files atomically: the data goes to a new file
// in the destination's folder, which is synced and then renamed over the
// destination, so that a reader, or the disk after a crash, sees the old
// file or the new one and never a part of either. A failed write leaves
// the destination as it was and no temporary file behind.
//
// The new file gets the permissions os.Create would give it: those of the
// file it replaces, or 0666 less the process's umask for a new file.
//
//	err := atomicfile.Write("model.bin", func(w io.Writer) error {
//		return m.WriteTo(w)
//	})
package atomicfile

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// Write creates or replaces path with what write writes to w, which is
// buffered. If write returns an error, Write returns it unchanged and
// path is left as it was. Errors of the file system are *fs.PathError
// values, which name the file.
func Write(path string, write func(w io.Writer) error) (err error) {
	f, err := create(path)
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriterSize(f, 256<<10)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	committed = true
	syncDir(filepath.Dir(path))
	return nil
}

// WriteFile creates or replaces path with data, atomically.
func WriteFile(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// create opens a new, empty file beside path, named after it, with the
// permissions path has, or 0666 less the umask (the kernel applies it, as
// it does for os.Create) when path does not exist yet.
func create(path string) (*os.File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	var perm fs.FileMode = 0o666
	keep := false
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
		perm, keep = st.Mode().Perm(), true
	}
	for range 10000 {
		name := filepath.Join(dir, "."+base+".tmp-"+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if keep {
			// The umask may have narrowed the old file's permissions.
			if err := f.Chmod(perm); err != nil {
				f.Close()
				os.Remove(name)
				return nil, err
			}
		}
		return f, nil
	}
	return nil, &fs.PathError{Op: "create temporary file for", Path: path, Err: fs.ErrExist}
}

// syncDir flushes the folder's entries (the rename) to disk where the
// platform allows it; failures are ignored, the data itself being synced.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}
