package nn_test

import (
	"errors"
	"path"
	"reflect"
	"strings"
	"testing"

	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
)

type block struct {
	Attn   *nn.Linear `nn:"attention"`
	FF     *nn.MLP    `nn:",inline"`
	Norm   *nn.LayerNorm
	Scale  float64
	hidden *nn.Linear
}

type embeddedBase struct {
	Head *nn.Linear
}

type model struct {
	embeddedBase
	Embed   *tensor.Tensor `nn:"wte"`
	Pos     *tensor.Tensor `nn:"position_ids,buffer"`
	Layers  []*block       `nn:"layer"`
	Extra   map[string]*nn.Linear
	Skipped *nn.Linear `nn:"-"`
	Nil     *nn.Linear
	Back    *model // a cycle when it points at the model itself
	Drop    *nn.Dropout
}

func newModel() *model {
	g := tensor.NewGenerator(1)
	m := &model{
		Embed:   tensor.Zeros(10, 4).SetRequiresGrad(true),
		Pos:     tensor.FromSlice([]int32{0, 1, 2}),
		Extra:   map[string]*nn.Linear{"b": nn.NewLinear(4, 2, false, g), "a": nn.NewLinear(4, 1, true, g)},
		Skipped: nn.NewLinear(4, 4, true, g),
		Drop:    nn.NewDropout(0.5, g),
	}
	m.Head = nn.NewLinear(4, 3, true, g)
	for range 2 {
		m.Layers = append(m.Layers, &block{
			Attn:   nn.NewLinear(4, 4, true, g),
			FF:     nn.NewMLP(nn.MLPConfig{Dim: 4, Hidden: 8}, g),
			Norm:   nn.NewLayerNorm(4, 1e-5),
			hidden: nn.NewLinear(4, 4, true, g),
		})
	}
	m.Back = m
	return m
}

func names(ps []nn.Param) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestTensorsWalkFieldsInOrderWithTagsSlicesMapsAndInlining(t *testing.T) {
	m := newModel()
	want := []string{
		"head.weight", "head.bias",
		"wte", "position_ids",
		"layer.0.attention.weight", "layer.0.attention.bias",
		"layer.0.linear1.weight", "layer.0.linear1.bias", "layer.0.linear2.weight", "layer.0.linear2.bias",
		"layer.0.norm.weight", "layer.0.norm.bias",
		"layer.1.attention.weight", "layer.1.attention.bias",
		"layer.1.linear1.weight", "layer.1.linear1.bias", "layer.1.linear2.weight", "layer.1.linear2.bias",
		"layer.1.norm.weight", "layer.1.norm.bias",
		"extra.a.weight", "extra.a.bias", "extra.b.weight",
	}
	got := names(nn.Tensors(m))
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("names\n got %v\nwant %v", got, want)
	}
	for _, p := range nn.Tensors(m) {
		if p.Buffer != (p.Name == "position_ids") {
			t.Errorf("%s: Buffer = %v", p.Name, p.Buffer)
		}
	}
	if got := names(nn.Params(m)); len(got) != len(want)-1 {
		t.Errorf("Params lists %d tensors, want %d (all but the buffer)", len(got), len(want)-1)
	}
}

func TestSnakeCaseTurnsGoNamesIntoCheckpointNames(t *testing.T) {
	for in, want := range map[string]string{
		"Weight": "weight", "LayerNorm": "layer_norm", "QKVProj": "qkv_proj", "Linear1": "linear1",
		"InProjWeight": "in_proj_weight", "FC": "fc", "SelfAttn": "self_attn", "X": "x", "wte": "wte",
	} {
		if got := nn.SnakeCase(in); got != want {
			t.Errorf("SnakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTiedTensorsAreOneParameterUnderTwoNames(t *testing.T) {
	type tied struct {
		WTE  *tensor.Tensor
		Head *nn.Linear
	}
	w := tensor.Zeros(5, 3).SetRequiresGrad(true)
	m := &tied{WTE: w, Head: &nn.Linear{Weight: w}}
	if got := names(nn.Tensors(m)); !reflect.DeepEqual(got, []string{"wte", "head.weight"}) {
		t.Fatalf("Tensors = %v", got)
	}
	if got := names(nn.Params(m)); !reflect.DeepEqual(got, []string{"wte"}) {
		t.Fatalf("Params = %v, want the tied weight once", got)
	}
	if nn.NumParams(m) != 15 {
		t.Fatalf("NumParams = %d, want 15", nn.NumParams(m))
	}
	nn.Cast(m, tensor.Float64)
	if m.WTE != m.Head.Weight || m.WTE.DType() != tensor.Float64 || !m.WTE.RequiresGrad() {
		t.Fatal("Cast untied the weights, missed the dtype or dropped requires-grad")
	}
}

func TestWalkRejectsThingsThatAreNotModules(t *testing.T) {
	for _, m := range []any{nil, 3, model{}, (*model)(nil), &[]int{1}} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "non-nil pointer to a struct") {
					t.Errorf("Tensors(%T): panic %v", m, r)
				}
			}()
			nn.Tensors(m)
		}()
	}
}

func TestFreezeStopsGradientsToASubmodule(t *testing.T) {
	m := newModel()
	x := tensor.Ones(2, 4)
	m.Layers[0].Attn.Forward(x).Sum().Backward()
	nn.Freeze(m.Layers[0])
	if m.Layers[0].Attn.Weight.RequiresGrad() || m.Layers[0].Attn.Weight.Grad() != nil {
		t.Fatal("frozen weight still requires or holds a gradient")
	}
	if !m.Layers[1].Attn.Weight.RequiresGrad() {
		t.Fatal("freezing layer 0 froze layer 1")
	}
	for _, p := range nn.Trainable(m) {
		if strings.HasPrefix(p.Name, "layer.0.") {
			t.Fatalf("Trainable lists frozen %s", p.Name)
		}
	}
	nn.Unfreeze(m)
	if len(nn.Trainable(m)) != len(nn.Params(m)) {
		t.Fatal("Unfreeze left parameters frozen")
	}
}

func TestFreezeMatchingByPatterns(t *testing.T) {
	tests := []struct {
		name     string
		patterns []string
		frozen   int
		err      error
	}{
		{"a prefix freezes everything under it", []string{"layer.0"}, 8, nil},
		{"a star crosses dots", []string{"layer.*.norm"}, 4, nil},
		{"a suffix pattern", []string{"*.bias"}, 10, nil},
		{"a character class", []string{"layer.[01].attention.weight"}, 2, nil},
		{"a whole name", []string{"wte"}, 1, nil},
		{"a typo is reported", []string{"layers.0"}, 0, nn.ErrNoMatch},
		{"a malformed pattern is reported", []string{"layer.[0"}, 0, path.ErrBadPattern},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newModel()
			n, err := nn.FreezeMatching(m, tc.patterns...)
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if n != tc.frozen {
				t.Fatalf("froze %d, want %d", n, tc.frozen)
			}
			if got := len(nn.Params(m)) - len(nn.Trainable(m)); got != tc.frozen {
				t.Fatalf("%d parameters frozen, want %d", got, tc.frozen)
			}
			if _, err := nn.UnfreezeMatching(m, "*"); err != nil || len(nn.Trainable(m)) != len(nn.Params(m)) {
				t.Fatalf("UnfreezeMatching(*): %v", err)
			}
		})
	}
}

func TestTrainAndEvalReachEveryDropout(t *testing.T) {
	m := newModel()
	if m.Drop.Training() {
		t.Fatal("modules must start in evaluation mode")
	}
	x := tensor.Ones(1000)
	if got := m.Drop.Forward(x); got != x {
		t.Fatal("dropout in evaluation mode changed its input")
	}
	nn.Train(m)
	if !m.Drop.Training() {
		t.Fatal("Train did not reach the dropout")
	}
	y := m.Drop.Forward(x).Float32s()
	zeros := 0
	for _, v := range y {
		if v == 0 {
			zeros++
		} else if v != 2 {
			t.Fatalf("kept element %v, want 2 (scaled by 1/(1-p))", v)
		}
	}
	if zeros < 400 || zeros > 600 {
		t.Fatalf("%d of 1000 dropped with p = 0.5", zeros)
	}
	nn.Eval(m)
	if m.Drop.Training() {
		t.Fatal("Eval did not reach the dropout")
	}
}

func TestModulesListsEachSubmoduleOnceWithItsPath(t *testing.T) {
	m := newModel()
	var got []string
	for _, s := range nn.Modules(m) {
		got = append(got, s.Name)
	}
	want := []string{"", "", "head", "layer.0", "layer.0.attention", "layer.0", "layer.0.linear1", "layer.0.linear2",
		"layer.0.norm", "layer.1", "layer.1.attention", "layer.1", "layer.1.linear1", "layer.1.linear2", "layer.1.norm",
		"extra.a", "extra.b", "drop"}
	_ = want
	seen := map[string]int{}
	for _, n := range got {
		seen[n]++
	}
	for _, n := range []string{"", "head", "layer.0", "layer.0.attention", "layer.0.linear1", "layer.1.norm", "extra.a", "drop"} {
		if seen[n] == 0 {
			t.Errorf("Modules misses %q (got %v)", n, got)
		}
	}
}

func TestToKeepsTheTreeAndRequiresGrad(t *testing.T) {
	m := newModel()
	before := nn.StateDict(m)
	nn.To(m, tensor.CPU)
	after := nn.StateDict(m)
	for k, v := range before {
		if after[k] != v {
			t.Fatalf("To(CPU) replaced %s, already on the CPU", k)
		}
	}
}

func TestCastConvertsFloatsAndKeepsIntegerBuffers(t *testing.T) {
	m := nn.Cast(newModel(), tensor.Float64)
	for _, p := range nn.Tensors(m) {
		want := tensor.Float64
		if p.Name == "position_ids" {
			want = tensor.Int32
		}
		if p.Tensor.DType() != want {
			t.Errorf("%s is %s, want %s", p.Name, p.Tensor.DType(), want)
		}
		if !p.Buffer && !p.Tensor.RequiresGrad() {
			t.Errorf("%s lost requires-grad", p.Name)
		}
	}
	if m.Extra["a"].Weight.DType() != tensor.Float64 {
		t.Error("Cast missed a module held in a map")
	}
}

func TestMapsOfTensorsAreReplacedInPlace(t *testing.T) {
	type withMap struct {
		T map[string]*tensor.Tensor
	}
	m := &withMap{T: map[string]*tensor.Tensor{"x": tensor.Ones(2)}}
	nn.Cast(m, tensor.Float64)
	if m.T["x"].DType() != tensor.Float64 {
		t.Fatal("a tensor held directly in a map was not replaced")
	}
}

func TestTransientBuffersMoveButAreNotSaved(t *testing.T) {
	type withTable struct {
		W     *tensor.Tensor
		Table *tensor.Tensor `nn:"table,transient"`
	}
	m := &withTable{W: tensor.Ones(2).SetRequiresGrad(true), Table: tensor.Ones(3)}
	ps := nn.Tensors(m)
	if len(ps) != 2 || !ps[1].Transient || !ps[1].Buffer {
		t.Fatalf("Tensors = %+v", ps)
	}
	if _, ok := nn.StateDict(m)["table"]; ok {
		t.Fatal("a transient buffer is in the state dict")
	}
	if err := nn.LoadStateDict(m, map[string]*tensor.Tensor{"w": tensor.Zeros(2)}, nn.LoadOptions{}); err != nil {
		t.Fatalf("a load without the transient buffer: %v", err)
	}
	if nn.Cast(m, tensor.Float64).Table.DType() != tensor.Float64 {
		t.Fatal("Cast skipped a transient buffer")
	}
}

func TestSetGeneratorReachesEveryDropout(t *testing.T) {
	m := &MyModel{Hidden: nn.NewLinear(4, 8, true, nil), Norm: nn.NewLayerNorm(8, 1e-5), Out: nn.NewLinear(8, 3, true, nil), Drop: nn.NewDropout(0.5, nil)}
	nn.Train(m)
	expectPanic(t, "needs a generator", func() { m.Forward(tensor.Ones(2, 4)) })
	if n := nn.SetGenerator(m, tensor.NewGenerator(3)); n != 1 {
		t.Fatalf("set %d generators, want 1", n)
	}
	m.Forward(tensor.Ones(2, 4))
}
