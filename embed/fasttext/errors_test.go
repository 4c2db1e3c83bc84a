package fasttext

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
	os.WriteFile(bad, []byte{1, 2}, 0o644)
	for _, path := range []string{filepath.Join(dir, "missing.bin"), dir, bad} {
		_, err := Load(path)
		if err == nil {
			t.Fatalf("%s loaded", path)
		}
		msg := err.Error()
		if strings.Count(msg, path) != 1 || strings.Count(msg, "fasttext: ") > 1 || strings.Count(msg, "read ") > 1 {
			t.Errorf("%q is not wrapped once", msg)
		}
		if path == dir && errors.Is(err, ErrFormat) {
			t.Errorf("a read error is reported as a malformed file: %v", err)
		}
	}
}
