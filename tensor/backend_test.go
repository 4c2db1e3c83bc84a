package tensor

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
)

// fakeKind is a device kind used only by these tests: a "device" whose
// memory is host memory behind a foreign Storage type, implementing only
// Transfer and taking every op from HostFallback, as a new backend would.
const fakeKind = DeviceKind(200)

type fakeStorage struct {
	host *CPUStorage
	dev  Device
}

func (s *fakeStorage) Device() Device { return s.dev }
func (s *fakeStorage) DType() DType   { return s.host.dtype }
func (s *fakeStorage) Len() int       { return s.host.n }

type fakeBackend struct {
	HostFallback
	dev       Device
	mu        sync.Mutex
	transfers int
}

func (f *fakeBackend) Device() Device { return f.dev }

func (f *fakeBackend) Alloc(d DType, n int) Storage {
	return &fakeStorage{host: allocCPU(d, n), dev: f.dev}
}

func (f *fakeBackend) Free(Storage) {}

// host rewrites a device view as the host view behind it.
func (f *fakeBackend) host(v View) View {
	s, ok := v.Storage.(*fakeStorage)
	if !ok || s.dev != f.dev {
		panic(fmt.Sprintf("fake backend given %T storage", v.Storage))
	}
	v.Storage = s.host
	return v
}

func (f *fakeBackend) count() {
	f.mu.Lock()
	f.transfers++
	f.mu.Unlock()
}

func (f *fakeBackend) Upload(dst View, src any) {
	f.count()
	if !dst.IsContiguous() {
		panic("Upload to a strided view")
	}
	cpuBackend.Upload(f.host(dst), src)
}

func (f *fakeBackend) Download(dst any, src View) {
	f.count()
	if !src.IsContiguous() {
		panic("Download from a strided view")
	}
	cpuBackend.Download(dst, f.host(src))
}

func (f *fakeBackend) Copy(dst, src View) { cpuBackend.Copy(f.host(dst), f.host(src)) }

var (
	fakeOnce    sync.Once
	fakeDevices = map[int]*fakeBackend{}
)

func fakeDevice(t *testing.T, index int) Device {
	t.Helper()
	fakeOnce.Do(func() {
		RegisterBackend(fakeKind, func(i int) (Backend, error) {
			if i > 1 {
				return nil, errors.New("no such fake device")
			}
			b := &fakeBackend{dev: Device{Kind: fakeKind, Index: i}}
			b.HostFallback = HostFallback{Dev: b}
			fakeDevices[i] = b
			return b, nil
		})
	})
	dev := Device{Kind: fakeKind, Index: index}
	if err := Available(dev); err != nil {
		t.Fatal(err)
	}
	return dev
}

func TestTensorsMoveToADeviceAndBack(t *testing.T) {
	dev := fakeDevice(t, 0)
	x := Arange(0, 12, 1).Reshape(3, 4)
	for _, v := range []*Tensor{x, x.T(), x.As(Float64), x.As(Int32), x.As(BFloat16)} {
		d := v.To(dev)
		if d.Device() != dev || d.DType() != v.DType() {
			t.Fatalf("To gave %s %s", d.Device(), d.DType())
		}
		if got, want := fmt.Sprint(d.To(CPU).Float32s()), fmt.Sprint(v.Float32s()); got != want {
			t.Fatalf("round trip of %s = %s, want %s", v.DType(), got, want)
		}
		if got, want := fmt.Sprint(d.Float32s()), fmt.Sprint(v.Float32s()); got != want {
			t.Fatalf("Float32s on the device = %s, want %s", got, want)
		}
	}
	if x.To(CPU) != x {
		t.Fatal("To the same device copied")
	}
	other := fakeDevice(t, 1)
	if got := x.To(dev).To(other).To(CPU).Float64s(); fmt.Sprint(got) != fmt.Sprint(x.Float64s()) {
		t.Fatal("device-to-device copy changed values")
	}
	if err := Available(Device{Kind: fakeKind, Index: 5}); err == nil || !strings.Contains(err.Error(), "no such fake device") {
		t.Fatalf("Available of a missing device = %v", err)
	}
	if err := Available(Device{Kind: DeviceKind(201)}); !errors.Is(err, ErrNoBackend) {
		t.Fatalf("Available of an unregistered kind = %v, want ErrNoBackend", err)
	}
}

func TestOpsOnDifferentDevicesPanicNamingBoth(t *testing.T) {
	dev := fakeDevice(t, 0)
	a, b := Ones(2, 2), Ones(2, 2).To(dev)
	defer func() {
		msg := fmt.Sprint(recover())
		if !strings.Contains(msg, "Add") || !strings.Contains(msg, "cpu") || !strings.Contains(msg, dev.String()) {
			t.Fatalf("panic %q does not name the op and both devices", msg)
		}
	}()
	a.Add(b)
}

// trainStep runs a small network's forward and backward pass on dev and
// returns the loss and the gradients, on the CPU.
func trainStep(dev Device) (float64, [][]float32) {
	rng := rand.New(rand.NewPCG(4, 2))
	mk := func(shape ...int) *Tensor { return RandN(rng, shape...).To(dev).Detach().SetRequiresGrad(true) }
	x, w1, b1, lnw, w2 := mk(6, 5), mk(5, 8), mk(8), mk(8), mk(8, 3)
	ids := FromSlice([]int32{0, 2, 1, -100, 2, 0}).To(dev)
	g := NewGenerator(3)
	h := LayerNorm(x.MatMul(w1).Add(b1), lnw, nil, 1e-5).GELU().Dropout(0.2, g)
	h = RMSNorm(h, nil, 1e-6).MaskedFill(FromSlice([]int32{0, 1, 0, 0, 0, 0, 0, 0}).To(dev), 0)
	logits := h.MatMul(w2).Softmax(-1).Add(h.MatMul(w2).Max(1).Unsqueeze(1)).LogSumExp(0).Unsqueeze(0).Expand(6, 3).Add(h.MatMul(w2))
	loss := CrossEntropy(logits, ids, LabelSmoothing(0.1)).Add(Embedding(w1, FromSlice([]int32{1, 1, 4}).To(dev)).Var())
	loss.Backward()
	var grads [][]float32
	for _, p := range []*Tensor{x, w1, b1, lnw, w2} {
		grads = append(grads, p.Grad().To(CPU).Float32s())
	}
	p, m, v := w2.Detach(), ZerosLike(w2), ZerosLike(w2)
	AdamWStep(p, w2.Grad(), m, v, AdamWParams{LR: 0.1, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8, WeightDecay: 0.01, Step: 1})
	grads = append(grads, p.Float32s())
	return loss.Item(), grads
}

func TestHostFallbackRunsATrainingStepLikeTheCPU(t *testing.T) {
	dev := fakeDevice(t, 0)
	wantLoss, want := trainStep(CPU)
	gotLoss, got := trainStep(dev)
	if math.Abs(gotLoss-wantLoss) > 1e-6*math.Abs(wantLoss) {
		t.Fatalf("loss on the device %v, on the CPU %v", gotLoss, wantLoss)
	}
	for i := range want {
		for j := range want[i] {
			if d := math.Abs(float64(got[i][j] - want[i][j])); d > 1e-6*(1+math.Abs(float64(want[i][j]))) {
				t.Fatalf("tensor %d element %d: device %v, CPU %v", i, j, got[i][j], want[i][j])
			}
		}
	}
	if fakeDevices[0].transfers == 0 {
		t.Fatal("the fake device was never used")
	}
}

func TestHostFallbackWritesStridedOutputs(t *testing.T) {
	dev := fakeDevice(t, 0)
	rng := rand.New(rand.NewPCG(9, 9))
	x := RandN(rng, 4, 5, 6)
	ops := map[string]func(*Tensor) *Tensor{
		"softmax over the first axis":    func(x *Tensor) *Tensor { return x.Softmax(0) },
		"log-softmax over a middle axis": func(x *Tensor) *Tensor { return x.LogSoftmax(1) },
		"layer norm of a transpose":      func(x *Tensor) *Tensor { return LayerNorm(x.Transpose(0, 2), nil, nil, 1e-5) },
		"sum over the first axis":        func(x *Tensor) *Tensor { return x.Sum(0) },
		"matmul with a transpose":        func(x *Tensor) *Tensor { return x.MatMul(x.T()) },
		"concat":                         func(x *Tensor) *Tensor { return Concat(1, x, x.Exp()) },
		"index select":                   func(x *Tensor) *Tensor { return x.IndexSelect(2, FromSlice([]int32{5, 0, 5}).To(x.Device())) },
	}
	for name, op := range ops {
		want := op(x).Float64s()
		got := op(x.To(dev)).Float64s()
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-6*(1+math.Abs(want[i])) {
				t.Fatalf("%s: element %d on the device %v, on the CPU %v", name, i, got[i], want[i])
			}
		}
	}
}

func TestRegisteringABackendTwicePanics(t *testing.T) {
	fakeDevice(t, 0)
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "twice") {
			t.Fatalf("panic %v, want one about registering twice", r)
		}
	}()
	RegisterBackend(fakeKind, nil)
}
