package benchmarks

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// machinePath matches an absolute path into a machine's own folders (home
// folders, work, opt and the like), starting at a token boundary so that
// "n/workers" or "sacrebleu/workers=1" do not count. The folders every
// Unix system has (the temporary folder, /usr/bin/python3 and /usr/lib of
// the Debian packages the scripts use, /proc, /dev) are not machine paths.
var machinePath = regexp.MustCompile(`(^|[\s"'\x60(=:,\[])/(work|root|home|opt|mnt|srv|media|Users|scratch)(/|[\s"'\x60),:;]|$)`)

// TestTheRepositoryNamesNoMachinePaths fails when a source file, script or
// document names a folder of the machine it was written on: a fresh clone
// elsewhere has none of them. Reference tools and data go into the
// git-ignored .scratch/ref (benchmarks/reference/setup.sh).
func TestTheRepositoryNamesNoMachinePaths(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found: %v", err)
	}
	exts := map[string]bool{".go": true, ".py": true, ".sh": true, ".js": true, ".cjs": true, ".mjs": true, ".md": true, ".cu": true, ".cuh": true, ".cc": true, ".h": true}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") && rel != ".ci" || name == "node_modules" || name == "__pycache__") {
				return filepath.SkipDir
			}
			return nil
		}
		if !exts[filepath.Ext(path)] && rel != filepath.Join(".ci", "run") {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		checked++
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 1<<16), 1<<24)
		for n := 1; sc.Scan(); n++ {
			if m := machinePath.FindString(sc.Text()); m != "" {
				t.Errorf("%s:%d names a machine path (%s): %s", rel, n, strings.TrimSpace(m), strings.TrimSpace(sc.Text()))
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("only %d files checked: the walk missed the repository", checked)
	}
}

func TestTheMachinePathPatternTellsPathsFromNames(t *testing.T) {
	// "@" stands for "/", so that this file names no machine path itself.
	for s, want := range map[string]bool{
		"NODE_PATH=@opt@ref@node_modules node x.js":  true,
		"see @work@shared@BENCHMARKING.md":           true,
		"tee @tmp@tok.txt":                           false,
		"cd @home@someone":                           true,
		"`@root@.cache`":                             true,
		"(@opt)":                                     true,
		"sacrebleu/workers=1":                        false,
		"lo, hi := n*w/workers, n*(w+1)/workers":     false,
		"/usr/bin/python3 benchmarks/reference/x.py": false,
		"/proc/cpuinfo":                              false,
		".scratch/ref/node_modules":                  false,
		"https://github.com/goformer/goformer":       false,
	} {
		s = strings.ReplaceAll(s, "@", "/")
		if got := machinePath.MatchString(s); got != want {
			t.Errorf("%q: matched %v, want %v", s, got, want)
		}
	}
}
