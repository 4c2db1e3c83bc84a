// Command mlp trains a small multi-layer perceptron with goformer's
// autograd on a toy task — telling apart the three arms of a spiral in the
// plane — and prints the loss as it falls.
//
// Usage:
//
//	go run ./examples/mlp [-steps 600] [-hidden 64] [-lr 0.01] [-seed 1]
//
// The network is Linear → LayerNorm → GELU → Linear → GELU → Linear,
// trained on the whole data set at each step with cross-entropy and
// AdamW. Everything is seeded: two runs print the same numbers.
package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"github.com/goformer/goformer/tensor"
)

type config struct {
	steps, hidden, points, every int
	lr                           float64
	seed                         uint64
}

func main() {
	var c config
	flag.IntVar(&c.steps, "steps", 600, "training steps")
	flag.IntVar(&c.hidden, "hidden", 64, "width of the hidden layers")
	flag.IntVar(&c.points, "points", 200, "points per spiral arm")
	flag.IntVar(&c.every, "every", 50, "print the loss every this many steps")
	flag.Float64Var(&c.lr, "lr", 0.01, "AdamW learning rate")
	flag.Uint64Var(&c.seed, "seed", 1, "random seed for data and weights")
	flag.Parse()
	if _, err := train(os.Stdout, c); err != nil {
		fmt.Fprintln(os.Stderr, "mlp:", err)
		os.Exit(1)
	}
}

// spiral returns points [3n, 2] on three interleaved spiral arms with a
// little noise, and their arm (class) as targets [3n].
func spiral(rng *rand.Rand, n int) (*tensor.Tensor, *tensor.Tensor) {
	xs := make([]float32, 0, 6*n)
	ys := make([]int32, 0, 3*n)
	for class := range 3 {
		for i := range n {
			r := float64(i) / float64(n)
			theta := 3*math.Pi*r + float64(class)*2*math.Pi/3 + 0.25*rng.NormFloat64()
			xs = append(xs, float32(r*math.Sin(theta)), float32(r*math.Cos(theta)))
			ys = append(ys, int32(class))
		}
	}
	return tensor.FromSlice(xs, 3*n, 2), tensor.FromSlice(ys)
}

// param is a weight with its AdamW moments.
type param struct {
	w, m, v *tensor.Tensor
}

func newParam(w *tensor.Tensor) *param {
	return &param{w: w.SetRequiresGrad(true), m: tensor.ZerosLike(w), v: tensor.ZerosLike(w)}
}

// linear returns a weight [in, out] with PyTorch's default initialisation
// scale (uniform in ±1/√in) and a zero bias.
func linear(rng *rand.Rand, in, out int) (*param, *param) {
	w := tensor.Rand(rng, in, out).Affine(2/math.Sqrt(float64(in)), -1/math.Sqrt(float64(in)))
	return newParam(w), newParam(tensor.Zeros(out))
}

type result struct {
	first, last, accuracy float64
}

func train(out io.Writer, c config) (result, error) {
	if c.steps < 1 || c.hidden < 1 || c.points < 1 || c.lr <= 0 {
		return result{}, fmt.Errorf("steps, hidden, points and lr must be positive")
	}
	if c.every < 1 {
		c.every = c.steps
	}
	rng := rand.New(rand.NewPCG(c.seed, 0x5eed))
	x, y := spiral(rng, c.points)
	w1, b1 := linear(rng, 2, c.hidden)
	ln := newParam(tensor.Ones(c.hidden))
	w2, b2 := linear(rng, c.hidden, c.hidden)
	w3, b3 := linear(rng, c.hidden, 3)
	params := []*param{w1, b1, ln, w2, b2, w3, b3}

	forward := func() *tensor.Tensor {
		h := tensor.LayerNorm(x.MatMul(w1.w).Add(b1.w), ln.w, nil, 1e-5).GELU()
		h = h.MatMul(w2.w).Add(b2.w).GELU()
		return h.MatMul(w3.w).Add(b3.w)
	}
	fmt.Fprintf(out, "training a %d-%d-%d-3 perceptron on %d spiral points with AdamW (lr %g)\n", 2, c.hidden, c.hidden, 3*c.points, c.lr)
	start := time.Now()
	var res result
	for step := 1; step <= c.steps; step++ {
		logits := forward()
		loss := tensor.CrossEntropy(logits, y)
		for _, p := range params {
			p.w.ZeroGrad()
		}
		loss.Backward()
		for _, p := range params {
			tensor.AdamWStep(p.w, p.w.Grad(), p.m, p.v, tensor.AdamWParams{
				LR: c.lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-4, Step: step,
			})
		}
		l := loss.Item()
		if step == 1 {
			res.first = l
		}
		res.last = l
		if math.IsNaN(l) || math.IsInf(l, 0) {
			return res, fmt.Errorf("step %d: loss is %v", step, l)
		}
		if step == 1 || step%c.every == 0 || step == c.steps {
			res.accuracy = accuracy(logits, y)
			fmt.Fprintf(out, "step %4d  loss %.4f  accuracy %5.1f%%  %6.2fs\n", step, l, 100*res.accuracy, time.Since(start).Seconds())
		}
	}
	final := tensor.CrossEntropy(forward(), y).Item()
	fmt.Fprintf(out, "loss fell from %.4f to %.4f (%.0f× lower) in %.1fs\n", res.first, final, res.first/final, time.Since(start).Seconds())
	res.last = final
	return res, nil
}

// accuracy returns the fraction of rows whose largest logit is the target.
func accuracy(logits, y *tensor.Tensor) float64 {
	pred, want := logits.ArgMax(1).Int32s(), y.Int32s()
	right := 0
	for i := range want {
		if pred[i] == want[i] {
			right++
		}
	}
	return float64(right) / float64(len(want))
}
