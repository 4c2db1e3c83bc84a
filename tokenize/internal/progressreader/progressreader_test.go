package progressreader

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSizeIsKnownForSizedReadersAndFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.txt")
	if err := os.WriteFile(path, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(4, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		r    io.Reader
		want int64
	}{
		{"strings.Reader", strings.NewReader("hello"), 5},
		{"bytes.Reader", bytes.NewReader(make([]byte, 7)), 7},
		{"a file read from byte 4", f, 6},
		{"a reader of unknown size", io.MultiReader(strings.NewReader("x")), 0},
	} {
		if got := Size(c.r); got != c.want {
			t.Errorf("%s: size %d, want %d", c.name, got, c.want)
		}
	}
}

func TestReaderReportsEveryByteAndEndsAtHundredPercent(t *testing.T) {
	var out bytes.Buffer
	r := New(strings.NewReader(strings.Repeat("x", 1000)), &out, "read")
	b, err := io.ReadAll(r)
	if err != nil || len(b) != 1000 {
		t.Fatalf("read %d bytes, %v", len(b), err)
	}
	r.Finish()
	if !strings.Contains(out.String(), "read 100% 1000/1000 B") {
		t.Errorf("progress %q", out.String())
	}
	// Without a writer nothing is reported.
	r = New(strings.NewReader("abc"), nil, "read")
	if b, _ := io.ReadAll(r); string(b) != "abc" {
		t.Errorf("read %q", b)
	}
	r.Finish()
}
