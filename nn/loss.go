package nn

import (
	"fmt"

	"github.com/goformer/goformer/tensor"
)

// CrossEntropy is the classification loss between logits [..., C] and
// Int32 class targets [...]: tensor.CrossEntropy, gathered here with the
// other losses. Its options set the ignored target (tensor.IgnoreIndex,
// -100 by default), label smoothing (tensor.LabelSmoothing) and the
// reduction (tensor.Reduction, the mean by default), with PyTorch's
// semantics; note that classes are in the last dimension, not in
// dimension 1 as in F.cross_entropy.
func CrossEntropy(logits, targets *tensor.Tensor, opts ...tensor.CrossEntropyOption) *tensor.Tensor {
	return tensor.CrossEntropy(logits, targets, opts...)
}

// reduce combines per-element losses.
func reduce(op string, l *tensor.Tensor, r tensor.LossReduction) *tensor.Tensor {
	switch r {
	case tensor.ReductionMean:
		return l.Mean()
	case tensor.ReductionSum:
		return l.Sum()
	case tensor.ReductionNone:
		return l
	}
	panic(fmt.Sprintf("nn: %s: unknown reduction %d", op, r))
}

func checkSame(op string, a, b *tensor.Tensor) {
	if !a.SameShape(b) {
		panic(fmt.Sprintf("nn: %s: prediction shape %v and target shape %v differ", op, a.Shape(), b.Shape()))
	}
}

// MSE is the mean squared error (pred - target)², reduced by r, as
// PyTorch's F.mse_loss. The shapes must be equal.
func MSE(pred, target *tensor.Tensor, r tensor.LossReduction) *tensor.Tensor {
	checkSame("MSE", pred, target)
	return reduce("MSE", pred.Sub(target).Square(), r)
}

// BCEOptions configures BCEWithLogits.
type BCEOptions struct {
	// Reduction combines the element losses (the mean by default).
	Reduction tensor.LossReduction
	// Weight, when set, scales each element's loss (broadcast to the
	// logits' shape).
	Weight *tensor.Tensor
	// PosWeight, when set, weights the positive term of each class
	// (broadcast over the last dimension), as PyTorch's pos_weight.
	PosWeight *tensor.Tensor
}

// BCEWithLogits is the binary cross-entropy between sigmoid(logits) and
// targets in [0, 1] of the same shape, computed stably from the logits as
// PyTorch's F.binary_cross_entropy_with_logits:
//
//	ℓ = (1-y)·x + (1+(pw-1)·y)·(log(1+e^-|x|) + max(-x, 0))
//
// with pw the positive weight (1 without one).
func BCEWithLogits(logits, targets *tensor.Tensor, o BCEOptions) *tensor.Tensor {
	checkSame("BCEWithLogits", logits, targets)
	// softplus(-x) = log(1+e^-x) = log(1+e^-|x|) + max(-x, 0), stable for
	// either sign of x.
	sp := logits.Abs().Neg().Exp().AddScalar(1).Log().Add(logits.Neg().ReLU())
	var l *tensor.Tensor
	if o.PosWeight != nil {
		lw := o.PosWeight.AddScalar(-1).Mul(targets).AddScalar(1)
		l = targets.Neg().AddScalar(1).Mul(logits).Add(lw.Mul(sp))
	} else {
		l = targets.Neg().AddScalar(1).Mul(logits).Add(sp)
	}
	if o.Weight != nil {
		l = l.Mul(o.Weight)
	}
	return reduce("BCEWithLogits", l, o.Reduction)
}
