//go:build long

package cuda

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestNVRTCCompilesEveryKernelModule compiles each module's source with
// NVRTC for compute capability 8.0 and 9.0 and checks that the PTX defines
// the same kernels, with the same parameter lists, as the embedded PTX.
// It needs an NVRTC library, not a GPU.
func TestNVRTCCompilesEveryKernelModule(t *testing.T) {
	major, minor, err := NVRTCVersion()
	if errors.Is(err, ErrNoNVRTC) {
		t.Skipf("no NVRTC: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("NVRTC %d.%d", major, minor)
	for _, m := range modules() {
		src, headers, err := KernelSource(m)
		if err != nil {
			t.Fatal(err)
		}
		for _, arch := range []string{"compute_80", "compute_90"} {
			start := time.Now()
			ptx, err := CompileNVRTC(src, m+".cu", headers, []string{"--gpu-architecture=" + arch, "-std=c++17"})
			if err != nil {
				t.Fatalf("%s for %s: %v", m, arch, err)
			}
			got, err := parsePTX(string(ptx))
			if err != nil {
				t.Fatalf("%s: %v", m, err)
			}
			emb, _ := ptxFiles.ReadFile("ptx/" + m + ".sm_80.ptx")
			want, _ := parsePTX(string(emb))
			for name, e := range want {
				g, ok := got[name]
				if !ok {
					t.Errorf("%s for %s: NVRTC's PTX lacks %s", m, arch, name)
					continue
				}
				if fmt.Sprint(g.params) != fmt.Sprint(e.params) {
					t.Errorf("%s: %s takes %v from NVRTC, %v from clang", m, name, g.params, e.params)
				}
			}
			t.Logf("%s for %s: %d kernels in %v", m, arch, len(got), time.Since(start).Round(time.Millisecond))
		}
	}
}
