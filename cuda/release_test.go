package cuda

import (
	"math/rand/v2"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/goformer/goformer/tensor"
)

// gpuOf returns the GPU behind a test device.
func gpuOf(t *testing.T, dev tensor.Device) *GPU {
	t.Helper()
	if dev.Kind == emuKind {
		return emulatedGPU()
	}
	g, err := Open(dev.Index)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestReleasePointsReturnDeviceMemory runs training steps of a small GPT on
// the device, each in a tensor.Scope with ZeroGrad after it, and checks
// that the device buffers in use stop growing: the release points of
// package tensor (Scope.Close, ZeroGrad, Backward's intermediate gradients
// and saved statistics) hand device memory back to the GPU's caching
// allocator at once, as they hand CPU memory to the CPU's cache. Steps
// without a scope keep their activations until the garbage collector
// finds them, for comparison.
func TestReleasePointsReturnDeviceMemory(t *testing.T) {
	forEachDevice(t, func(t *testing.T, dev tensor.Device) {
		g := gpuOf(t, dev)
		m := newMiniGPT(41).to(dev)
		rng := rand.New(rand.NewPCG(1, 2))
		B, T := 2, m.ctx
		idv, tgv := make([]int32, B*T), make([]int32, B*T)
		for i := range idv {
			idv[i], tgv[i] = int32(rng.IntN(m.vocab)), int32(rng.IntN(m.vocab))
		}
		ids, targets := tensor.FromSlice(idv, B, T).To(dev), tensor.FromSlice(tgv, B, T).To(dev)
		step := func(scoped bool) float64 {
			in, tg := ids, targets
			var sc *tensor.Scope
			if scoped {
				sc = tensor.NewScope()
				in, tg = sc.Use(ids), sc.Use(targets)
			}
			loss := m.loss(in, tg)
			loss.Backward()
			l := loss.Item()
			for _, p := range m.params {
				p.ZeroGrad()
			}
			if sc != nil {
				sc.Close()
			}
			return l
		}
		// No garbage collection during the count: buffers come back through
		// release points only.
		defer debug.SetGCPercent(debug.SetGCPercent(-1))
		growth := func(scoped bool) int {
			step(scoped)
			before := g.MemStats().Live
			for range 4 {
				step(scoped)
			}
			return g.MemStats().Live - before
		}
		scoped, unscoped := growth(true), growth(false)
		t.Logf("live device buffers after 4 steps: %+d with scopes, %+d without", scoped, unscoped)
		// The one buffer a step may leave is its causal mask, made on the
		// host and copied to the device outside the scope.
		if scoped > 4 || unscoped < 40 {
			t.Fatalf("live device buffers grew by %d over 4 scoped steps (%d without scopes): release points do not return device memory", scoped, unscoped)
		}
		// A released device tensor is unreadable, and its memory is back.
		x := tensor.FullOn(dev, tensor.Float32, 1, 256)
		frees := g.MemStats().Frees
		x.Release()
		if g.MemStats().Frees != frees+1 {
			t.Fatal("Release did not return the device buffer")
		}
		defer func() {
			if r, _ := recover().(string); !strings.Contains(r, "released by Release") {
				t.Fatalf("reading a released device tensor: panic %q", r)
			}
		}()
		x.Float32s()
	})
}
