package tensor_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/goformer/goformer/tensor"
)

// mustPanic runs f and fails unless it panics with a message containing
// every one of want.
func mustPanic(t *testing.T, f func(), want ...string) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want one mentioning %q", want)
		}
		msg := fmt.Sprint(r)
		for _, w := range want {
			if !strings.Contains(msg, w) {
				t.Fatalf("panic %q does not mention %q", msg, w)
			}
		}
	}()
	f()
}

func randData(rng *rand.Rand, n int) []float64 {
	d := make([]float64, n)
	for i := range d {
		d[i] = rng.NormFloat64()
	}
	return d
}

// layouts returns the same values [rows, cols] as a contiguous float64
// tensor, a transposed view and a strided narrow view.
func layouts(rng *rand.Rand, rows, cols int) map[string]*tensor.Tensor {
	d := randData(rng, rows*cols)
	c := tensor.FromSlice(d, rows, cols)
	tr := tensor.FromSlice(c.T().Float64s(), cols, rows).T()
	wide := tensor.Zeros(rows, 2*cols+1).As(tensor.Float64)
	wide.Slice(1, 1, 2*cols+1, 2).CopyFrom(c)
	return map[string]*tensor.Tensor{"contiguous": c, "transposed": tr, "strided": wide.Slice(1, 1, 2*cols+1, 2)}
}

func closeTo(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if math.IsNaN(w) && math.IsNaN(g) || g == w {
			continue
		}
		if !(math.Abs(g-w) <= tol*(1+math.Abs(w))) {
			t.Fatalf("%s: element %d = %v, want %v", what, i, g, w)
		}
	}
}

func TestUnaryOpsMatchMathOnEveryLayout(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	ops := []struct {
		name string
		op   func(*tensor.Tensor) *tensor.Tensor
		ref  func(float64) float64
	}{
		{"Exp", (*tensor.Tensor).Exp, math.Exp},
		{"Tanh", (*tensor.Tensor).Tanh, math.Tanh},
		{"Sigmoid", (*tensor.Tensor).Sigmoid, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }},
		{"ReLU", (*tensor.Tensor).ReLU, func(x float64) float64 { return math.Max(x, 0) }},
		{"GELU", (*tensor.Tensor).GELU, func(x float64) float64 { return x * 0.5 * (1 + math.Erf(x/math.Sqrt2)) }},
		{"Abs", (*tensor.Tensor).Abs, math.Abs},
		{"Square", (*tensor.Tensor).Square, func(x float64) float64 { return x * x }},
		{"Clamp", func(x *tensor.Tensor) *tensor.Tensor { return x.Clamp(-0.5, 0.25) }, func(x float64) float64 { return math.Min(math.Max(x, -0.5), 0.25) }},
		{"Affine", func(x *tensor.Tensor) *tensor.Tensor { return x.Affine(3, -1) }, func(x float64) float64 { return 3*x - 1 }},
	}
	// 300×250 crosses the parallel threshold, so chunked loops run too.
	for name, x := range layouts(rng, 300, 250) {
		want := x.Float64s()
		for _, o := range ops {
			t.Run(o.name+" on a "+name+" tensor", func(t *testing.T) {
				ref := make([]float64, len(want))
				for i, v := range want {
					ref[i] = o.ref(v)
				}
				closeTo(t, o.name, o.op(x).Float64s(), ref, 1e-15)
				closeTo(t, o.name+" in float32", o.op(x.As(tensor.Float32)).Float64s(), ref, 1e-6)
			})
		}
	}
}

func TestBinaryOpsBroadcastLikeNumPy(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	cases := []struct{ a, b, out []int }{
		{[]int{3, 4}, []int{3, 4}, []int{3, 4}},
		{[]int{3, 1}, []int{1, 4}, []int{3, 4}},
		{[]int{2, 3, 4}, []int{4}, []int{2, 3, 4}},
		{[]int{4}, []int{2, 3, 1}, []int{2, 3, 4}},
		{[]int{}, []int{2, 3}, []int{2, 3}},
		{[]int{5, 1, 7}, []int{1, 6, 1}, []int{5, 6, 7}},
		{[]int{0, 3}, []int{1, 3}, []int{0, 3}},
		{[]int{160, 1, 300}, []int{1, 3, 300}, []int{160, 3, 300}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%v with %v", c.a, c.b), func(t *testing.T) {
			a := tensor.FromSlice(randData(rng, prod(c.a))).Reshape(c.a...)
			b := tensor.FromSlice(randData(rng, prod(c.b))).Reshape(c.b...)
			got := a.Mul(b).Sub(b)
			if fmt.Sprint(got.Shape()) != fmt.Sprint(c.out) {
				t.Fatalf("shape %v, want %v", got.Shape(), c.out)
			}
			ad, bd := a.Float64s(), b.Float64s()
			want := make([]float64, prod(c.out))
			idx := make([]int, len(c.out))
			for i := range want {
				va, vb := ad[bcastIndex(idx, c.a, c.out)], bd[bcastIndex(idx, c.b, c.out)]
				want[i] = va*vb - vb
				inc(idx, c.out)
			}
			closeTo(t, "a·b-b", got.Float64s(), want, 1e-15)
		})
	}
}

func prod(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// bcastIndex maps an index of out to the flat index of a broadcast operand.
func bcastIndex(idx, shape, out []int) int {
	off := len(out) - len(shape)
	flat := 0
	for i, d := range shape {
		j := idx[off+i]
		if d == 1 {
			j = 0
		}
		flat = flat*d + j
	}
	return flat
}

func inc(idx, shape []int) {
	for d := len(idx) - 1; d >= 0; d-- {
		idx[d]++
		if idx[d] < shape[d] {
			return
		}
		idx[d] = 0
	}
}

func TestReductionsMatchNaiveSums(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	shape := []int{7, 300, 40}
	x := tensor.FromSlice(randData(rng, prod(shape))).Reshape(shape...)
	views := map[string]*tensor.Tensor{"contiguous": x, "permuted": tensor.FromSlice(x.Permute(2, 0, 1).Float64s()).Reshape(40, 7, 300).Permute(1, 2, 0)}
	d := x.Float64s()
	at := func(i, j, k int) float64 { return d[(i*300+j)*40+k] }
	for name, v := range views {
		for _, axes := range [][]int{{0}, {1}, {2}, {0, 1}, {0, 2}, {1, 2}, {0, 1, 2}} {
			t.Run(fmt.Sprintf("%s over %v", name, axes), func(t *testing.T) {
				red := map[int]bool{}
				for _, a := range axes {
					red[a] = true
				}
				var kept []int
				for i, n := range shape {
					if !red[i] {
						kept = append(kept, n)
					}
				}
				size := prod(kept)
				sum, mx, cnt := make([]float64, size), make([]float64, size), make([]float64, size)
				arg := make([]float64, size)
				for i := range mx {
					mx[i] = math.Inf(-1)
				}
				for i := range 7 {
					for j := range 300 {
						for k := range 40 {
							o := 0
							for ax, c := range []int{i, j, k} {
								if !red[ax] {
									o = o*shape[ax] + c
								}
							}
							v := at(i, j, k)
							sum[o] += v
							if v > mx[o] {
								mx[o] = v
								arg[o] = float64([]int{i, j, k}[axes[0]])
							}
							cnt[o]++
						}
					}
				}
				mean := make([]float64, size)
				for i := range sum {
					mean[i] = sum[i] / cnt[i]
				}
				closeTo(t, "Sum", v.Sum(axes...).Float64s(), sum, 1e-12)
				closeTo(t, "Mean", v.Mean(axes...).Float64s(), mean, 1e-12)
				closeTo(t, "Max", v.Max(axes...).Float64s(), mx, 0)
				closeTo(t, "Sum in float32", v.As(tensor.Float32).Sum(axes...).Float64s(), sum, 1e-6)
				if len(axes) == 1 {
					closeTo(t, "ArgMax", v.ArgMax(axes[0]).Float64s(), arg, 0)
				}
			})
		}
	}
}

func TestReductionsOfHugeRunsSplitAcrossWorkers(t *testing.T) {
	// Above the split threshold (4·2^15 elements) the sum of one run is
	// cut into chunks; the result must still match a sequential sum.
	rng := rand.New(rand.NewPCG(4, 4))
	d := randData(rng, 300_001)
	x := tensor.FromSlice(d)
	var s, q float64
	mx, arg := math.Inf(-1), 0
	for i, v := range d {
		s += v
		if v > mx {
			mx, arg = v, i
		}
	}
	mean := s / float64(len(d))
	for _, v := range d {
		q += (v - mean) * (v - mean)
	}
	closeTo(t, "Sum", []float64{x.Sum().Item()}, []float64{s}, 1e-12)
	closeTo(t, "Var", []float64{x.Var().Item()}, []float64{q / float64(len(d)-1)}, 1e-12)
	closeTo(t, "Max", []float64{x.Max().Item()}, []float64{mx}, 0)
	if got := int(x.ArgMax(0).Item()); got != arg {
		t.Fatalf("ArgMax = %d, want %d", got, arg)
	}
	var lse float64
	for _, v := range d {
		lse += math.Exp(v - mx)
	}
	closeTo(t, "LogSumExp", []float64{x.LogSumExp().Item()}, []float64{mx + math.Log(lse)}, 1e-12)
}

func TestArgMaxPicksTheFirstMaximumAndNaN(t *testing.T) {
	x := tensor.FromSlice([]float32{1, 3, 3, 2, 5, float32(math.NaN()), 5, 0, -1, -1, -1, -1}, 3, 4)
	if got := fmt.Sprint(x.ArgMax(1).Int32s()); got != "[1 1 0]" {
		t.Fatalf("ArgMax = %s, want [1 1 0]", got)
	}
	if got := fmt.Sprint(x.ArgMin(1).Int32s()); got != "[0 1 0]" {
		t.Fatalf("ArgMin = %s, want [0 1 0]", got)
	}
	if m := x.Max(1).Float64s(); m[0] != 3 || !math.IsNaN(m[1]) || m[2] != -1 {
		t.Fatalf("Max = %v, want [3 NaN -1]", m)
	}
}

func naiveMatMul(a, b []float64, m, k, n int) []float64 {
	c := make([]float64, m*n)
	for i := range m {
		for j := range n {
			var s float64
			for p := range k {
				s += a[i*k+p] * b[p*n+j]
			}
			c[i*n+j] = s
		}
	}
	return c
}

func TestMatMulOnEveryLayoutMatchesTheDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	m, k, n := 37, 29, 41
	as, bs := layouts(rng, m, k), layouts(rng, k, n)
	want := naiveMatMul(as["contiguous"].Float64s(), bs["contiguous"].Float64s(), m, k, n)
	for an, a := range as {
		for bn, b := range bs {
			t.Run(an+" times "+bn, func(t *testing.T) {
				closeTo(t, "float64", a.MatMul(b).Float64s(), want, 1e-12)
				closeTo(t, "float32", a.As(tensor.Float32).MatMul(b.As(tensor.Float32)).Float64s(), want, 1e-5)
			})
		}
	}
}

func TestBatchedMatMulBroadcastsBatchDims(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	a := tensor.FromSlice(randData(rng, 3*1*4*5)).Reshape(3, 1, 4, 5)
	b := tensor.FromSlice(randData(rng, 2*5*6)).Reshape(2, 5, 6)
	c := a.MatMul(b)
	if fmt.Sprint(c.Shape()) != "[3 2 4 6]" {
		t.Fatalf("shape %v, want [3 2 4 6]", c.Shape())
	}
	for i := range 3 {
		for j := range 2 {
			want := naiveMatMul(a.Select(0, i).Select(0, 0).Float64s(), b.Select(0, j).Float64s(), 4, 5, 6)
			closeTo(t, fmt.Sprintf("product %d,%d", i, j), c.Select(0, i).Select(0, j).Float64s(), want, 1e-12)
		}
	}
	// A batch against a shared matrix folds into one product.
	x := tensor.FromSlice(randData(rng, 2*3*5)).Reshape(2, 3, 5)
	w := tensor.FromSlice(randData(rng, 5*4)).Reshape(5, 4)
	closeTo(t, "folded", x.MatMul(w).Float64s(), naiveMatMul(x.Float64s(), w.Float64s(), 6, 5, 4), 1e-12)
}

func TestSoftmaxAndLayerNormMatchTheirDefinitions(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for name, x := range layouts(rng, 64, 33) {
		t.Run(name, func(t *testing.T) {
			d := x.Float64s()
			sm := make([]float64, len(d))
			ln := make([]float64, len(d))
			for r := range 64 {
				row := d[r*33 : r*33+33]
				mx, s, mean, q := math.Inf(-1), 0.0, 0.0, 0.0
				for _, v := range row {
					mx = math.Max(mx, v)
					mean += v / 33
				}
				for _, v := range row {
					s += math.Exp(v - mx)
					q += (v - mean) * (v - mean) / 33
				}
				for j, v := range row {
					sm[r*33+j] = math.Exp(v-mx) / s
					ln[r*33+j] = (v - mean) / math.Sqrt(q+1e-5)
				}
			}
			closeTo(t, "Softmax", x.Softmax(1).Float64s(), sm, 1e-14)
			closeTo(t, "LayerNorm", tensor.LayerNorm(x, nil, nil, 1e-5).Float64s(), ln, 1e-12)
			// Softmax over axis 0 of xᵀ is softmax over axis 1 of x.
			closeTo(t, "Softmax of the transpose", x.T().Softmax(0).T().Float64s(), sm, 1e-14)
		})
	}
}

func TestSoftmaxOfAllMinusInfRowsIsNaNAsInPyTorch(t *testing.T) {
	x := tensor.FromSlice([]float32{float32(math.Inf(-1)), float32(math.Inf(-1)), 0, 1}, 2, 2)
	s := x.Softmax(-1).Float64s()
	if !math.IsNaN(s[0]) || !math.IsNaN(s[1]) || math.Abs(s[2]+s[3]-1) > 1e-6 {
		t.Fatalf("Softmax = %v, want [NaN NaN p 1-p]", s)
	}
}

func TestIndexSelectGathersAndRejectsBadIndices(t *testing.T) {
	x := tensor.Arange(0, 12, 1).Reshape(3, 4)
	got := x.IndexSelect(1, tensor.FromSlice([]int32{3, 0, 3})).Float64s()
	closeTo(t, "columns 3, 0, 3", got, []float64{3, 0, 3, 7, 4, 7, 11, 8, 11}, 0)
	rows := tensor.Embedding(x, tensor.FromSlice([]int32{2, 2, 0, 1}, 2, 2))
	if fmt.Sprint(rows.Shape()) != "[2 2 4]" {
		t.Fatalf("Embedding shape %v, want [2 2 4]", rows.Shape())
	}
	mustPanic(t, func() { x.IndexSelect(0, tensor.FromSlice([]int32{0, 3})) }, "IndexSelect", "index 3", "out of range")
	mustPanic(t, func() { x.IndexSelect(0, tensor.FromSlice([]int32{-1})) }, "IndexSelect", "-1")
	mustPanic(t, func() { x.IndexSelect(0, tensor.FromSlice([]float32{0})) }, "IndexSelect", "int32")
}

func TestConcatStackAndSplitRoundTrip(t *testing.T) {
	a := tensor.Arange(0, 6, 1).Reshape(2, 3)
	b := tensor.Arange(6, 15, 1).Reshape(3, 3)
	c := tensor.Concat(0, a, b, tensor.Zeros(0, 3))
	closeTo(t, "Concat", c.Float64s(), tensor.Arange(0, 15, 1).Float64s(), 0)
	parts := c.Split(0, 2, 3)
	closeTo(t, "Split", parts[1].Float64s(), b.Float64s(), 0)
	s := tensor.Stack(2, a, a.Scale(2))
	if fmt.Sprint(s.Shape()) != "[2 3 2]" || s.At(1, 2, 1) != 10 {
		t.Fatalf("Stack = %v, want shape [2 3 2] with s[1,2,1] = 10", s)
	}
	ch := tensor.Arange(0, 7, 1).Chunk(0, 3)
	if len(ch) != 3 || ch[2].Numel() != 1 {
		t.Fatalf("Chunk of 7 into 3 gave %d parts, last of %d", len(ch), ch[len(ch)-1].Numel())
	}
	mustPanic(t, func() { tensor.Concat(1, a, b) }, "Concat", "[2 3]", "[3 3]")
	mustPanic(t, func() { a.Split(0, 1, 2) }, "Split", "[1 2]")
}

func TestZeroSizeDimensionsFlowThroughOps(t *testing.T) {
	e := tensor.Zeros(0, 4).SetRequiresGrad(true)
	w := tensor.Ones(4, 3).SetRequiresGrad(true)
	y := e.MatMul(w).Add(tensor.Ones(3)).Softmax(-1)
	if fmt.Sprint(y.Shape()) != "[0 3]" {
		t.Fatalf("shape %v, want [0 3]", y.Shape())
	}
	loss := y.Sum()
	if loss.Item() != 0 {
		t.Fatalf("sum of an empty tensor = %v", loss.Item())
	}
	loss.Backward()
	closeTo(t, "gradient of w", w.Grad().Float64s(), make([]float64, 12), 0)
	if !math.IsNaN(e.Mean().Item()) {
		t.Fatal("mean of an empty tensor is not NaN")
	}
	z := tensor.Zeros(2, 0).MatMul(tensor.Zeros(0, 3))
	closeTo(t, "[2,0]·[0,3]", z.Float64s(), make([]float64, 6), 0)
	ln := tensor.LayerNorm(tensor.Zeros(0, 5), nil, nil, 1e-5)
	if ln.Numel() != 0 {
		t.Fatal("LayerNorm of no rows returned elements")
	}
	if got := tensor.Zeros(3, 0).Sum(1).Float64s(); fmt.Sprint(got) != "[0 0 0]" {
		t.Fatalf("sum over an empty axis = %v", got)
	}
	if got := tensor.Zeros(3, 0).Reshape(0, 7, 0).Numel(); got != 0 {
		t.Fatal("reshape of an empty tensor")
	}
}

func TestScalarsBehaveAsRankZeroTensors(t *testing.T) {
	s := tensor.Scalar(2).SetRequiresGrad(true)
	v := tensor.FromSlice([]float32{1, 2, 3})
	y := v.Mul(s).Exp().Sum()
	if y.Rank() != 0 || s.Rank() != 0 {
		t.Fatalf("ranks %d and %d, want 0", y.Rank(), s.Rank())
	}
	y.Backward()
	want := 1*math.Exp(2) + 2*math.Exp(4) + 3*math.Exp(6)
	closeTo(t, "d/ds", s.Grad().Float64s(), []float64{want}, 1e-6)
	if got := tensor.Scalar(3).Reshape(1, 1).Squeeze().Rank(); got != 0 {
		t.Fatalf("squeezed rank %d", got)
	}
	if got := tensor.Scalar(5).Softmax(0).Item(); got != 1 {
		t.Fatalf("softmax of a scalar = %v", got)
	}
}

func TestViewsOfViewsShareStorage(t *testing.T) {
	x := tensor.Arange(0, 24, 1).Reshape(2, 3, 4)
	v := x.Permute(2, 0, 1).Narrow(0, 1, 2).Select(2, 1) // [2, 2]: x[0,1,1], x[1,1,1], x[0,1,2], x[1,1,2]
	closeTo(t, "values", v.Float64s(), []float64{5, 17, 6, 18}, 0)
	if v.Storage() != x.Storage() {
		t.Fatal("the view does not share storage")
	}
	// Reshape of a non-contiguous view copies only when it must.
	tr := x.Reshape(6, 4).T() // [4, 6]
	if tr.Reshape(2, 2, 6).Storage() != x.Storage() {
		t.Fatal("splitting a dimension of a transposed view copied")
	}
	flat := tr.Reshape(24)
	if flat.Storage() == x.Storage() {
		t.Fatal("flattening a transposed view did not copy")
	}
	closeTo(t, "flattened transpose", flat.Float64s(), tr.Contiguous().Float64s(), 0)
	x.Narrow(2, 0, 1).Fill(-1)
	if x.At(1, 2, 0) != -1 || x.At(1, 2, 1) != 21 {
		t.Fatal("Fill on a view did not write through to its base")
	}
}

func TestShapeMismatchesPanicNamingTheOpAndShapes(t *testing.T) {
	a, b := tensor.Zeros(2, 3), tensor.Zeros(4)
	cases := []struct {
		name string
		f    func()
		want []string
	}{
		{"Add of unbroadcastable shapes", func() { a.Add(b) }, []string{"Add", "[2 3]", "[4]"}},
		{"Mul of unbroadcastable shapes", func() { b.Mul(a) }, []string{"Mul", "[4]", "[2 3]"}},
		{"MatMul with different inner dims", func() { a.MatMul(tensor.Zeros(4, 5)) }, []string{"MatMul", "[2 3]", "[4 5]"}},
		{"MatMul of batches that do not broadcast", func() { tensor.Zeros(2, 2, 3).MatMul(tensor.Zeros(3, 3, 4)) }, []string{"MatMul", "[2]", "[3]"}},
		{"Reshape to another size", func() { a.Reshape(4, 2) }, []string{"Reshape", "[4 2]", "6"}},
		{"Where of unbroadcastable shapes", func() { tensor.Where(a, a, b) }, []string{"Where", "[2 3]", "[4]"}},
		{"CrossEntropy with mismatched targets", func() { tensor.CrossEntropy(a, tensor.FromSlice([]int32{0})) }, []string{"CrossEntropy", "[2 3]", "[1]"}},
		{"LayerNorm with a wrong weight", func() { tensor.LayerNorm(a, b, nil, 1e-5) }, []string{"LayerNorm", "[4]", "[2 3]"}},
		{"Expand to an incompatible shape", func() { a.Expand(2, 4) }, []string{"Expand", "[2 3]", "[2 4]"}},
		{"Add of different dtypes", func() { a.Add(a.As(tensor.Float64)) }, []string{"Add", "float32", "float64"}},
		{"an axis out of range", func() { a.Sum(2) }, []string{"Sum", "axis 2", "rank 2"}},
		{"Narrow past the end", func() { a.Narrow(1, 2, 2) }, []string{"Narrow", "[2 3]"}},
		{"CrossEntropy with a target out of range", func() { tensor.CrossEntropy(a, tensor.FromSlice([]int32{0, 3})) }, []string{"CrossEntropy", "target 3"}},
		{"an op on a nil tensor", func() { a.Add(nil) }, []string{"Add", "nil"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { mustPanic(t, c.f, c.want...) })
	}
}

func TestInt32TensorsSupportIndexArithmetic(t *testing.T) {
	ids := tensor.FromSlice([]int32{3, -1, 7, 2}, 2, 2)
	if got := fmt.Sprint(ids.Add(ids).Int32s()); got != "[6 -2 14 4]" {
		t.Fatalf("Add = %s", got)
	}
	if got := fmt.Sprint(ids.Ne(tensor.FromSlice([]int32{-1}).Reshape()).Int32s()); got != "[1 0 1 1]" {
		t.Fatalf("Ne = %s", got)
	}
	if got := fmt.Sprint(ids.Sum(1).Int32s()); got != "[2 9]" {
		t.Fatalf("Sum = %s", got)
	}
	if got := fmt.Sprint(tensor.FromSlice([]float32{-1.7, 2.9}).As(tensor.Int32).Int32s()); got != "[-1 2]" {
		t.Fatalf("As(Int32) = %s, want truncation toward zero", got)
	}
	mustPanic(t, func() { ids.Exp() }, "Exp", "int32")
	mustPanic(t, func() { ids.SetRequiresGrad(true) }, "int32")
}

func TestHalfPrecisionStorageConvertsExactly(t *testing.T) {
	x := tensor.FromSlice([]float32{1, -2.5, 65504, 1e-8, 0.1, float32(math.Inf(1))})
	h := x.As(tensor.Float16)
	bf := x.As(tensor.BFloat16)
	if h.DType() != tensor.Float16 || bf.DType() != tensor.BFloat16 {
		t.Fatal("wrong dtypes")
	}
	got := h.Float32s()
	want := []float32{1, -2.5, 65504, 0, 0.099975586, float32(math.Inf(1))}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("float16 round trip of %v = %v, want %v", x.Float32s()[i], got[i], want[i])
		}
	}
	if v := bf.Float32s()[4]; v != 0.10009765625 {
		t.Fatalf("bfloat16 of 0.1 = %v, want 0.10009765625", v)
	}
	mustPanic(t, func() { h.Add(h) }, "float16")
}

func TestGonumConversionRoundTrips(t *testing.T) {
	x := tensor.Arange(0, 6, 1).Reshape(2, 3).T()
	d := x.ToDense()
	if r, c := d.Dims(); r != 3 || c != 2 || d.At(2, 1) != 5 {
		t.Fatalf("ToDense = %v", d)
	}
	back := tensor.FromDense(d)
	closeTo(t, "FromDense", back.Float64s(), x.Float64s(), 0)
	if back.DType() != tensor.Float64 {
		t.Fatal("FromDense is not float64")
	}
}

func TestCreationFunctions(t *testing.T) {
	if got := tensor.Arange(0, 1, 0.25).Float64s(); fmt.Sprint(got) != "[0 0.25 0.5 0.75]" {
		t.Fatalf("Arange = %v", got)
	}
	if got := tensor.Arange(3, 0, -1).Float64s(); fmt.Sprint(got) != "[3 2 1]" {
		t.Fatalf("descending Arange = %v", got)
	}
	if got := tensor.Eye(3).Sum().Item(); got != 3 {
		t.Fatalf("trace of Eye(3) = %v", got)
	}
	r1 := tensor.RandN(rand.New(rand.NewPCG(9, 9)), 4, 4).Float64s()
	r2 := tensor.RandN(rand.New(rand.NewPCG(9, 9)), 4, 4).Float64s()
	closeTo(t, "RandN with one seed twice", r1, r2, 0)
	u := tensor.Rand(rand.New(rand.NewPCG(1, 2)), 1000)
	if mn, mx := u.Min().Item(), u.Max().Item(); mn < 0 || mx >= 1 {
		t.Fatalf("Rand outside [0, 1): %v..%v", mn, mx)
	}
	mustPanic(t, func() { tensor.RandN(nil, 2, 3) }, "RandN", "rng is nil")
	mustPanic(t, func() { tensor.Rand(nil, 2) }, "Rand", "rng is nil")
	f := tensor.FullOn(tensor.CPU, tensor.Int32, 7, 2)
	if got := fmt.Sprint(f.Int32s()); got != "[7 7]" {
		t.Fatalf("FullOn = %s", got)
	}
	mustPanic(t, func() { tensor.Zeros(-1) }, "negative")
	mustPanic(t, func() { tensor.FromSlice([]float32{1, 2, 3}, 2, 2) }, "FromSlice", "[2 2]")
	mustPanic(t, func() { tensor.Arange(0, 1, 0) }, "Arange")
}

func TestFormatPrintsValuesAndHeader(t *testing.T) {
	x := tensor.FromSlice([]float32{1, 2.5, 3, 4}, 2, 2)
	if got := fmt.Sprintf("%v", x); got != "[[1 2.5]\n [3 4]]" {
		t.Fatalf("%%v = %q", got)
	}
	if got := x.String(); !strings.HasPrefix(got, "Tensor([2 2] float32 on cpu)") {
		t.Fatalf("String = %q", got)
	}
	big := fmt.Sprint(tensor.Zeros(2000))
	if !strings.Contains(big, "...") || len(big) > 100 {
		t.Fatalf("a large tensor printed in full: %d bytes", len(big))
	}
}

func TestParseDeviceAndDType(t *testing.T) {
	for s, want := range map[string]tensor.Device{"cpu": tensor.CPU, "cuda": tensor.CUDA(0), "cuda:3": tensor.CUDA(3), " CUDA:1 ": tensor.CUDA(1)} {
		if d, err := tensor.ParseDevice(s); err != nil || d != want {
			t.Errorf("ParseDevice(%q) = %v, %v; want %v", s, d, err, want)
		}
	}
	for _, bad := range []string{"", "tpu", "cuda:x", "cuda:-1", "cpu:1"} {
		if _, err := tensor.ParseDevice(bad); err == nil {
			t.Errorf("ParseDevice(%q) succeeded", bad)
		}
	}
	if d, err := tensor.ParseDType("bf16"); err != nil || d != tensor.BFloat16 {
		t.Errorf("ParseDType(bf16) = %v, %v", d, err)
	}
	if _, err := tensor.ParseDType("complex64"); err == nil {
		t.Error("ParseDType(complex64) succeeded")
	}
}

func FuzzParseDevice(f *testing.F) {
	for _, s := range []string{"cpu", "cuda:0", "cuda:12", "gpu", ":", "cuda:", "cpu:0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := tensor.ParseDevice(s)
		if err != nil {
			return
		}
		if d.Index < 0 {
			t.Fatalf("ParseDevice(%q) gave index %d", s, d.Index)
		}
		again, err := tensor.ParseDevice(d.String())
		if err != nil || again != d {
			t.Fatalf("ParseDevice(%q) = %v does not round-trip: %v, %v", s, d, again, err)
		}
	})
}

func TestHalfPrecisionBitsRoundTrip(t *testing.T) {
	bits := []uint16{0x3c00, 0xc000, 0x7bff, 0x0001} // 1, -2, 65504, smallest subnormal
	h := tensor.FromBits16(tensor.Float16, bits, 2, 2)
	if got := h.Float32s(); got[0] != 1 || got[1] != -2 || got[2] != 65504 || got[3] != float32(math.Ldexp(1, -24)) {
		t.Fatalf("float16 values %v", got)
	}
	if got := fmt.Sprint(h.T().Bits16()); got != "[15360 31743 49152 1]" {
		t.Fatalf("Bits16 of the transpose = %s", got)
	}
	b := tensor.FromBits16(tensor.BFloat16, []uint16{0x3f80, 0x4040})
	if got := b.As(tensor.Float64).Float64s(); got[0] != 1 || got[1] != 3 {
		t.Fatalf("bfloat16 values %v", got)
	}
	mustPanic(t, func() { tensor.FromBits16(tensor.Float32, bits) }, "FromBits16")
	mustPanic(t, func() { h.As(tensor.Float32).Bits16() }, "Bits16")
}
