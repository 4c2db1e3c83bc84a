package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFileCreatesAndReplaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.txt")
	for _, data := range []string{"first", "", strings.Repeat("second ", 100000)} {
		if err := WriteFile(path, []byte(data)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != data {
			t.Fatalf("read back %d bytes (%v), want %d", len(got), err, len(data))
		}
	}
	assertOnlyFiles(t, filepath.Dir(path), "out.txt")
}

func TestAFailedWriteLeavesTheOldFileAndNoTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keep.txt")
	if err := WriteFile(path, []byte("old")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(path, func(w io.Writer) error {
		io.WriteString(w, "half of the new")
		return boom
	})
	if err != boom {
		t.Fatalf("err = %v, want the writer's error unchanged", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Fatalf("the old file became %q", got)
	}
	assertOnlyFiles(t, dir, "keep.txt")
}

func TestAPanickingWriterLeavesNoTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	func() {
		defer func() { recover() }()
		Write(filepath.Join(dir, "p.txt"), func(io.Writer) error { panic("writer") })
	}()
	assertOnlyFiles(t, dir)
}

func TestWriteIntoAMissingFolderNamesTheFolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "dir", "f.txt")
	err := WriteFile(path, []byte("x"))
	var pe *os.PathError
	if !errors.As(err, &pe) || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), filepath.Join("no", "such", "dir")) {
		t.Fatalf("err = %v, want a path error naming the folder", err)
	}
	if strings.Count(err.Error(), "f.txt") > 1 {
		t.Errorf("the error repeats the name: %v", err)
	}
}

func TestAFileInTheCurrentFolderIsWritten(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := WriteFile("here.txt", []byte("x")); err != nil {
		t.Fatal(err)
	}
	assertOnlyFiles(t, ".", "here.txt")
}

func assertOnlyFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("folder holds %q, want %q", got, want)
	}
}
