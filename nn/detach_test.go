package nn_test

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
)

// detachModel exercises every place Detached copies: an embedded struct of
// an unexported type, tied tensors, slices, maps, interfaces, a module
// reached twice and a cycle back to the root.
type detachModel struct {
	detachBase
	Wte    *tensor.Tensor
	Head   *tensor.Tensor // tied to Wte
	Layers []*nn.MLP
	ByName map[string]*nn.Linear
	Any    any
	Again  *nn.MLP // the same module as Layers[0]
	Norm   nn.LayerNorm
	Root   *detachModel
	Drop   *nn.Dropout
	count  int
}

type detachBase struct {
	Proj *nn.Linear
}

func newDetachModel() *detachModel {
	g := tensor.NewGenerator(1)
	m := &detachModel{
		detachBase: detachBase{Proj: nn.NewLinear(4, 4, true, g)},
		Wte:        tensor.Zeros(10, 4).SetRequiresGrad(true),
		Layers:     []*nn.MLP{nn.NewMLP(nn.MLPConfig{Dim: 4, Hidden: 8, Act: nn.GELU}, g), nn.NewMLP(nn.MLPConfig{Dim: 4, Hidden: 8}, g)},
		ByName:     map[string]*nn.Linear{"a": nn.NewLinear(4, 4, false, g)},
		Any:        nn.NewLinear(4, 4, true, g),
		Norm:       *nn.NewLayerNorm(4, 1e-5),
		Drop:       nn.NewDropout(0.5, g),
		count:      3,
	}
	g.Normal(m.Wte.Detach(), 0, 1)
	m.Head = m.Wte
	m.Again = m.Layers[0]
	m.Root = m
	return m
}

func (m *detachModel) forward(x *tensor.Tensor) *tensor.Tensor {
	h := m.Proj.Forward(x)
	for _, l := range m.Layers {
		h = l.Forward(h)
	}
	h = m.ByName["a"].Forward(m.Any.(*nn.Linear).Forward(m.Norm.Forward(h)))
	return m.Drop.Forward(h).MatMul(m.Head.T())
}

func TestDetachedSharesWeightsAndRecordsNothing(t *testing.T) {
	m := newDetachModel()
	x := tensor.RandN(seeded(), 3, 4)
	d := nn.Detached(m)
	if d == m || d.Proj == m.Proj || d.Layers[0] == m.Layers[0] || d.ByName["a"] == m.ByName["a"] || d.Any == m.Any {
		t.Fatal("the view shares module structs with the model")
	}
	for _, p := range nn.Params(d) {
		if p.Tensor.RequiresGrad() {
			t.Fatalf("%s requires a gradient in the view", p.Name)
		}
	}
	if len(nn.Params(d)) != len(nn.Params(m)) {
		t.Fatalf("%d parameters in the view, %d in the model", len(nn.Params(d)), len(nn.Params(m)))
	}
	if d.Head != d.Wte || d.Again != d.Layers[0] || d.Root != d || d.count != 3 {
		t.Fatal("ties, shared modules, cycles or plain fields were not kept")
	}
	y := d.forward(x)
	if y.RequiresGrad() {
		t.Fatal("a forward pass through the view records a graph")
	}
	want := m.forward(x)
	if !want.RequiresGrad() {
		t.Fatal("the model itself stopped requiring gradients")
	}
	if e := maxDiff(y.Float32s(), want.Float32s()); e != 0 {
		t.Fatalf("view and model outputs differ by %g", e)
	}
	// An in-place update of the model (an optimizer step) shows in the view.
	m.Layers[1].Down.Weight.Detach().AddInPlace(tensor.Full(0.5, 4, 8))
	m.Wte.Detach().ScaleInPlace(2)
	if e := maxDiff(d.forward(x).Float32s(), m.forward(x).Float32s()); e != 0 {
		t.Fatalf("after an in-place update the view differs by %g", e)
	}
	if m.Proj.Weight.Grad() != nil {
		t.Fatal("the view's forward pass touched the model's gradients")
	}
}

func TestDetachedModesAreTheViewsOwn(t *testing.T) {
	m := newDetachModel()
	nn.Train(m)
	d := nn.Detached(m)
	nn.Eval(d)
	if !m.Drop.Training() || d.Drop.Training() {
		t.Fatalf("model training %v, view training %v; want true, false", m.Drop.Training(), d.Drop.Training())
	}
}

func TestDetachedRejectsNonModules(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("Detached of a non-pointer did not panic")
		}
	}()
	nn.Detached(nn.Linear{})
}

// TestDetachedServesManyGoroutines runs forward passes through one view
// from many goroutines while the model trains in place (run with -race).
func TestDetachedServesManyGoroutines(t *testing.T) {
	m := newDetachModel()
	d := nn.Detached(m)
	x := tensor.RandN(seeded(), 5, 4)
	want := d.forward(x).Float32s()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if e := maxDiff(d.forward(x).Float32s(), want); e != 0 {
					t.Errorf("concurrent forward passes differ by %g", e)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func seeded() *rand.Rand { return rand.New(rand.NewPCG(2, 2)) }

func maxDiff(a, b []float32) float64 {
	var m float64
	for i := range a {
		m = max(m, math.Abs(float64(a[i]-b[i])))
	}
	return m
}
