// Package vec holds goformer's vector kernels on plain []float32, the one
// SIMD kernel set of the module: dot products, axpy, element-wise
// arithmetic, reductions, exp, tanh and GELU, fused row kernels for
// softmax and layer normalisation (forward and backward), the AdamW
// update, float64-accumulating column sums, and the row updates of the
// word-embedding trainers (GradStep, AdaGradPair, Prefetch). Package
// tensor's CPU backend, its fused attention, and the embed trainers all
// call these kernels; one dispatcher (package cpu: the CPU's features, or
// GOFORMER_CPU=purego|avx2|avx512) picks the set for all of them.
//
// Each kernel has AVX-512 and AVX2+FMA assembly on amd64 (written by the avo
// program in internal/_asm/vec), NEON assembly for the main kernels
// on arm64, and a pure-Go twin used under the purego build tag, on other
// architectures, and when GOFORMER_CPU=purego; [Level] names the set in
// use. Start with [Softmax], [LayerNorm] or [GELU]: the row kernels take a
// matrix as a flat row-major slice and its number of columns.
//
// Accuracy: [Exp] is within 2 ulp of e^x for every float32 (measured: 1
// ulp over all 2^32 inputs on the Go, AVX2 and AVX-512 paths, with
// `go test -tags long`); e^x = 0 below the subnormal range and +Inf above
// ln(MaxFloat32). [Tanh], [GELU] and
// [GELUTanh] are within a few ulp relative, or 1e-7 absolute near zeros of
// the function (the tests state the bounds). Reductions (Dot, Sum, the row
// sums) add in several lanes at once, so their rounding differs from a
// sequential loop by the usual float32 amounts.
//
// Element-wise kernels and row kernels split large inputs across the
// shared worker pool (package parallel); reductions run on the calling
// goroutine. No kernel allocates in steady state. Slice lengths are checked:
// a mismatch panics with a message that names the kernel and the lengths.
package vec

// The assembly is generated: avo writes the amd64 kernels, a small
// program of its own the arm64 ones (see internal/_asm).
//go:generate sh -c "cd ../_asm && go run ./vec -out ../vec/vec_amd64.s -stubs ../vec/vec_amd64_stubs.go -pkg vec"
//go:generate sh -c "cd ../_asm && go run ./neon -vec ../vec/vec_arm64.s"

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"unsafe"

	"github.com/goformer/goformer/internal/cpu"
	"github.com/goformer/goformer/internal/parallel"
)

// impl is the kernel set in use, chosen once from cpu.Active.
var impl = kernelsFor(cpu.Active)

// Level names the kernel set in use: "avx512", "avx2", "neon" or "purego".
func Level() string { return impl.name }

func ptr(s []float32) *float32 { return unsafe.SliceData(s) }

func checkLen(op string, n int, names string, lens ...int) {
	for _, l := range lens {
		if l != n {
			lenPanic(op, n, names, lens)
		}
	}
}

// lenPanic reports a length mismatch. It copies lens so that the variadic
// slice of checkLen does not escape (checkLen must not allocate).
func lenPanic(op string, n int, names string, lens []int) {
	panic(fmt.Sprintf("vec.%s: slices %s have lengths %v, want all %d", op, names, slices.Clone(lens), n))
}

// Dot returns Σ x[i]·y[i].
func Dot(x, y []float32) float32 {
	checkLen("Dot", len(x), "x, y", len(y))
	return impl.dot(ptr(x), ptr(y), len(x))
}

// Sum returns Σ x[i] (0 for an empty slice).
func Sum(x []float32) float32 { return impl.sum(ptr(x), len(x)) }

// Max returns the largest element of x: -Inf for an empty slice, NaN if
// any element is NaN.
func Max(x []float32) float32 { return impl.max(ptr(x), len(x)) }

// ExpShiftSum sets dst[i] = e^(x[i]-shift) and returns Σ dst[i]: the
// exponentials of a softmax row shifted by its maximum. x may hold -Inf
// (giving 0); it runs on the calling goroutine.
func ExpShiftSum(dst, x []float32, shift float32) float32 {
	checkLen("ExpShiftSum", len(x), "dst, x", len(dst))
	if len(x) == 0 {
		return 0
	}
	return impl.expShiftSum(ptr(dst), ptr(x), len(x), shift)
}

// ColSum64 adds the rows of a float32 matrix x of rows rows with a row
// stride of ld elements into float64 accumulators: acc[j] += Σ_r
// x[r·ld + j] for j < len(acc), as exactly as a float64 loop. It runs on
// the calling goroutine.
func ColSum64(acc []float64, x []float32, rows, ld int) {
	n := len(acc)
	if n == 0 || rows == 0 {
		return
	}
	if ld < n || len(x) < (rows-1)*ld+n {
		panic(fmt.Sprintf("vec.ColSum64: %d elements for %d rows of %d with row stride %d", len(x), rows, n, ld))
	}
	if k := n &^ 15; k > 0 {
		impl.colSum64(unsafe.SliceData(acc), ptr(x), k, rows, ld)
	}
	if k := n &^ 15; k < n {
		colSum64Go(&acc[k], &x[k], n-k, rows, ld)
	}
}

// GradStep is the update of one output row in negative sampling and
// hierarchical softmax (word2vec, fastText): e[i] += g·w[i], then
// w[i] += g·h[i], reading w once. h, w and e have one length and do not
// overlap. It runs on the calling goroutine.
func GradStep(g float32, h, w, e []float32) {
	checkLen("GradStep", len(h), "h, w, e", len(w), len(e))
	if len(h) > 0 {
		impl.gradStep(g, ptr(h), ptr(w), ptr(e), len(h))
	}
}

// AdaGradPair is GloVe's AdaGrad step on a word row w1 and a context row
// w2 with their accumulated squared gradients g1 and g2, for a scaled
// error f: t1 = f·w2, t2 = f·w1 (old values), w1 -= t1/√g1,
// w2 -= t2/√g2, g1 += t1², g2 += t2². The four slices have one length and
// do not overlap. It runs on the calling goroutine.
func AdaGradPair(f float32, w1, w2, g1, g2 []float32) {
	checkLen("AdaGradPair", len(w1), "w1, w2, g1, g2", len(w2), len(g1), len(g2))
	if len(w1) > 0 {
		impl.adaGradPair(f, ptr(w1), ptr(w2), ptr(g1), ptr(g2), len(w1))
	}
}

// Prefetch asks the CPU to start loading x into cache, so that a later
// read of a row picked at random does not wait for memory. It is a hint:
// it changes no values, and does nothing with the Go twins.
func Prefetch(x []float32) {
	if len(x) > 0 {
		impl.prefetch(ptr(x), len(x))
	}
}

// Axpy sets y[i] += a·x[i].
func Axpy(a float32, x, y []float32) {
	checkLen("Axpy", len(x), "x, y", len(y))
	impl.axpy(a, ptr(x), ptr(y), len(x))
}

// Element-wise kernels below split inputs of at least these many elements
// across workers, in chunks of at least the same size.
const (
	lightGrain = 1 << 16 // one arithmetic operation per element
	heavyGrain = 1 << 13 // exp, tanh, GELU, AdamW
)

// Scale sets dst[i] = a·x[i]; dst may be x.
func Scale(dst []float32, a float32, x []float32) {
	checkLen("Scale", len(x), "dst, x", len(dst))
	elementwise(opScale, lightGrain, dst, x, nil, a)
}

// AddScalar sets dst[i] = x[i] + a; dst may be x.
func AddScalar(dst []float32, a float32, x []float32) {
	checkLen("AddScalar", len(x), "dst, x", len(dst))
	elementwise(opAddScalar, lightGrain, dst, x, nil, a)
}

// Add sets dst[i] = x[i] + y[i]; dst may be x or y.
func Add(dst, x, y []float32) {
	checkLen("Add", len(x), "dst, x, y", len(dst), len(y))
	elementwise(opAdd, lightGrain, dst, x, y, 0)
}

// Sub sets dst[i] = x[i] - y[i]; dst may be x or y.
func Sub(dst, x, y []float32) {
	checkLen("Sub", len(x), "dst, x, y", len(dst), len(y))
	elementwise(opSub, lightGrain, dst, x, y, 0)
}

// Mul sets dst[i] = x[i]·y[i]; dst may be x or y.
func Mul(dst, x, y []float32) {
	checkLen("Mul", len(x), "dst, x, y", len(dst), len(y))
	elementwise(opMul, lightGrain, dst, x, y, 0)
}

// Exp sets dst[i] = e^x[i], within 2 ulp; dst may be x.
func Exp(dst, x []float32) {
	checkLen("Exp", len(x), "dst, x", len(dst))
	elementwise(opExp, heavyGrain, dst, x, nil, 0)
}

// Tanh sets dst[i] = tanh(x[i]); dst may be x.
func Tanh(dst, x []float32) {
	checkLen("Tanh", len(x), "dst, x", len(dst))
	elementwise(opTanh, heavyGrain, dst, x, nil, 0)
}

// GELU sets dst[i] = x[i]·Φ(x[i]) (the exact, erf-based GELU, as in
// PyTorch's default); dst may be x.
func GELU(dst, x []float32) {
	checkLen("GELU", len(x), "dst, x", len(dst))
	elementwise(opGELU, heavyGrain, dst, x, nil, 0)
}

// GELUTanh sets dst[i] = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), the
// approximation used by GPT-2 (PyTorch's approximate="tanh"); dst may be x.
func GELUTanh(dst, x []float32) {
	checkLen("GELUTanh", len(x), "dst, x", len(dst))
	elementwise(opGELUTanh, heavyGrain, dst, x, nil, 0)
}

// GELUBackward sets dx[i] = dy[i]·GELU'(x[i]); dx may be dy.
func GELUBackward(dx, x, dy []float32) {
	checkLen("GELUBackward", len(x), "dx, x, dy", len(dx), len(dy))
	elementwise(opGELUBackward, heavyGrain, dx, x, dy, 0)
}

// GELUTanhBackward sets dx[i] = dy[i]·GELUTanh'(x[i]); dx may be dy.
func GELUTanhBackward(dx, x, dy []float32) {
	checkLen("GELUTanhBackward", len(x), "dx, x, dy", len(dx), len(dy))
	elementwise(opGELUTanhBackward, heavyGrain, dx, x, dy, 0)
}

// AdamW holds the hyper-parameters of the AdamW update. They are float64,
// like PyTorch's Python floats: the constants derived from them (1-β,
// LR/(1-β1^t), ...) are computed in float64 and rounded once.
type AdamW struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64
}

// Update applies step t (counted from 1) of AdamW, in place, as PyTorch's
// torch.optim.AdamW does:
//
//	p -= LR·WeightDecay·p
//	m = β1·m + (1-β1)·g
//	v = β2·v + (1-β2)·g²
//	p -= LR/(1-β1^t) · m / (√v/√(1-β2^t) + Eps)
func (h AdamW) Update(t int, p, g, m, v []float32) {
	checkLen("AdamW.Update", len(p), "p, g, m, v", len(g), len(m), len(v))
	if t < 1 {
		panic(fmt.Sprintf("vec.AdamW.Update: step %d, want ≥ 1", t))
	}
	bc1 := 1 - math.Pow(h.Beta1, float64(t))
	bc2 := 1 - math.Pow(h.Beta2, float64(t))
	hp := [8]float32{
		float32(h.LR * h.WeightDecay), float32(h.Beta1), float32(1 - h.Beta1), float32(h.Beta2), float32(1 - h.Beta2),
		float32(h.LR / bc1), float32(1 / math.Sqrt(bc2)), float32(h.Eps),
	}
	tk := getTask()
	tk.op, tk.dst, tk.x, tk.y, tk.z, tk.h = opAdamW, p, g, m, v, hp
	parallel.ForRange(len(p), heavyGrain, tk)
	putTask(tk)
}

// rowsOf returns the number of rows of a flat matrix with cols columns,
// panicking when the length is not a multiple of cols.
func rowsOf(op string, n, cols int) int {
	if cols <= 0 {
		if n == 0 && cols == 0 {
			return 0
		}
		panic(fmt.Sprintf("vec.%s: %d columns", op, cols))
	}
	if n%cols != 0 {
		panic(fmt.Sprintf("vec.%s: %d elements are not rows of %d columns", op, n, cols))
	}
	return n / cols
}

// rowGrain is the number of rows per chunk so that a chunk holds at least
// about 16K elements.
func rowGrain(cols int) int { return max(1, (1<<14)/max(cols, 1)) }

// Softmax sets each row of dst (rows of cols elements) to the softmax of
// the same row of x: exp(x - max)/Σ exp(x - max). A row of -Inf gives NaNs,
// as in PyTorch. dst may be x.
func Softmax(dst, x []float32, cols int) {
	checkLen("Softmax", len(x), "dst, x", len(dst))
	rows := rowsOf("Softmax", len(x), cols)
	rowwise(opSoftmax, rows, cols, dst, x, nil)
}

// LogSoftmax sets each row of dst to the log-softmax of the same row of x:
// x - max - log Σ exp(x - max). dst must not overlap x.
func LogSoftmax(dst, x []float32, cols int) {
	checkLen("LogSoftmax", len(x), "dst, x", len(dst))
	rows := rowsOf("LogSoftmax", len(x), cols)
	if rows > 0 && &dst[0] == &x[0] {
		panic("vec.LogSoftmax: dst and x are the same slice")
	}
	rowwise(opLogSoftmax, rows, cols, dst, x, nil)
}

// SoftmaxBackward sets dx = y·(dy - Σ y·dy) row by row, the gradient of
// softmax given its output y. dx may be dy.
func SoftmaxBackward(dx, y, dy []float32, cols int) {
	checkLen("SoftmaxBackward", len(y), "dx, y, dy", len(dx), len(dy))
	rows := rowsOf("SoftmaxBackward", len(y), cols)
	rowwise(opSoftmaxBackward, rows, cols, dx, y, dy)
}

// ones and zeros stand in for a missing gamma or beta.
var (
	constMu      sync.Mutex
	ones, zeroes []float32
)

func constRow(cols int, one bool) []float32 {
	constMu.Lock()
	defer constMu.Unlock()
	if len(ones) < cols {
		n := max(cols, 2*len(ones))
		ones, zeroes = make([]float32, n), make([]float32, n)
		for i := range ones {
			ones[i] = 1
		}
	}
	if one {
		return ones[:cols]
	}
	return zeroes[:cols]
}

// LayerNorm normalises each row of x (rows of cols elements):
// dst = (x - mean)/√(var + eps)·gamma + beta, with the biased variance, as
// torch.nn.LayerNorm. gamma and beta have cols elements, or are nil for 1
// and 0. The mean and 1/√(var+eps) of each row are written to mean and
// rstd (one element per row) when they are not nil, for LayerNormBackward.
// dst may be x.
func LayerNorm(dst, x, gamma, beta []float32, cols int, eps float32, mean, rstd []float32) {
	checkLen("LayerNorm", len(x), "dst, x", len(dst))
	rows := rowsOf("LayerNorm", len(x), cols)
	if gamma == nil {
		gamma = constRow(cols, true)
	}
	if beta == nil {
		beta = constRow(cols, false)
	}
	checkLen("LayerNorm", cols, "gamma, beta", len(gamma), len(beta))
	if mean != nil || rstd != nil {
		checkLen("LayerNorm", rows, "mean, rstd", len(mean), len(rstd))
	}
	tk := getTask()
	tk.op, tk.cols, tk.dst, tk.x, tk.y, tk.z, tk.mean, tk.rstd = opLayerNorm, cols, dst, x, gamma, beta, mean, rstd
	tk.a = eps
	parallel.ForRange(rows, rowGrain(cols), tk)
	putTask(tk)
}

// lnChunks is the number of fixed row chunks whose partial sums of the
// parameter gradients are added in order, so that dgamma and dbeta do not
// depend on the number of workers.
const lnChunks = 16

// LayerNormBackward computes the gradients of LayerNorm given the output
// gradient dy, the input x, gamma (nil for 1) and the mean and rstd saved
// by the forward pass: it sets dx, and sets dgamma and dbeta (cols
// elements each; either may be nil when not wanted) to Σ over rows of
// dy·xhat and dy. dx may be dy.
func LayerNormBackward(dx, dgamma, dbeta, dy, x, gamma, mean, rstd []float32, cols int) {
	checkLen("LayerNormBackward", len(x), "dx, dy, x", len(dx), len(dy))
	rows := rowsOf("LayerNormBackward", len(x), cols)
	checkLen("LayerNormBackward", rows, "mean, rstd", len(mean), len(rstd))
	if gamma == nil {
		gamma = constRow(cols, true)
	}
	checkLen("LayerNormBackward", cols, "gamma", len(gamma))
	if dgamma != nil {
		checkLen("LayerNormBackward", cols, "dgamma", len(dgamma))
	}
	if dbeta != nil {
		checkLen("LayerNormBackward", cols, "dbeta", len(dbeta))
	}
	chunks := min(rows, lnChunks)
	tk := getTask()
	tk.op, tk.cols, tk.dst, tk.x, tk.y, tk.z, tk.mean, tk.rstd = opLayerNormBackward, cols, dx, dy, x, gamma, mean, rstd
	tk.rows, tk.chunks = rows, chunks
	tk.partial = tk.partialBuf.grow(2 * chunks * cols)
	clear(tk.partial)
	parallel.ForRange(chunks, 1, tk)
	// Add the partial sums in chunk order.
	for _, out := range []struct {
		dst []float32
		off int
	}{{dgamma, 0}, {dbeta, chunks * cols}} {
		if out.dst == nil {
			continue
		}
		if chunks == 0 {
			clear(out.dst)
			continue
		}
		copy(out.dst, tk.partial[out.off:out.off+cols])
		for c := 1; c < chunks; c++ {
			p := tk.partial[out.off+c*cols : out.off+(c+1)*cols]
			impl.add(ptr(out.dst), ptr(out.dst), ptr(p), cols)
		}
	}
	putTask(tk)
}
