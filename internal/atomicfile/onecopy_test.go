package atomicfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// handMade and tempFile match the calls of a hand-written atomic save: a
// temporary file renamed over the destination. (A temporary folder made
// with os.MkdirTemp and renamed into place is another matter.)
var handMade = regexp.MustCompile(`os\.Rename\(`)
var tempFile = regexp.MustCompile(`os\.CreateTemp\(|os\.(WriteFile|Create|OpenFile)\([^)\n]*\.tmp|\+ *"\.tmp`)

// TestTheModuleHasOneAtomicWriter fails when a package of the module
// writes a temporary file and renames it itself instead of calling this
// package: there was a time when five copies of this code disagreed on
// the permissions of the files they made.
func TestTheModuleHasOneAtomicWriter(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	self, _ := filepath.Abs(".")
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules" || path == self) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if handMade.Match(b) && tempFile.Match(b) {
			rel, _ := filepath.Rel(root, path)
			t.Errorf("%s renames a temporary file over its destination by hand: call internal/atomicfile.Write or WriteFile", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
