//go:build unix

package atomicfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// withUmask runs fn with the process umask set to mask. Tests that change
// the umask must not run in parallel.
func withUmask(mask int, fn func()) {
	old := syscall.Umask(mask)
	defer syscall.Umask(old)
	fn()
}

func TestNewFilesGetTheModeOSCreateGives(t *testing.T) {
	for _, mask := range []int{0o022, 0o002, 0o077, 0o000} {
		dir := t.TempDir()
		withUmask(mask, func() {
			ref, err := os.Create(filepath.Join(dir, "ref"))
			if err != nil {
				t.Fatal(err)
			}
			ref.Close()
			if err := WriteFile(filepath.Join(dir, "new"), []byte("x")); err != nil {
				t.Fatal(err)
			}
		})
		want := modeOf(t, filepath.Join(dir, "ref"))
		if got := modeOf(t, filepath.Join(dir, "new")); got != want || got != fs.FileMode(0o666&^mask) {
			t.Errorf("umask %03o: mode %v, os.Create gives %v", mask, got, want)
		}
	}
}

func TestReplacingAFileKeepsItsMode(t *testing.T) {
	for _, mode := range []fs.FileMode{0o600, 0o640, 0o755, 0o666} {
		path := filepath.Join(t.TempDir(), "f")
		if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		withUmask(0o022, func() {
			if err := WriteFile(path, []byte("new")); err != nil {
				t.Fatal(err)
			}
		})
		if got := modeOf(t, path); got != mode {
			t.Errorf("mode %v became %v", mode, got)
		}
	}
}

func modeOf(t *testing.T, path string) fs.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}
