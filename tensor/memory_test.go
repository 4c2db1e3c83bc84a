package tensor_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/goformer/goformer/internal/allocbytes"
	"github.com/goformer/goformer/tensor"
)

func memRandN(seed uint64, shape ...int) *tensor.Tensor {
	return tensor.RandN(rand.New(rand.NewPCG(seed, 3)), shape...)
}

// mustPanicReleased runs f and checks that it panics because a released
// tensor was read, naming the release point.
func mustPanicReleased(t *testing.T, what, by string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		s := fmt.Sprint(r)
		if r == nil || !strings.Contains(s, "released by "+by) {
			t.Fatalf("%s: panic %v, want one naming the release by %s", what, r, by)
		}
	}()
	f()
}

func equalBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// mlp is a small two-layer network on shared weights.
type mlp struct{ w1, b1, w2 *tensor.Tensor }

func newMLP(seed uint64) *mlp {
	return &mlp{memRandN(seed, 32, 64).Scale(0.2), memRandN(seed+1, 64).Scale(0.1), memRandN(seed+2, 64, 10).Scale(0.2)}
}

func (m *mlp) forward(x *tensor.Tensor) *tensor.Tensor {
	h := tensor.LayerNorm(x.MatMul(m.w1).Add(m.b1), nil, nil, 1e-5).GELU()
	return h.MatMul(m.w2).Softmax(-1)
}

func TestScopeReleasesWhatItComputedAndNothingElse(t *testing.T) {
	m := newMLP(1)
	x := memRandN(9, 16, 32)
	sc := tensor.NewScope()
	xs := sc.Use(x)
	h := xs.MatMul(m.w1)
	view := h.Narrow(0, 2, 3).T()
	kept := sc.Keep(m.forward(xs))
	want := kept.Float32s()
	sc.Close()
	for name, f := range map[string]func(){
		"a result":             func() { h.Sum() },
		"a view of a result":   func() { view.Float32s() },
		"an op on a view":      func() { view.Add(view) },
		"Storage of a result":  func() { h.Storage() },
		"a result as an input": func() { x.MatMul(m.w1).Add(h) },
	} {
		mustPanicReleased(t, name, "Scope.Close", f)
	}
	if !h.IsReleased() || kept.IsReleased() {
		t.Fatalf("released: result %v, kept %v; want true, false", h.IsReleased(), kept.IsReleased())
	}
	if !equalBits(kept.Float32s(), want) {
		t.Fatal("a kept tensor changed after Close")
	}
	if x.IsReleased() || xs.IsReleased() || m.w1.IsReleased() {
		t.Fatal("Close released an input or a parameter")
	}
	// The scope's memory now serves new tensors; the kept one, the input
	// and the weights are intact.
	for range 20 {
		m.forward(x).Add(tensor.Full(1, 16, 10))
	}
	if !equalBits(kept.Float32s(), want) || !equalBits(m.forward(x).Float32s(), want) {
		t.Fatal("a kept tensor or the weights changed after the scope's memory was reused")
	}
	if s := fmt.Sprint(h); !strings.Contains(s, "released by Scope.Close") {
		t.Fatalf("formatting a released tensor gives %q", s)
	}
	sc.Close() // a second Close does nothing
	if y := kept.Add(kept); y.IsReleased() {
		t.Fatal("an op on a kept tensor after Close was released")
	}
}

// TestKeptOutputsSurviveManyScopes keeps one output of each of many steps,
// each in its own scope whose memory the next step reuses, and compares
// them at the end with a fresh computation outside any scope.
func TestKeptOutputsSurviveManyScopes(t *testing.T) {
	m := newMLP(2)
	const steps = 40
	inputs := make([]*tensor.Tensor, steps)
	kept := make([]*tensor.Tensor, steps)
	for i := range steps {
		inputs[i] = memRandN(uint64(100+i), 8+i%3, 32)
		sc := tensor.NewScope()
		y := m.forward(sc.Use(inputs[i]))
		if i%2 == 0 {
			kept[i] = sc.Keep(y)
		} else {
			kept[i] = sc.Keep(y.Narrow(1, 2, 5)) // a view keeps its whole buffer
		}
		m.forward(sc.Use(inputs[i])).Sum() // garbage of the step
		sc.Close()
	}
	for i := range steps {
		want := m.forward(inputs[i])
		if i%2 == 1 {
			want = want.Narrow(1, 2, 5)
		}
		if !equalBits(kept[i].Float32s(), want.Float32s()) {
			t.Fatalf("step %d: a kept output changed after its buffer's neighbours were reused", i)
		}
	}
}

// TestScopedTrainingEqualsUnscopedTraining runs the same AdamW training
// with a scope per step and without: every buffer of a step is recycled
// into the next one, and the parameters must come out bit for bit equal.
func TestScopedTrainingEqualsUnscopedTraining(t *testing.T) {
	train := func(scoped bool) ([]float32, []float64) {
		m := newMLP(3)
		params := []*tensor.Tensor{m.w1.SetRequiresGrad(true), m.b1.SetRequiresGrad(true), m.w2.SetRequiresGrad(true)}
		var ms, vs []*tensor.Tensor
		for _, p := range params {
			ms, vs = append(ms, tensor.ZerosLike(p)), append(vs, tensor.ZerosLike(p))
		}
		var losses []float64
		for step := 1; step <= 25; step++ {
			x := memRandN(uint64(step), 16, 32)
			ids := make([]int32, 16)
			for i := range ids {
				ids[i] = int32((i + step) % 10)
			}
			var sc *tensor.Scope
			if scoped {
				sc = tensor.NewScope()
				x = sc.Use(x)
			}
			for _, p := range params {
				p.ZeroGrad()
			}
			h := tensor.LayerNorm(x.MatMul(m.w1).Add(m.b1), nil, nil, 1e-5).GELU()
			loss := tensor.CrossEntropy(h.MatMul(m.w2), tensor.FromSlice(ids))
			loss.Backward()
			if sc != nil {
				sc.Close() // before the optimizer: gradients outlive the scope
			}
			for i, p := range params {
				tensor.AdamWStep(p.Detach(), p.Grad(), ms[i], vs[i], tensor.AdamWParams{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01, Step: step})
			}
			if !scoped {
				losses = append(losses, loss.Item())
			} else {
				mustPanicReleased(t, "the loss after Close", "Scope.Close", func() { loss.Item() })
			}
		}
		var out []float32
		for _, p := range params {
			out = append(out, p.Float32s()...)
		}
		return out, losses
	}
	a, _ := train(false)
	b, _ := train(true)
	if !equalBits(a, b) {
		t.Fatal("training with scopes gave other parameters than training without")
	}
}

func TestZeroGradRecyclesTheGradient(t *testing.T) {
	w := memRandN(1, 64, 64).SetRequiresGrad(true)
	x := memRandN(2, 8, 64)
	x.MatMul(w).Square().Sum().Backward()
	g := w.Grad()
	want := g.Float32s()
	w.ZeroGrad()
	mustPanicReleased(t, "a gradient after ZeroGrad", "ZeroGrad", func() { g.Sum() })
	x.MatMul(w).Square().Sum().Backward()
	if !equalBits(w.Grad().Float32s(), want) {
		t.Fatal("the gradient after ZeroGrad differs from the first")
	}
	// A gradient set by the caller stays the caller's.
	mine := tensor.Ones(64, 64)
	w.SetGrad(mine)
	w.ZeroGrad()
	if mine.IsReleased() || mine.Sum().Item() != 64*64 {
		t.Fatal("ZeroGrad released a gradient set with SetGrad")
	}
}

func TestReleaseMakesEveryViewUnreadable(t *testing.T) {
	a := memRandN(1, 32, 32)
	v := a.T().Narrow(0, 1, 4)
	a.Release()
	mustPanicReleased(t, "the tensor", "Release", func() { a.Float32s() })
	mustPanicReleased(t, "a view", "Release", func() { v.Contiguous() })
	a.Release() // twice: nothing
	if a.Device() != tensor.CPU || a.Dim(0) != 32 {
		t.Fatal("the metadata of a released tensor is gone")
	}
	// Memory the caller wrapped stays the caller's.
	data := []float32{1, 2, 3, 4}
	u := tensor.FromSlice(data, 2, 2)
	u.Release()
	for range 10 {
		tensor.Full(7, 2, 2)
	}
	if data[0] != 1 || data[3] != 4 {
		t.Fatalf("the caller's slice changed after Release: %v", data)
	}
}

func TestBackwardThroughReleasedActivationsPanics(t *testing.T) {
	w := memRandN(1, 16, 16).SetRequiresGrad(true)
	sc := tensor.NewScope()
	loss := sc.Use(memRandN(2, 4, 16)).MatMul(w).GELU().Sum()
	sc.Close()
	mustPanicReleased(t, "Backward after Close", "Scope.Close", func() { loss.Backward() })
}

// TestLiveViewsAreNeverRecycled keeps only a small view of a large tensor
// while many tensors of the same size come and go through collections:
// the view's buffer must never be handed out again.
func TestLiveViewsAreNeverRecycled(t *testing.T) {
	big := memRandN(1, 256, 256)
	v := big.Narrow(0, 10, 2)
	want := v.Float32s()
	big = nil
	for i := range 30 {
		tensor.Full(float64(i), 256, 256).Add(tensor.Ones(256, 256))
		if i%5 == 0 {
			runtime.GC()
		}
	}
	if !equalBits(v.Float32s(), want) {
		t.Fatal("the buffer of a live view was reused")
	}
}

// TestConcurrentScopedForwardPasses runs forward passes on shared weights
// from many goroutines, each in its own scopes, and compares every output
// with one computed alone (run with -race).
func TestConcurrentScopedForwardPasses(t *testing.T) {
	m := newMLP(4)
	const workers, steps = 8, 15
	inputs := make([]*tensor.Tensor, workers)
	wants := make([][]float32, workers)
	for i := range workers {
		inputs[i] = memRandN(uint64(50+i), 12, 32)
		wants[i] = m.forward(inputs[i]).Float32s()
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range steps {
				sc := tensor.NewScope()
				y := m.forward(sc.Use(inputs[w]))
				got := y.Float32s()
				sc.Close()
				if !equalBits(got, wants[w]) {
					t.Errorf("worker %d: output differs from the one computed alone", w)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestScopedInferenceAllocatesAlmostNothing measures the bytes a scoped
// inference step allocates once the cache is warm, against the size of
// its activations.
func TestScopedInferenceAllocatesAlmostNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("measures allocations")
	}
	w1, w2 := memRandN(1, 256, 1024).Scale(0.05), memRandN(2, 1024, 256).Scale(0.05)
	x := memRandN(3, 64, 256)
	step := func() {
		sc := tensor.NewScope()
		h := sc.Use(x).MatMul(w1).GELU()
		tensor.LayerNorm(h.MatMul(w2), nil, nil, 1e-5).Softmax(-1)
		sc.Close()
	}
	for range 5 {
		step()
	}
	perStep := allocbytes.PerCall(3, 20, step)
	activations := float64(4 * (64*1024*2 + 64*256*3))
	if perStep > 0.02*activations {
		t.Fatalf("a scoped step allocates %.0f bytes, %.1f%% of its %.0f bytes of activations", perStep, 100*perStep/activations, activations)
	}
	t.Logf("a scoped step allocates %.0f bytes (%.2f%% of its activations)", perStep, 100*perStep/activations)
}

func TestIntoVariantsEqualTheOpsAndAllocateNothing(t *testing.T) {
	a, b, bias := memRandN(1, 16, 32), memRandN(2, 16, 32), memRandN(3, 32)
	w := memRandN(4, 32, 8)
	wtt := w.T().Contiguous().T() // w as a transposed view
	dst, out := tensor.Zeros(16, 32), tensor.Zeros(16, 8)
	cases := []struct {
		name      string
		into, ref func() *tensor.Tensor
	}{
		{"AddInto", func() *tensor.Tensor { return tensor.AddInto(dst, a, b) }, func() *tensor.Tensor { return a.Add(b) }},
		{"AddInto a broadcast bias", func() *tensor.Tensor { return tensor.AddInto(dst, a, bias) }, func() *tensor.Tensor { return a.Add(bias) }},
		{"SubInto", func() *tensor.Tensor { return tensor.SubInto(dst, a, b) }, func() *tensor.Tensor { return a.Sub(b) }},
		{"MulInto", func() *tensor.Tensor { return tensor.MulInto(dst, a, b) }, func() *tensor.Tensor { return a.Mul(b) }},
		{"UnaryInto GELU", func() *tensor.Tensor { return tensor.UnaryInto(dst, a, tensor.OpGELU, tensor.UnaryParams{}) }, func() *tensor.Tensor { return a.GELU() }},
		{"SoftmaxInto", func() *tensor.Tensor { return tensor.SoftmaxInto(dst, a) }, func() *tensor.Tensor { return a.Softmax(-1) }},
		{"MatMulInto", func() *tensor.Tensor { return tensor.MatMulInto(out, a, w) }, func() *tensor.Tensor { return a.MatMul(w) }},
		{"MatMulInto a transposed operand", func() *tensor.Tensor { return tensor.MatMulInto(out, b, wtt) }, func() *tensor.Tensor { return b.MatMul(wtt) }},
	}
	for _, c := range cases {
		if !equalBits(c.into().Float32s(), c.ref().Float32s()) {
			t.Fatalf("%s differs from the op", c.name)
		}
		if n := testing.AllocsPerRun(20, func() { c.into() }); n > 2 {
			t.Errorf("%s allocates %v times per call", c.name, n)
		}
	}
	// In place: dst may be an operand of an element-wise variant.
	c := a.Clone()
	tensor.AddInto(c, c, b)
	if !equalBits(c.Float32s(), a.Add(b).Float32s()) {
		t.Fatal("AddInto in place differs from Add")
	}
	for name, f := range map[string]func(){
		"a wrong shape":          func() { tensor.AddInto(tensor.Zeros(16, 31), a, b) },
		"an operand with a grad": func() { tensor.AddInto(dst, a.Detach().SetRequiresGrad(true), b) },
		"a wrong dtype":          func() { tensor.AddInto(dst.As(tensor.Float64), a, b) },
		"a broadcast dst":        func() { tensor.AddInto(tensor.Zeros(32).Expand(16, 32), a, b) },
		"a dst sharing storage":  func() { tensor.MatMulInto(a.Narrow(1, 0, 8), a, w) },
		"mismatched product":     func() { tensor.MatMulInto(out, a, a) },
	} {
		mustPanic(t, f, "Into")
		_ = name
	}
}
