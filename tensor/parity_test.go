package tensor_test

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"testing"

	"github.com/goformer/goformer/tensor"
)

// readFixtures parses a safetensors file (the format of
// testdata/torch_fixtures.safetensors) into CPU tensors.
func readFixtures(raw []byte) (map[string]*tensor.Tensor, error) {
	if len(raw) < 8 {
		return nil, errors.New("fixtures: file shorter than its header length")
	}
	n := binary.LittleEndian.Uint64(raw)
	if n > uint64(len(raw)-8) {
		return nil, fmt.Errorf("fixtures: header length %d exceeds the file", n)
	}
	var header map[string]json.RawMessage
	if err := json.Unmarshal(raw[8:8+n], &header); err != nil {
		return nil, fmt.Errorf("fixtures: header: %w", err)
	}
	body := raw[8+n:]
	out := map[string]*tensor.Tensor{}
	for name, msg := range header {
		if name == "__metadata__" {
			continue
		}
		var e struct {
			DType   string   `json:"dtype"`
			Shape   []int    `json:"shape"`
			Offsets []uint64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, fmt.Errorf("fixtures: %s: %w", name, err)
		}
		count := 1
		for _, d := range e.Shape {
			if d < 0 || d > 1<<24 {
				return nil, fmt.Errorf("fixtures: %s: bad shape %v", name, e.Shape)
			}
			count *= d
			if count > 1<<24 {
				return nil, fmt.Errorf("fixtures: %s: shape %v too large", name, e.Shape)
			}
		}
		if len(e.Offsets) != 2 || e.Offsets[0] > e.Offsets[1] || e.Offsets[1] > uint64(len(body)) {
			return nil, fmt.Errorf("fixtures: %s: bad data offsets %v for %d bytes", name, e.Offsets, len(body))
		}
		data := body[e.Offsets[0]:e.Offsets[1]]
		size := map[string]int{"F32": 4, "F64": 8, "I32": 4}[e.DType]
		if size == 0 {
			return nil, fmt.Errorf("fixtures: %s: unsupported dtype %q", name, e.DType)
		}
		if len(data) != count*size {
			return nil, fmt.Errorf("fixtures: %s: %d bytes for %d elements of %s", name, len(data), count, e.DType)
		}
		var t *tensor.Tensor
		switch e.DType {
		case "F32":
			v := make([]float32, count)
			for i := range v {
				v[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
			}
			t = tensor.FromSlice(v).Reshape(e.Shape...)
		case "F64":
			v := make([]float64, count)
			for i := range v {
				v[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
			}
			t = tensor.FromSlice(v).Reshape(e.Shape...)
		case "I32":
			v := make([]int32, count)
			for i := range v {
				v[i] = int32(binary.LittleEndian.Uint32(data[4*i:]))
			}
			t = tensor.FromSlice(v).Reshape(e.Shape...)
		}
		out[name] = t
	}
	return out, nil
}

func FuzzReadFixtures(f *testing.F) {
	if raw, err := os.ReadFile("testdata/torch_fixtures.safetensors"); err == nil {
		f.Add(raw[:min(len(raw), 4096)])
	}
	f.Add([]byte{})
	f.Add([]byte("\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":{}}        "))
	f.Add([]byte("\x30\x00\x00\x00\x00\x00\x00\x00{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}\x00\x00\x80\x3f"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := readFixtures(raw)
		if err != nil {
			return
		}
		for _, v := range m {
			_ = v.Float64s()
		}
	})
}

type fixtures struct {
	t *testing.T
	m map[string]*tensor.Tensor
}

func loadFixtures(t *testing.T) fixtures {
	t.Helper()
	raw, err := os.ReadFile("testdata/torch_fixtures.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	m, err := readFixtures(raw)
	if err != nil {
		t.Fatal(err)
	}
	return fixtures{t, m}
}

// get returns a fresh copy of a fixture tensor (a leaf the test may mark).
func (f fixtures) get(name string) *tensor.Tensor {
	f.t.Helper()
	v, ok := f.m[name]
	if !ok {
		f.t.Fatalf("fixture %q missing", name)
	}
	return v.Clone()
}

// param returns a fixture as a leaf that requires a gradient.
func (f fixtures) param(name string) *tensor.Tensor { return f.get(name).SetRequiresGrad(true) }

// relErr returns max|got-want| / max|want| (the normwise relative error),
// or +Inf when the shapes differ or non-finite values disagree.
func relErr(got, want *tensor.Tensor) float64 {
	if !got.SameShape(want) {
		return math.Inf(1)
	}
	g, w := got.Float64s(), want.Float64s()
	var num, den float64
	for i := range w {
		if math.IsInf(w[i], 0) || math.IsNaN(w[i]) {
			if !(g[i] == w[i] || (math.IsNaN(g[i]) && math.IsNaN(w[i]))) {
				return math.Inf(1)
			}
			continue
		}
		num = max(num, math.Abs(g[i]-w[i]))
		den = max(den, math.Abs(w[i]))
	}
	if den == 0 {
		return num
	}
	return num / den
}

const (
	forwardTol  = 1e-5
	gradientTol = 1e-4
)

func (f fixtures) near(what string, got *tensor.Tensor, want string, tol float64) {
	f.t.Helper()
	if got == nil {
		f.t.Errorf("%s: no tensor (want %s)", what, want)
		return
	}
	w := f.m[want]
	e := relErr(got, w)
	f.t.Logf("%s: relative error %.2g", what, e)
	if e > tol {
		f.t.Errorf("%s: relative error %.3g against PyTorch's %s exceeds %g (shapes %v and %v)", what, e, want, tol, got.Shape(), w.Shape())
	}
}

func TestMLPMatchesPyTorch(t *testing.T) {
	for _, c := range []struct {
		prog   string
		gelu   func(*tensor.Tensor) *tensor.Tensor
		smooth float64
	}{
		{"mlp", (*tensor.Tensor).GELU, 0.1},
		{"mlp_tanh", (*tensor.Tensor).GELUTanh, 0},
	} {
		t.Run(c.prog, func(t *testing.T) {
			f := loadFixtures(t)
			p := func(n string) *tensor.Tensor { return f.param(c.prog + "/" + n) }
			x, w1, b1, lnw, lnb, w2, b2 := p("x"), p("w1"), p("b1"), p("lnw"), p("lnb"), p("w2"), p("b2")
			h := x.MatMul(w1).Add(b1)
			h = c.gelu(tensor.LayerNorm(h, lnw, lnb, 1e-5))
			logits := h.MatMul(w2).Add(b2)
			loss := tensor.CrossEntropy(logits, f.get(c.prog+"/targets"), tensor.LabelSmoothing(c.smooth))
			loss.Backward()
			f.near("logits", logits, c.prog+"/logits", forwardTol)
			f.near("loss", loss, c.prog+"/loss", forwardTol)
			for n, v := range map[string]*tensor.Tensor{"x": x, "w1": w1, "b1": b1, "lnw": lnw, "lnb": lnb, "w2": w2, "b2": b2} {
				f.near("gradient of "+n, v.Grad(), c.prog+"/grad_"+n, gradientTol)
			}
		})
	}
}

func TestBatchedMatMulMatchesPyTorch(t *testing.T) {
	f := loadFixtures(t)
	a, b, c := f.param("bmm/a"), f.param("bmm/b"), f.param("bmm/c")
	y1 := a.MatMul(b)
	y2 := a.MatMul(c.Transpose(-1, -2))
	y1.Mul(f.get("bmm/r1")).Sum().Add(y2.Mul(f.get("bmm/r2")).Sum()).Backward()
	f.near("a·b", y1, "bmm/y1", forwardTol)
	f.near("a·cᵀ", y2, "bmm/y2", forwardTol)
	f.near("gradient of a", a.Grad(), "bmm/grad_a", gradientTol)
	f.near("gradient of b", b.Grad(), "bmm/grad_b", gradientTol)
	f.near("gradient of c", c.Grad(), "bmm/grad_c", gradientTol)
}

func TestSoftmaxOverOtherAxesMatchesPyTorch(t *testing.T) {
	f := loadFixtures(t)
	x := f.param("softmax/x")
	s0, s1, l1 := x.Softmax(0), x.Softmax(1), x.LogSoftmax(1)
	s0.Mul(f.get("softmax/r0")).Sum().Add(s1.Mul(f.get("softmax/r1")).Sum()).Add(l1.Mul(f.get("softmax/r2")).Sum()).Backward()
	f.near("softmax over axis 0", s0, "softmax/s0", forwardTol)
	f.near("softmax over axis 1", s1, "softmax/s1", forwardTol)
	f.near("log-softmax over axis 1", l1, "softmax/l1", forwardTol)
	f.near("gradient of x", x.Grad(), "softmax/grad_x", gradientTol)
}

func TestMaskedLogSoftmaxMatchesPyTorch(t *testing.T) {
	f := loadFixtures(t)
	scores := f.param("masked/scores")
	mask := f.get("masked/mask")
	lp := scores.MaskedFill(mask, math.Inf(-1)).LogSoftmax(-1)
	zero := tensor.Scalar(0)
	tensor.Where(mask, zero, lp.Mul(f.get("masked/r"))).Sum().Backward()
	f.near("masked log-softmax", lp, "masked/logp", forwardTol)
	f.near("gradient of the scores", scores.Grad(), "masked/grad_scores", gradientTol)
}

func TestAssortedOpsMatchPyTorch(t *testing.T) {
	f := loadFixtures(t)
	x, w := f.param("misc/x"), f.param("misc/w")
	ys := map[string]*tensor.Tensor{
		"var1":      x.Var(1),
		"lse0":      x.LogSumExp(0),
		"amax1":     x.Max(1),
		"rms":       tensor.RMSNorm(x, w, 1e-6),
		"silu":      x.SiLU(),
		"sigmoid":   x.Sigmoid(),
		"tanh":      x.Tanh(),
		"gelu_tanh": x.GELUTanh(),
		"pow3":      x.Pow(3),
		"clamp":     x.Clamp(-0.5, 0.5),
		"maximum":   x.Maximum(x.Slice(1, 0, 6, 1).IndexSelect(1, tensor.FromSlice([]int32{5, 4, 3, 2, 1, 0}))),
		"mean0":     x.Mean(0),
	}
	names := make([]string, 0, len(ys))
	for n := range ys {
		names = append(names, n)
	}
	sort.Strings(names)
	var total *tensor.Tensor
	for _, n := range names {
		f.near(n, ys[n], "misc/"+n, forwardTol)
		term := ys[n].Mul(f.get("misc/r_" + n)).Sum()
		if total == nil {
			total = term
		} else {
			total = total.Add(term)
		}
	}
	total.Backward()
	f.near("gradient of x", x.Grad(), "misc/grad_x", gradientTol)
	f.near("gradient of w", w.Grad(), "misc/grad_w", gradientTol)
}

func TestEmbeddingMatchesPyTorch(t *testing.T) {
	f := loadFixtures(t)
	w := f.param("embedding/weight")
	e := tensor.Embedding(w, f.get("embedding/ids"))
	e.Mul(f.get("embedding/r")).Sum().Backward()
	f.near("lookup", e, "embedding/out", forwardTol)
	f.near("gradient of the weight", w.Grad(), "embedding/grad_weight", gradientTol)
}

func TestAdamWStepsMatchPyTorch(t *testing.T) {
	f := loadFixtures(t)
	p := f.get("adamw/p0")
	m, v := tensor.ZerosLike(p), tensor.ZerosLike(p)
	for step := 1; step <= 3; step++ {
		tensor.AdamWStep(p, f.get(fmt.Sprintf("adamw/g%d", step)), m, v, tensor.AdamWParams{
			LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.1, Step: step,
		})
		f.near(fmt.Sprintf("parameters after step %d", step), p, fmt.Sprintf("adamw/p%d", step), forwardTol)
	}
}
