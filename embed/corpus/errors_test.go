package corpus

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenErrorsNameTheFileOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.txt")
	_, err := Open(path)
	if !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), "open "+path+": ") || strings.Count(err.Error(), path) != 1 {
		t.Fatalf("err = %v, want the open error alone", err)
	}
	dir := t.TempDir()
	if _, err := Open(dir); err == nil || strings.Count(err.Error(), dir) != 1 {
		t.Fatalf("a folder: %v", err)
	}
}
