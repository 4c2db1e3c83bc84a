package tensor

import (
	"fmt"
	"math"

	"github.com/goformer/goformer/internal/parallel"
	"github.com/goformer/goformer/internal/vec"
)

// LossReduction says how a loss combines the losses of its rows.
type LossReduction uint8

// The reductions of a loss.
const (
	ReductionMean LossReduction = iota // mean over the rows that count (PyTorch's default)
	ReductionSum                       // sum over rows
	ReductionNone                      // one loss per row
)

type crossEntropyConfig struct {
	ignore    int
	smoothing float64
	reduction LossReduction
}

// A CrossEntropyOption configures CrossEntropy.
type CrossEntropyOption func(*crossEntropyConfig)

// IgnoreIndex sets the target value whose rows contribute neither loss nor
// gradient and are not counted by the mean (default -100, as PyTorch).
func IgnoreIndex(i int) CrossEntropyOption { return func(c *crossEntropyConfig) { c.ignore = i } }

// LabelSmoothing mixes the one-hot target with the uniform distribution
// over classes with weight eps in [0, 1] (default 0).
func LabelSmoothing(eps float64) CrossEntropyOption {
	if eps < 0 || eps > 1 {
		panic(fmt.Sprintf("tensor: LabelSmoothing: %v not in [0, 1]", eps))
	}
	return func(c *crossEntropyConfig) { c.smoothing = eps }
}

// Reduction sets how row losses combine (default ReductionMean).
func Reduction(r LossReduction) CrossEntropyOption {
	return func(c *crossEntropyConfig) { c.reduction = r }
}

// CrossEntropy returns the cross-entropy between logits [..., C] (classes
// in the last dimension) and Int32 class targets of shape [...], fused with
// log-softmax as PyTorch's F.cross_entropy (which takes classes in
// dimension 1 instead). By default the result is the mean over rows whose
// target is not the ignore index; a mean over no rows is NaN, as in
// PyTorch. Targets outside [0, C) other than the ignore index panic on the
// CPU.
func CrossEntropy(logits, targets *Tensor, opts ...CrossEntropyOption) *Tensor {
	cfg := crossEntropyConfig{ignore: -100}
	for _, o := range opts {
		o(&cfg)
	}
	checkNotNil("CrossEntropy", logits, targets)
	checkSameDevice2("CrossEntropy", logits, targets)
	checkFloat("CrossEntropy", logits)
	if targets.dtype != Int32 {
		panic(fmt.Sprintf("tensor: CrossEntropy: targets have dtype %s, want int32", targets.dtype))
	}
	r := len(logits.shape)
	if r == 0 || !equalShapes(targets.shape, logits.shape[:r-1]) {
		panic(fmt.Sprintf("tensor: CrossEntropy: logits %v and targets %v: targets must have the logits' shape without the class dimension", logits.shape, targets.shape))
	}
	c := logits.shape[r-1]
	n := numel(targets.shape)
	x2 := logits.reshapeRaw([]int{n, c})
	t1 := targets.reshapeRaw([]int{n})
	p := CrossEntropyParams{IgnoreIndex: cfg.ignore, LabelSmoothing: cfg.smoothing}
	if out, ok := crossEntropyFused(logits, targets, x2, t1, n, c, cfg, p); ok {
		return out
	}
	be := logits.backend()
	rows := newLike(logits, logits.dtype, []int{n})
	lse := newLike(logits, logits.dtype, []int{n})
	be.CrossEntropy(rows.view(), lse.view(), x2.view(), t1.view(), p)

	var out, count *Tensor
	switch cfg.reduction {
	case ReductionNone:
		out = rows.reshapeRaw(targets.shape)
	case ReductionSum:
		out = rawReduce(ReduceSum, rows, nil, 0)
		rows.release()
	case ReductionMean:
		ignore := scalarLike(t1, float64(cfg.ignore))
		valid := rawBinary(OpNe, t1, ignore)
		cnt := rawReduce(ReduceSum, valid, nil, 0)
		count = newLike(logits, logits.dtype, nil)
		be.Cast(count.view(), cnt.view())
		sum := rawReduce(ReduceSum, rows, nil, 0)
		out = rawBinary(OpDiv, sum, count)
		for _, t := range []*Tensor{ignore, valid, cnt, sum, rows} {
			t.release()
		}
	default:
		panic(fmt.Sprintf("tensor: CrossEntropy: unknown reduction %d", cfg.reduction))
	}
	if !logits.needsGrad() {
		lse.release()
		if count != nil {
			count.release()
		}
	}
	if logits.needsGrad() {
		record(out, "CrossEntropy", func(g *Tensor) []*Tensor {
			var dl View
			var scaled *Tensor
			switch cfg.reduction {
			case ReductionNone:
				dl = g.reshapeRaw([]int{n}).view()
			case ReductionSum:
				dl = g.expandedView([]int{n})
			case ReductionMean:
				scaled = rawBinary(OpDiv, g, count)
				dl = scaled.expandedView([]int{n})
			}
			dx := newLike(g, g.dtype, []int{n, c})
			g.backend().CrossEntropyGrad(dx.view(), x2.view(), t1.view(), lse.view(), dl, p)
			scaled.release()
			return []*Tensor{dx.reshapeRaw(logits.shape), nil}
		}, logits, targets)
		out.node.scratch = []*Tensor{lse}
		if count != nil {
			out.node.scratch = append(out.node.scratch, count)
		}
	}
	return out
}

// crossEntropyFused computes the cross-entropy of dense float32 CPU logits
// [n, c] with the vector kernels, and, when the logits need a gradient,
// their gradient in the same pass over each row, while the row is in
// cache: softmax - q, scaled for an upstream gradient of 1 (divided by the
// count of rows that count for the mean). The backward pass then returns
// that buffer as it is when its upstream gradient is 1 (a loss's
// Backward), or scales it once. It reports false where it does not apply.
func crossEntropyFused(logits, tgt, x2, t1 *Tensor, n, c int, cfg crossEntropyConfig, p CrossEntropyParams) (*Tensor, bool) {
	if logits.backend() != cpuBackend || logits.dtype != Float32 || c == 0 {
		return nil, false
	}
	xs, ok := dense32(x2.view())
	if !ok {
		return nil, false
	}
	ts := targets("CrossEntropy", t1.view(), n, c, p.IgnoreIndex)
	count := 0
	for _, t := range ts {
		if int(t) != p.IgnoreIndex {
			count++
		}
	}
	grad := logits.needsGrad()
	scale := 1.0 // the gradient of each row's loss under the reduction
	if cfg.reduction == ReductionMean {
		scale = 1 / float64(count)
	}
	var dx *Tensor
	var ds []float32
	if grad {
		dx = newLike2(logits, tgt, Float32, []int{n, c})
		ds, _ = dense32(dx.view())
	}
	rows := make([]float64, n)
	ceRows32(xs, ts, ds, rows, c, p, scale)
	var out *Tensor
	switch cfg.reduction {
	case ReductionNone:
		out = newLike2(logits, tgt, Float32, tgt.shape)
		dst := f32s(out.view())[out.offset:][:n]
		for i, v := range rows {
			dst[i] = float32(v)
		}
	default:
		var total float64
		for _, v := range rows {
			total += v
		}
		if cfg.reduction == ReductionMean {
			total /= float64(count) // NaN over no rows, as PyTorch
		}
		out = newLike2(logits, tgt, Float32, nil)
		f32s(out.view())[out.offset] = float32(total)
	}
	if !grad {
		return out, true
	}
	reduction := cfg.reduction
	record(out, "CrossEntropy", func(g *Tensor) []*Tensor {
		// dx holds the gradient for an upstream gradient of 1 per loss.
		// The first backward pass takes it; another (after RetainGraph)
		// computes it again.
		d := dx
		if d == nil {
			d = newLike(g, Float32, []int{n, c})
			dd, _ := dense32(d.view())
			ceRows32(xs, ts, dd, make([]float64, n), c, p, scale)
		}
		dx = nil
		dd, _ := dense32(d.view())
		gs := g.Float32s()
		if reduction != ReductionNone {
			if gs[0] != 1 {
				vec.Scale(dd, gs[0], dd)
			}
		} else {
			parallel.For(n, max(1, (1<<14)/c), func(lo, hi int) {
				for i := lo; i < hi; i++ {
					if gs[i] != 1 {
						r := dd[i*c : (i+1)*c]
						vec.Scale(r, gs[i], r)
					}
				}
			})
		}
		return []*Tensor{d.reshapeRaw(logits.shape), nil}
	}, logits, tgt)
	return out, true
}

// ceRows32 sets rows[i] to the cross-entropy of row i of the logits xs
// [n, c] and, when ds is not nil, ds's row i to its gradient for an
// upstream gradient of scale: scale·(softmax - q). Rows whose target is
// the ignore index get loss 0 and gradient 0.
func ceRows32(xs []float32, ts []int32, ds []float32, rows []float64, c int, p CrossEntropyParams, scale float64) {
	n := len(rows)
	eps := p.LabelSmoothing
	grad := ds != nil
	parallel.For(n, max(1, (1<<14)/c), func(lo, hi int) {
		var tmp []float32
		if !grad {
			tmp = make([]float32, c)
		}
		for i := lo; i < hi; i++ {
			x := xs[i*c : (i+1)*c]
			t := int(ts[i])
			e := tmp
			if grad {
				e = ds[i*c : (i+1)*c]
			}
			if t == p.IgnoreIndex {
				if grad {
					clear(e)
				}
				continue
			}
			m := vec.Max(x)
			sum := float64(vec.ExpShiftSum(e, x, m))
			lse := float64(m) + math.Log(sum)
			loss := (1 - eps) * (lse - float64(x[t]))
			if eps != 0 {
				loss += eps * (lse - float64(vec.Sum(x))/float64(c))
			}
			rows[i] = loss
			if grad {
				vec.Scale(e, float32(scale/sum), e)
				if eps != 0 {
					vec.AddScalar(e, -float32(scale*eps/float64(c)), e)
				}
				e[t] -= float32(scale * (1 - eps))
			}
		}
	})
}
