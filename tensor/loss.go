package tensor

import "fmt"

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
	case ReductionMean:
		valid := rawBinary(OpNe, t1, scalarLike(t1, float64(cfg.ignore)))
		cnt := rawReduce(ReduceSum, valid, nil, 0)
		count = newLike(logits, logits.dtype, nil)
		be.Cast(count.view(), cnt.view())
		out = rawBinary(OpDiv, rawReduce(ReduceSum, rows, nil, 0), count)
	default:
		panic(fmt.Sprintf("tensor: CrossEntropy: unknown reduction %d", cfg.reduction))
	}
	if logits.needsGrad() {
		record(out, "CrossEntropy", func(g *Tensor) []*Tensor {
			var dl View
			switch cfg.reduction {
			case ReductionNone:
				dl = g.reshapeRaw([]int{n}).view()
			case ReductionSum:
				dl = g.expandedView([]int{n})
			case ReductionMean:
				dl = rawBinary(OpDiv, g, count).expandedView([]int{n})
			}
			dx := newLike(g, g.dtype, []int{n, c})
			g.backend().CrossEntropyGrad(dx.view(), x2.view(), t1.view(), lse.view(), dl, p)
			return []*Tensor{dx.reshapeRaw(logits.shape), nil}
		}, logits, targets)
	}
	return out
}
