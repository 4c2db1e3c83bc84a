package wordvec

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadErrorsNameTheFileOnce(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.bin")
	os.WriteFile(bad, []byte("hi\n"), 0o644)
	for _, path := range []string{filepath.Join(dir, "missing.vec"), dir, bad} {
		_, err := Load(path)
		if err == nil {
			t.Fatalf("%s loaded", path)
		}
		msg := err.Error()
		if strings.Count(msg, path) != 1 || strings.Count(msg, "wordvec: ") > 1 || strings.Count(msg, "read ") > 1 {
			t.Errorf("%q is not wrapped once", msg)
		}
		if path == bad && !errors.Is(err, ErrFormat) {
			t.Errorf("%v does not wrap ErrFormat", err)
		}
	}
}
