package cuda

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/goformer/goformer/cuda/internal/emu"
	"github.com/goformer/goformer/cuda/internal/ptxtarget"
)

// ptxEntry is a kernel's parameter list as the PTX declares it.
type ptxEntry struct {
	name   string
	params []param
}

var (
	entryRE = regexp.MustCompile(`(?s)\.visible \.entry ([A-Za-z_][A-Za-z0-9_]*)\((.*?)\)`)
	paramRE = regexp.MustCompile(`^\.param (?:\.align (\d+) )?\.(u64|s64|b64|u32|s32|b32|f32|f64|b8) [A-Za-z0-9_]+(?:\[(\d+)\])?$`)
)

// parsePTX reads the .entry declarations of a PTX file.
func parsePTX(text string) (map[string]ptxEntry, error) {
	out := map[string]ptxEntry{}
	for _, m := range entryRE.FindAllStringSubmatch(text, -1) {
		e := ptxEntry{name: m[1]}
		for _, line := range strings.Split(m[2], "\n") {
			line = strings.TrimSuffix(strings.TrimSpace(line), ",")
			if line == "" {
				continue
			}
			pm := paramRE.FindStringSubmatch(line)
			if pm == nil {
				return nil, fmt.Errorf("entry %s: unrecognised parameter %q", e.name, line)
			}
			var p param
			switch pm[2] {
			case "u64", "s64", "b64":
				p = param{kind: pI64, size: 8}
			case "u32", "s32", "b32":
				p = param{kind: pI32, size: 4}
			case "f32":
				p = param{kind: pF32, size: 4}
			case "f64":
				p = param{kind: pF64, size: 8}
			case "b8":
				n, err := strconv.Atoi(pm[3])
				if err != nil {
					return nil, fmt.Errorf("entry %s: parameter %q has no size", e.name, line)
				}
				p = param{kind: pStruct, size: n}
			}
			e.params = append(e.params, p)
		}
		out[e.name] = e
	}
	return out, nil
}

// sameParam compares a declared parameter with the PTX's: a pointer and a
// 64-bit integer look alike in PTX.
func sameParam(decl, ptx param) bool {
	if decl.kind == pPtr {
		decl.kind = pI64
	}
	return decl == ptx
}

func TestEmbeddedPTXDeclaresEveryKernelWithTheParametersTheLaunchCodePasses(t *testing.T) {
	images := ptxImages()
	if len(images) == 0 {
		t.Fatal("no embedded PTX")
	}
	byModule := map[string][]string{} // module -> archs ptxFor can load
	entries := map[string]map[string]ptxEntry{}
	for _, im := range images {
		byModule[im.module] = append(byModule[im.module], im.arch)
		name := im.module + "." + im.arch + ".ptx"
		text := string(im.ptx)
		if !strings.Contains(text, "\n.target "+im.arch+"\n") {
			t.Errorf("%s does not target %s", name, im.arch)
		}
		parsed, err := parsePTX(text)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		entries[name] = parsed
	}
	declared := map[string]bool{}
	for _, k := range kernelRegistry {
		declared[k.name] = true
		archs := byModule[k.module]
		if !contains(archs, "sm_80") || !contains(archs, "sm_90") {
			t.Errorf("kernel %s: module %s lacks sm_80 or sm_90 PTX (has %v)", k.name, k.module, archs)
		}
		for _, arch := range archs {
			file := k.module + "." + arch + ".ptx"
			e, ok := entries[file][k.name]
			if !ok {
				t.Errorf("kernel %s is not an entry of %s", k.name, file)
				continue
			}
			if len(e.params) != len(k.params) {
				t.Errorf("kernel %s in %s: PTX declares %d parameters, the launch code passes %d", k.name, file, len(e.params), len(k.params))
				continue
			}
			for i := range e.params {
				if !sameParam(k.params[i], e.params[i]) {
					t.Errorf("kernel %s in %s: parameter %d is %v (%d bytes) in PTX, %v (%d bytes) in the launch code",
						k.name, file, i, e.params[i].kind, e.params[i].size, k.params[i].kind, k.params[i].size)
				}
			}
		}
	}
	for file, es := range entries {
		for name := range es {
			if !declared[name] {
				t.Errorf("%s defines kernel %s, which the launch code never declares", file, name)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// kernelSourceHash digests the kernels directory as internal/ptxgen does.
func kernelSourceHash(t *testing.T) string {
	t.Helper()
	files, err := os.ReadDir("kernels")
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, f := range files {
		if f.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("kernels", f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%s %d\n", f.Name(), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestEmbeddedPTXWasGeneratedFromTheCurrentKernelSources(t *testing.T) {
	want := kernelSourceHash(t)
	files, _ := ptxFiles.ReadDir("ptx")
	for _, f := range files {
		b, _ := ptxFiles.ReadFile("ptx/" + f.Name())
		if !strings.Contains(string(b), "kernels source sha256 "+want) {
			t.Errorf("%s is stale: kernels/ changed since it was generated; run go generate ./cuda", f.Name())
		}
	}
	if emu.Available && emu.SourceHash() != want {
		t.Errorf("the emulator's kernel tables are stale; run go generate ./cuda")
	}
}

func TestEmulatorRunsEveryKernelWithTheDeclaredParameterSizes(t *testing.T) {
	if !emu.Available {
		t.Skip("the kernel emulator needs cgo")
	}
	for _, k := range kernelRegistry {
		idx, ok := emu.Lookup(k.name)
		if !ok {
			t.Errorf("the emulator lacks kernel %s", k.name)
			continue
		}
		sizes := emu.Kernels()[idx].ParamSizes
		if len(sizes) != len(k.params) {
			t.Errorf("kernel %s: the emulated source takes %d parameters, the launch code passes %d", k.name, len(sizes), len(k.params))
			continue
		}
		for i, p := range k.params {
			if sizes[i] != p.size {
				t.Errorf("kernel %s: parameter %d is %d bytes in the source, %d in the launch code", k.name, i, sizes[i], p.size)
			}
		}
	}
}

func TestTargetSelectionPicksTheBestPTXTheDeviceRuns(t *testing.T) {
	tests := []struct {
		name         string
		major, minor int
		want         string
		fails        bool
	}{
		{"Ampere A100 gets sm_80", 8, 0, "sm_80", false},
		{"Ada gets sm_80", 8, 9, "sm_80", false},
		{"Hopper gets sm_90", 9, 0, "sm_90", false},
		{"Blackwell gets sm_90", 10, 0, "sm_90", false},
		{"Turing has no kernels", 7, 5, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arch, image, err := ptxFor("copy", tt.major, tt.minor)
			if tt.fails {
				if err == nil {
					t.Fatalf("got %s, want an error", arch)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if arch != tt.want || !strings.Contains(string(image), ".target "+tt.want) {
				t.Errorf("got %s, want %s", arch, tt.want)
			}
		})
	}
}

func TestEmbeddedPTXHoldsEachModuleOnce(t *testing.T) {
	files, err := ptxFiles.ReadDir("ptx")
	if err != nil {
		t.Fatal(err)
	}
	// body drops the generator's comment header, which names the target.
	body := func(b []byte) []byte {
		for bytes.HasPrefix(b, []byte("// Code generated")) || bytes.HasPrefix(b, []byte("// kernels source")) {
			b = b[bytes.IndexByte(b, '\n')+1:]
		}
		return b
	}
	for _, f := range files {
		module, rest, _ := strings.Cut(f.Name(), ".")
		arch := strings.TrimSuffix(rest, ".ptx")
		tg, ok := ptxtarget.Lookup(arch)
		if !ok {
			t.Errorf("%s: unknown target %s", f.Name(), arch)
			continue
		}
		if arch == ptxtarget.Base || tg.OptIn {
			continue
		}
		own, _ := ptxFiles.ReadFile("ptx/" + f.Name())
		base, err := ptxFiles.ReadFile("ptx/" + module + "." + ptxtarget.Base + ".ptx")
		if err != nil {
			t.Errorf("%s has no %s PTX beside it", f.Name(), ptxtarget.Base)
			continue
		}
		if re, err := ptxtarget.Retarget(body(base), tg); err == nil && bytes.Equal(re, body(own)) {
			t.Errorf("%s is %s.%s.ptx retargeted: it should be made at load, not embedded twice", f.Name(), module, ptxtarget.Base)
		}
	}
}

func TestHopperLoadsTheSM80PTXRetargetedToSM90(t *testing.T) {
	for _, m := range modules() {
		arch, image, err := ptxFor(m, 9, 0)
		if err != nil || arch != "sm_90" {
			t.Fatalf("%s on 9.0: %s, %v", m, arch, err)
		}
		_, base, _ := ptxFor(m, 8, 0)
		if !bytes.Contains(image, []byte("\n.version 7.8\n.target sm_90\n")) {
			t.Errorf("%s: the sm_90 image does not declare PTX ISA 7.8 for sm_90", m)
		}
		if len(image) != len(base) {
			t.Errorf("%s: the sm_90 image is %d bytes, the sm_80 one %d", m, len(image), len(base))
		}
	}
}
