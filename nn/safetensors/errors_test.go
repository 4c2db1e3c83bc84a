package safetensors_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tensor"
)

// checkWrappedOnce fails when msg names path other than once, repeats a
// part between ": " separators, or says "safetensors:" more than once.
func checkWrappedOnce(t *testing.T, msg, path string) {
	t.Helper()
	if path != "" && strings.Count(msg, path) != 1 {
		t.Errorf("%q names %s %d times, want once", msg, path, strings.Count(msg, path))
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(msg, ": ") {
		if seen[part] {
			t.Errorf("%q repeats %q", msg, part)
		}
		seen[part] = true
	}
	if n := strings.Count(msg, "safetensors: "); n > 1 {
		t.Errorf("%q says \"safetensors: \" %d times", msg, n)
	}
}

func TestErrorsAreWrappedOnce(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.st")
	_, err := safetensors.Open(missing)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	checkWrappedOnce(t, err.Error(), missing)

	bad := filepath.Join(dir, "bad.st")
	os.WriteFile(bad, []byte("abcdefgh"), 0o644)
	_, err = safetensors.Open(bad)
	if !errors.Is(err, safetensors.ErrFormat) || !strings.HasPrefix(err.Error(), bad+": malformed safetensors file: header length") {
		t.Fatalf("malformed file: %v", err)
	}
	checkWrappedOnce(t, err.Error(), bad)

	_, err = safetensors.Parse([]byte("abc"))
	if !errors.Is(err, safetensors.ErrFormat) {
		t.Fatalf("short data: %v", err)
	}
	checkWrappedOnce(t, err.Error(), "")

	good := filepath.Join(dir, "good.st")
	if err := safetensors.WriteFile(good, map[string]*tensor.Tensor{"w": tensor.Zeros(2)}, nil); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Open(good)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Tensor("v")
	if !errors.Is(err, safetensors.ErrNotFound) || err.Error() != good+`: tensor "v": no such tensor` {
		t.Fatalf("missing tensor: %v", err)
	}
	f.Close()

	out := filepath.Join(dir, "no", "dir", "x.st")
	err = safetensors.WriteFile(out, map[string]*tensor.Tensor{"w": tensor.Zeros(2)}, nil)
	if err == nil {
		t.Fatal("writing into a missing folder succeeded")
	}
	checkWrappedOnce(t, err.Error(), out)
	err = safetensors.WriteFile(out, map[string]*tensor.Tensor{"__metadata__": tensor.Zeros(2)}, nil)
	if err == nil {
		t.Fatal("a bad name was written")
	}
	checkWrappedOnce(t, err.Error(), out)
}
