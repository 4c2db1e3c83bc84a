package cuda

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goformer/goformer/cuda/internal/emu"
	"github.com/goformer/goformer/tensor"
)

// emuKind labels the emulated GPU as a tensor device of its own, so that
// the tensor package's whole API runs on it in tests.
const emuKind tensor.DeviceKind = 200

func init() {
	if emu.Available {
		tensor.RegisterBackend(emuKind, func(index int) (tensor.Backend, error) {
			if index != 0 {
				return nil, fmt.Errorf("cuda: the emulator is device 0 only")
			}
			return NewBackend(emulatedGPU(), tensor.Device{Kind: emuKind}), nil
		})
	}
}

// testDevices returns the tensor devices to test on: the emulator and a
// real GPU, as testGPUs decides.
func forEachDevice(t *testing.T, f func(t *testing.T, dev tensor.Device)) {
	t.Helper()
	for _, g := range testGPUs(t) {
		dev, name := tensor.CUDA(g.Ordinal()), "gpu"
		if g.Emulated() {
			dev, name = tensor.Device{Kind: emuKind}, "emulator"
		}
		t.Run(name, func(t *testing.T) { f(t, dev) })
	}
}

func TestTheBackendIsUnavailableWithAReasonWithoutADriver(t *testing.T) {
	if Available() {
		t.Skip("a GPU is present")
	}
	err := tensor.Available(Device(0))
	if err == nil || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("tensor.Available(cuda.Device(0)) = %v, want an error wrapping ErrUnavailable", err)
	}
	if _, err := Open(0); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Open(0) = %v, want ErrUnavailable", err)
	}
	if n, err := DeviceCount(); n != 0 || err == nil {
		t.Errorf("DeviceCount() = %d, %v; want 0 and an error", n, err)
	}
	t.Logf("reason: %v", err)
}

func values(t *tensor.Tensor) []float64 {
	if t.DType() == tensor.Int32 {
		var out []float64
		for _, v := range t.To(tensor.CPU).Int32s() {
			out = append(out, float64(v))
		}
		return out
	}
	return t.To(tensor.CPU).As(tensor.Float64).Float64s()
}

func randTensor(rng *rand.Rand, dtype tensor.DType, lo, hi float64, shape ...int) *tensor.Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	v := make([]float64, n)
	for i := range v {
		v[i] = lo + (hi-lo)*rng.Float64()
	}
	return tensor.FromSlice(v, shape...).As(dtype)
}

func TestTensorsMoveToTheDeviceAndBackUnchanged(t *testing.T) {
	forEachDevice(t, func(t *testing.T, dev tensor.Device) {
		rng := rand.New(rand.NewPCG(33, 34))
		for _, dtype := range []tensor.DType{tensor.Float32, tensor.Float64, tensor.Int32, tensor.Float16, tensor.BFloat16} {
			for _, n := range []int{0, 1, 1000, 300_000} {
				x := randTensor(rng, tensor.Float64, -100, 100, n).As(dtype)
				back := x.To(dev).To(tensor.CPU)
				if back.Device() != tensor.CPU || !equalBits(x, back) {
					t.Errorf("%v × %d: the round trip changed the data", dtype, n)
				}
			}
		}
		// A transposed view moves as its values.
		x := randTensor(rng, tensor.Float32, -1, 1, 3, 4).T()
		compare(t, "transposed", values(x.To(dev)), values(x), tolExact)
	})
}

func equalBits(a, b *tensor.Tensor) bool {
	switch a.DType() {
	case tensor.Float16, tensor.BFloat16:
		x, y := a.Bits16(), b.Bits16()
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	x, y := values(a), values(b)
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
			return false
		}
	}
	return true
}

// opCase is a computation run on the CPU and on the device from the same
// inputs.
type opCase struct {
	name string
	tol  tol
	f    func(in []*tensor.Tensor) *tensor.Tensor
}

func TestTensorOpsOnTheDeviceMatchTheCPU(t *testing.T) {
	cases := []opCase{
		{"broadcast add and mul", tolElementF32, func(x []*tensor.Tensor) *tensor.Tensor { return x[0].Add(x[1].Narrow(0, 0, 1)).Mul(x[0]) }},
		{"GELU of a transposed view", tolElementF32, func(x []*tensor.Tensor) *tensor.Tensor { return x[0].T().GELU() }},
		{"sum over rows", tolReduceF32, func(x []*tensor.Tensor) *tensor.Tensor { return x[0].Sum(0) }},
		{"mean over columns", tolReduceF32, func(x []*tensor.Tensor) *tensor.Tensor { return x[0].Mean(1) }},
		{"variance", tolReduceF32, func(x []*tensor.Tensor) *tensor.Tensor { return x[0].Var(1) }},
		{"argmax", tolExact, func(x []*tensor.Tensor) *tensor.Tensor { return x[0].ArgMax(1) }},
		{"log-sum-exp", tolReduceF32, func(x []*tensor.Tensor) *tensor.Tensor { return x[0].LogSumExp(1) }},
		{"matmul", tolReduceF32, func(x []*tensor.Tensor) *tensor.Tensor { return x[0].MatMul(x[1].T()) }},
		{"softmax", tolReduceF32, func(x []*tensor.Tensor) *tensor.Tensor { return x[0].Softmax(-1) }},
		{"layer norm", tolReduceF32, func(x []*tensor.Tensor) *tensor.Tensor {
			return tensor.LayerNorm(x[0], x[1].Select(0, 0), x[1].Select(0, 1), 1e-5)
		}},
		{"masked fill", tolExact, func(x []*tensor.Tensor) *tensor.Tensor { return x[0].MaskedFill(x[0].Gt(x[1]), math.Inf(-1)) }},
		{"concat and slice", tolExact, func(x []*tensor.Tensor) *tensor.Tensor {
			return tensor.Concat(1, x[0], x[1]).Slice(1, 1, 9, 3)
		}},
		{"cast to half and back", tolExact, func(x []*tensor.Tensor) *tensor.Tensor {
			return x[0].As(tensor.Float16).As(tensor.BFloat16).As(tensor.Float32)
		}},
	}
	forEachDevice(t, func(t *testing.T, dev tensor.Device) {
		rng := rand.New(rand.NewPCG(35, 36))
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				in := []*tensor.Tensor{randTensor(rng, tensor.Float32, -2, 2, 6, 10), randTensor(rng, tensor.Float32, -2, 2, 6, 10)}
				want := c.f(in)
				var dIn []*tensor.Tensor
				for _, x := range in {
					dIn = append(dIn, x.To(dev))
				}
				got := c.f(dIn)
				if got.Device() != dev {
					t.Fatalf("result on %v, want %v", got.Device(), dev)
				}
				compare(t, c.name, values(got), values(want), c.tol)
			})
		}
	})
}

func TestAutogradOnTheDeviceMatchesTheCPU(t *testing.T) {
	forEachDevice(t, func(t *testing.T, dev tensor.Device) {
		rng := rand.New(rand.NewPCG(37, 38))
		a := randTensor(rng, tensor.Float32, -1, 1, 5, 7)
		w := randTensor(rng, tensor.Float32, -1, 1, 4, 7)
		b := randTensor(rng, tensor.Float32, -1, 1, 4)
		run := func(dev tensor.Device) (float64, [][]float64) {
			pa := a.To(dev).Detach().SetRequiresGrad(true)
			pw := w.To(dev).Detach().SetRequiresGrad(true)
			pb := b.To(dev).Detach().SetRequiresGrad(true)
			h := tensor.Linear(pa, pw, pb).GELUTanh()
			h = h.Mul(h.Sigmoid()).Add(h.Exp().Log().Scale(0.5))
			s := h.Softmax(-1).Maximum(h.Tanh()).Div(h.Square().AddScalar(1))
			loss := s.Sum().Add(h.Mean(0).Square().Sum())
			loss.Backward()
			return loss.Item(), [][]float64{values(pa.Grad()), values(pw.Grad()), values(pb.Grad())}
		}
		lc, gc := run(tensor.CPU)
		ld, gd := run(dev)
		compare(t, "loss", []float64{ld}, []float64{lc}, tolGradsF32)
		for i := range gc {
			compare(t, fmt.Sprintf("grad %d", i), gd[i], gc[i], tolGradsF32)
		}
	})
}
