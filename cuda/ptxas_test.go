package cuda

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestPTXAssemblesWithoutSpills assembles every embedded PTX file with
// NVIDIA's ptxas for its target, when one is at hand ($GOFORMER_PTXAS, or
// ptxas on PATH), and fails on an assembly error or a register spill. It
// checks, without a GPU, what the driver's JIT will do with the PTX.
func TestPTXAssemblesWithoutSpills(t *testing.T) {
	if testMode == "gpu" {
		t.Skip("GOFORMER_CUDA_TEST=gpu: the kernel inventory checks the driver's own compilation")
	}
	ptxas := os.Getenv("GOFORMER_PTXAS")
	if ptxas == "" {
		var err error
		if ptxas, err = exec.LookPath("ptxas"); err != nil {
			t.Skip("no ptxas (set GOFORMER_PTXAS to its path)")
		}
	}
	spill := regexp.MustCompile(`(\d+) bytes spill stores`)
	entry := regexp.MustCompile(`Compiling entry function '([A-Za-z0-9_]+)'`)
	dir := t.TempDir()
	// Every image the loader hands out, the retargeted ones included.
	for _, im := range ptxImages() {
		f := fileName(im.module + "." + im.arch + ".ptx")
		arch, b := im.arch, im.ptx
		in := filepath.Join(dir, f.Name())
		if err := os.WriteFile(in, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(ptxas, "-arch="+arch, "-v", in, "-o", filepath.Join(dir, "out.cubin")).CombinedOutput()
		if err != nil {
			t.Errorf("ptxas %s: %v\n%s", f.Name(), err, out)
			continue
		}
		kernel := ""
		for _, line := range strings.Split(string(out), "\n") {
			if m := entry.FindStringSubmatch(line); m != nil {
				kernel = m[1]
			}
			if m := spill.FindStringSubmatch(line); m != nil && m[1] != "0" {
				t.Errorf("%s: %s spills %s bytes", f.Name(), kernel, m[1])
			}
		}
	}
}

// fileName gives a PTX image the Name method the messages use.
type fileName string

func (f fileName) Name() string { return string(f) }
