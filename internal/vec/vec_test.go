package vec

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/goformer/goformer/internal/parallel"
)

func randRows(rng *rand.Rand, n int, scale float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32((rng.Float64()*2 - 1) * scale)
	}
	return s
}

func softmaxRef(x []float32, cols int) []float64 {
	out := make([]float64, len(x))
	for r := 0; r < len(x)/cols; r++ {
		row := x[r*cols : (r+1)*cols]
		m := math.Inf(-1)
		for _, v := range row {
			m = math.Max(m, float64(v))
		}
		var s float64
		for i, v := range row {
			out[r*cols+i] = math.Exp(float64(v) - m)
			s += out[r*cols+i]
		}
		for i := range row {
			out[r*cols+i] /= s
		}
	}
	return out
}

func TestSoftmaxMatchesFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, shape := range [][2]int{{1, 1}, {3, 7}, {5, 16}, {64, 768}, {17, 1000}, {2, 50257}} {
		rows, cols := shape[0], shape[1]
		x := randRows(rng, rows*cols, 30)
		y := make([]float32, len(x))
		Softmax(y, x, cols)
		want := softmaxRef(x, cols)
		for i := range y {
			if math.Abs(float64(y[i])-want[i]) > 3e-6*want[i]+1e-12 {
				t.Fatalf("%dx%d: y[%d] = %v, want %v", rows, cols, i, y[i], want[i])
			}
		}
		// In place.
		Softmax(x, x, cols)
		for i := range y {
			if x[i] != y[i] {
				t.Fatalf("%dx%d: in-place softmax differs at %d", rows, cols, i)
			}
		}
	}
}

func TestSoftmaxHandlesMaskedAndHugeInputs(t *testing.T) {
	inf := float32(math.Inf(1))
	x := []float32{-inf, 0, -inf, 1000, 1000, -inf, -inf, -inf, -inf}
	y := make([]float32, len(x))
	Softmax(y, x, 3)
	if y[0] != 0 || y[1] != 1 || y[2] != 0 {
		t.Errorf("masked row = %v, want [0 1 0]", y[:3])
	}
	if y[3] != 0.5 || y[4] != 0.5 || y[5] != 0 {
		t.Errorf("huge row = %v, want [0.5 0.5 0]", y[3:6])
	}
	for _, v := range y[6:] {
		if v == v {
			t.Errorf("an all -Inf row gives %v, want NaN as PyTorch", y[6:])
			break
		}
	}
}

func TestLogSoftmaxMatchesFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	rows, cols := 9, 333
	x := randRows(rng, rows*cols, 20)
	y := make([]float32, len(x))
	LogSoftmax(y, x, cols)
	want := softmaxRef(x, cols)
	for i := range y {
		if w := math.Log(want[i]); math.Abs(float64(y[i])-w) > 2e-6*(1+math.Abs(w)) {
			t.Fatalf("y[%d] = %v, want %v", i, y[i], w)
		}
	}
}

func TestSoftmaxBackwardMatchesFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	rows, cols := 7, 129
	x := randRows(rng, rows*cols, 3)
	y := make([]float32, len(x))
	Softmax(y, x, cols)
	dy := randRows(rng, len(x), 1)
	dx := make([]float32, len(x))
	SoftmaxBackward(dx, y, dy, cols)
	for r := range rows {
		var s float64
		for i := r * cols; i < (r+1)*cols; i++ {
			s += float64(y[i]) * float64(dy[i])
		}
		for i := r * cols; i < (r+1)*cols; i++ {
			want := float64(y[i]) * (float64(dy[i]) - s)
			if math.Abs(float64(dx[i])-want) > 1e-6*(math.Abs(want)+float64(y[i])) {
				t.Fatalf("dx[%d] = %v, want %v", i, dx[i], want)
			}
		}
	}
}

// layerNormRef returns y, mean, rstd, and the gradients for dy, in float64.
func layerNormRef(x, gamma, beta, dy []float32, cols int, eps float64) (y, mean, rstd, dx, dg, db []float64) {
	rows := len(x) / cols
	y, dx = make([]float64, len(x)), make([]float64, len(x))
	mean, rstd = make([]float64, rows), make([]float64, rows)
	dg, db = make([]float64, cols), make([]float64, cols)
	for r := range rows {
		row := x[r*cols : (r+1)*cols]
		var m, v float64
		for _, e := range row {
			m += float64(e)
		}
		m /= float64(cols)
		for _, e := range row {
			v += (float64(e) - m) * (float64(e) - m)
		}
		v /= float64(cols)
		rs := 1 / math.Sqrt(v+eps)
		mean[r], rstd[r] = m, rs
		var a, b float64
		for i, e := range row {
			xh := (float64(e) - m) * rs
			y[r*cols+i] = xh*float64(gamma[i]) + float64(beta[i])
			g := float64(dy[r*cols+i]) * float64(gamma[i])
			a += g
			b += g * xh
			dg[i] += float64(dy[r*cols+i]) * xh
			db[i] += float64(dy[r*cols+i])
		}
		a /= float64(cols)
		b /= float64(cols)
		for i, e := range row {
			xh := (float64(e) - m) * rs
			dx[r*cols+i] = rs * (float64(dy[r*cols+i])*float64(gamma[i]) - a - xh*b)
		}
	}
	return
}

func TestLayerNormMatchesFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for _, shape := range [][2]int{{1, 1}, {1, 5}, {4, 17}, {33, 768}, {5, 1000}} {
		rows, cols := shape[0], shape[1]
		x := randRows(rng, rows*cols, 4)
		for i := range x {
			x[i] += 10 // an offset mean makes a one-pass variance fail
		}
		gamma, beta := randRows(rng, cols, 1), randRows(rng, cols, 1)
		dy := randRows(rng, rows*cols, 1)
		yw, mw, rw, dxw, dgw, dbw := layerNormRef(x, gamma, beta, dy, cols, 1e-5)

		y := make([]float32, len(x))
		mean, rstd := make([]float32, rows), make([]float32, rows)
		LayerNorm(y, x, gamma, beta, cols, 1e-5, mean, rstd)
		for i := range y {
			if math.Abs(float64(y[i])-yw[i]) > 2e-5*(1+math.Abs(yw[i])) {
				t.Fatalf("%dx%d: y[%d] = %v, want %v", rows, cols, i, y[i], yw[i])
			}
		}
		for r := range rows {
			if math.Abs(float64(mean[r])-mw[r]) > 1e-5 || math.Abs(float64(rstd[r])-rw[r]) > 1e-4*rw[r] {
				t.Fatalf("%dx%d: row %d mean, rstd = %v, %v; want %v, %v", rows, cols, r, mean[r], rstd[r], mw[r], rw[r])
			}
		}
		dx := make([]float32, len(x))
		dg, db := make([]float32, cols), make([]float32, cols)
		for i := range dg {
			dg[i], db[i] = 99, 99 // overwritten, not accumulated
		}
		LayerNormBackward(dx, dg, db, dy, x, gamma, mean, rstd, cols)
		for i := range dx {
			if math.Abs(float64(dx[i])-dxw[i]) > 1e-3*(1+math.Abs(dxw[i])) {
				t.Fatalf("%dx%d: dx[%d] = %v, want %v", rows, cols, i, dx[i], dxw[i])
			}
		}
		for i := range dg {
			if math.Abs(float64(dg[i])-dgw[i]) > 1e-4*(1+math.Abs(dgw[i])) || math.Abs(float64(db[i])-dbw[i]) > 1e-4*(1+math.Abs(dbw[i])) {
				t.Fatalf("%dx%d: dgamma, dbeta[%d] = %v, %v; want %v, %v", rows, cols, i, dg[i], db[i], dgw[i], dbw[i])
			}
		}
	}
}

func TestLayerNormWithoutAffineParameters(t *testing.T) {
	x := []float32{1, 2, 3, 4, -1, -1, -1, -1}
	y := make([]float32, len(x))
	LayerNorm(y, x, nil, nil, 4, 1e-5, nil, nil)
	want := []float32{-1.3416353, -0.4472118, 0.4472118, 1.3416353}
	for i, w := range want {
		if math.Abs(float64(y[i]-w)) > 1e-6 {
			t.Fatalf("y = %v, want %v", y[:4], want)
		}
	}
	for _, v := range y[4:] {
		if v != 0 {
			t.Fatalf("a constant row normalises to %v, want zeros", y[4:])
		}
	}
}

func TestLayerNormBackwardDoesNotDependOnWorkers(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	rows, cols := 300, 96
	x := randRows(rng, rows*cols, 2)
	dy := randRows(rng, rows*cols, 1)
	gamma := randRows(rng, cols, 1)
	mean, rstd := make([]float32, rows), make([]float32, rows)
	LayerNorm(make([]float32, len(x)), x, gamma, nil, cols, 1e-5, mean, rstd)
	var ref []float32
	for _, w := range []int{1, 2, 3} {
		old := parallel.SetWorkers(w)
		dg, db := make([]float32, cols), make([]float32, cols)
		LayerNormBackward(make([]float32, len(x)), dg, db, dy, x, gamma, mean, rstd, cols)
		parallel.SetWorkers(old)
		got := append(dg, db...)
		if ref == nil {
			ref = got
			continue
		}
		for i := range got {
			if got[i] != ref[i] {
				t.Fatalf("%d workers: parameter gradient %d = %v, with 1 worker %v", w, i, got[i], ref[i])
			}
		}
	}
}

func TestAdamWMatchesPyTorchFormula(t *testing.T) {
	h := AdamW{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.1}
	rng := rand.New(rand.NewPCG(21, 22))
	n := 1000
	p := randRows(rng, n, 1)
	m, v := make([]float32, n), make([]float32, n)
	p64 := make([]float64, n)
	m64, v64 := make([]float64, n), make([]float64, n)
	for i := range p {
		p64[i] = float64(p[i])
	}
	for step := 1; step <= 5; step++ {
		g := randRows(rng, n, 1)
		h.Update(step, p, g, m, v)
		bc1 := 1 - math.Pow(0.9, float64(step))
		bc2 := 1 - math.Pow(0.999, float64(step))
		for i := range p64 {
			gi := float64(g[i])
			p64[i] *= 1 - 0.01*0.1
			m64[i] = 0.9*m64[i] + 0.1*gi
			v64[i] = 0.999*v64[i] + 0.001*gi*gi
			p64[i] -= 0.01 / bc1 * m64[i] / (math.Sqrt(v64[i])/math.Sqrt(bc2) + 1e-8)
		}
	}
	for i := range p {
		if math.Abs(float64(p[i])-p64[i]) > 1e-5 {
			t.Fatalf("p[%d] = %v after 5 steps, want %v", i, p[i], p64[i])
		}
	}
}

func TestLargeInputsSplitAcrossWorkersGiveTheSameResult(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	n := 1<<18 + 13
	x, y := randRows(rng, n, 5), randRows(rng, n, 5)
	type fn func(dst []float32)
	for name, f := range map[string]fn{
		"Exp":          func(d []float32) { Exp(d, x) },
		"GELU":         func(d []float32) { GELU(d, x) },
		"GELUTanh":     func(d []float32) { GELUTanh(d, x) },
		"Tanh":         func(d []float32) { Tanh(d, x) },
		"Add":          func(d []float32) { Add(d, x, y) },
		"Mul":          func(d []float32) { Mul(d, x, y) },
		"Scale":        func(d []float32) { Scale(d, 3, x) },
		"GELUBackward": func(d []float32) { GELUBackward(d, x, y) },
	} {
		one, two := make([]float32, n), make([]float32, n)
		old := parallel.SetWorkers(1)
		f(one)
		parallel.SetWorkers(2)
		f(two)
		parallel.SetWorkers(old)
		for i := range one {
			if one[i] != two[i] && !(one[i] != one[i] && two[i] != two[i]) {
				t.Fatalf("%s: element %d is %v with one worker and %v with two", name, i, one[i], two[i])
			}
		}
	}
}

func TestMismatchedLengthsPanicWithTheKernelName(t *testing.T) {
	tests := []struct {
		name string
		want string
		call func()
	}{
		{"Dot", "vec.Dot", func() { Dot(make([]float32, 3), make([]float32, 4)) }},
		{"Add", "vec.Add", func() { Add(make([]float32, 3), make([]float32, 3), make([]float32, 2)) }},
		{"Softmax with a ragged matrix", "not rows of 4", func() { Softmax(make([]float32, 6), make([]float32, 6), 4) }},
		{"Softmax with zero columns", "0 columns", func() { Softmax(make([]float32, 6), make([]float32, 6), 0) }},
		{"LayerNorm with a short gamma", "gamma", func() {
			LayerNorm(make([]float32, 8), make([]float32, 8), make([]float32, 3), nil, 4, 1e-5, nil, nil)
		}},
		{"LayerNormBackward without saved statistics", "mean, rstd", func() {
			LayerNormBackward(make([]float32, 8), nil, nil, make([]float32, 8), make([]float32, 8), nil, nil, nil, 4)
		}},
		{"LogSoftmax in place", "same slice", func() { x := make([]float32, 4); LogSoftmax(x, x, 2) }},
		{"AdamW at step 0", "step 0", func() { AdamW{}.Update(0, nil, nil, nil, nil) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil {
					t.Fatal("no panic")
				}
				if msg, _ := r.(string); !strings.Contains(msg, tt.want) {
					t.Fatalf("panic %q does not mention %q", r, tt.want)
				}
			}()
			tt.call()
		})
	}
}

func TestEmptyInputs(t *testing.T) {
	if Dot(nil, nil) != 0 || Sum(nil) != 0 || !math.IsInf(float64(Max(nil)), -1) {
		t.Fatal("reductions of nothing are not 0, 0, -Inf")
	}
	Exp(nil, nil)
	GELU(nil, nil)
	Softmax(nil, nil, 5)
	LayerNorm(nil, nil, nil, nil, 5, 1e-5, nil, nil)
	dg := []float32{1, 2}
	LayerNormBackward(nil, dg, nil, nil, nil, nil, nil, nil, 2)
	if dg[0] != 0 || dg[1] != 0 {
		t.Fatalf("dgamma over no rows = %v, want zeros", dg)
	}
	AdamW{LR: 1}.Update(1, nil, nil, nil, nil)
}

func TestKernelsDoNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	old := parallel.SetWorkers(2)
	defer parallel.SetWorkers(old)
	rng := rand.New(rand.NewPCG(25, 26))
	rows, cols := 256, 768
	x := randRows(rng, rows*cols, 3)
	y := make([]float32, len(x))
	dy := randRows(rng, rows*cols, 1)
	gamma, beta := randRows(rng, cols, 1), randRows(rng, cols, 1)
	mean, rstd := make([]float32, rows), make([]float32, rows)
	dg, db := make([]float32, cols), make([]float32, cols)
	m, v := make([]float32, len(x)), make([]float32, len(x))
	for name, f := range map[string]func(){
		"Softmax":           func() { Softmax(y, x, cols) },
		"LayerNorm":         func() { LayerNorm(y, x, gamma, beta, cols, 1e-5, mean, rstd) },
		"LayerNormBackward": func() { LayerNormBackward(y, dg, db, dy, x, gamma, mean, rstd, cols) },
		"GELU":              func() { GELU(y, x) },
		"Add":               func() { Add(y, x, dy) },
		"AdamW":             func() { AdamW{LR: 1e-3, Beta1: 0.9, Beta2: 0.999}.Update(3, y, dy, m, v) },
		"Dot":               func() { Dot(x, dy) },
	} {
		f()
		if a := testing.AllocsPerRun(20, f); a > 0 {
			t.Errorf("%s allocates %.1f times per call", name, a)
		}
	}
}
