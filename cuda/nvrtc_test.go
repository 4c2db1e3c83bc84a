package cuda

import (
	"errors"
	"testing"
	"time"
	"unsafe"
)

func TestKernelSourceReturnsEveryModuleWithItsHeaders(t *testing.T) {
	for _, m := range modules() {
		src, headers, err := KernelSource(m)
		if err != nil {
			t.Fatal(err)
		}
		if len(src) == 0 || headers["prelude.cuh"] == "" || headers["gf_common.cuh"] == "" || headers["gf_math.cuh"] == "" {
			t.Errorf("module %s: source of %d bytes, headers %d", m, len(src), len(headers))
		}
	}
	if _, _, err := KernelSource("no-such-module"); err == nil {
		t.Error("KernelSource of a missing module: no error")
	}
}

// TestNVRTCCompilesKernelsThatRunLikeTheEmbeddedPTX compiles modules with
// NVRTC, loads them into the GPU's context and runs the Philox kernel
// against its known answers. It needs a GPU and an NVRTC library.
func TestNVRTCCompilesKernelsThatRunLikeTheEmbeddedPTX(t *testing.T) {
	if testMode == "emu" {
		t.Skip("GOFORMER_CUDA_TEST=emu")
	}
	g, err := Open(0)
	if err != nil {
		t.Skipf("no GPU: %v", err)
	}
	major, minor, err := NVRTCVersion()
	if errors.Is(err, ErrNoNVRTC) {
		t.Skipf("no NVRTC: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("NVRTC %d.%d", major, minor)
	for _, m := range []string{"copy", "random"} {
		start := time.Now()
		ptx, err := g.compileModuleNVRTC(m)
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		mod, err := g.eng.loadModule(m+".nvrtc", append(ptx, 0))
		if err != nil {
			t.Fatalf("load %s: %v", m, err)
		}
		t.Logf("%s: compiled and loaded in %v (%d bytes of PTX)", m, time.Since(start).Round(time.Millisecond), len(ptx))
		if m != "random" {
			continue
		}
		fn, err := g.eng.function(mod, "gf_philox_test")
		if err != nil {
			t.Fatal(err)
		}
		b, err := g.Alloc(16)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Free()
		var a argBuffer
		a.ptr(b.Ptr())
		for _, v := range []uint32{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0} {
			a.u32(v)
		}
		if err := g.eng.launch(fn, dim3{1, 1, 1}, dim3{32, 1, 1}, 0, &a); err != nil {
			t.Fatal(err)
		}
		var out [4]uint32
		if err := g.dtoh(unsafe.Slice((*byte)(unsafe.Pointer(&out[0])), 16), b.Ptr()); err != nil {
			t.Fatal(err)
		}
		if want := [4]uint32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}; out != want {
			t.Errorf("NVRTC-compiled philox = %08x, want %08x", out, want)
		}
	}
}
