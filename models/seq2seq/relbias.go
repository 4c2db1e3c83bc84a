package seq2seq

import (
	"fmt"
	"math"

	"github.com/goformer/goformer/tensor"
)

// RelativeBias is T5's relative position bias: a learned scalar per head
// for each bucket of relative positions (key position − query position),
// added to the attention scores of every layer of a stack (through
// attention.Mask.Bias).
type RelativeBias struct {
	// Weight is [buckets, heads] (Hugging Face's
	// relative_attention_bias.weight).
	Weight *tensor.Tensor
	// Bidirectional buckets keys before and after the query separately
	// (the encoder); otherwise keys after the query share bucket 0 (the
	// decoder, where they are masked anyway).
	Bidirectional bool `nn:"-"`
	// MaxDistance is the distance from which all positions share the
	// last bucket.
	MaxDistance int `nn:"-"`
}

func newRelativeBias(c T5Config, bidirectional bool) *RelativeBias {
	return &RelativeBias{
		Weight:        tensor.Zeros(c.NumBuckets, c.NumHeads).SetRequiresGrad(true),
		Bidirectional: bidirectional, MaxDistance: c.MaxDistance,
	}
}

// Forward returns the bias [1, heads, tq, tk] of queries at positions
// qStart, ..., qStart+tq-1 over keys at positions 0, ..., tk-1, in dtype
// on dev (the bias is differentiable with respect to Weight).
func (r *RelativeBias) Forward(qStart, tq, tk int, dtype tensor.DType, dev tensor.Device) *tensor.Tensor {
	nb := r.Weight.Dim(0)
	buckets := make([]int32, tq*tk)
	for i := range tq {
		for j := range tk {
			buckets[i*tk+j] = int32(RelativePositionBucket(j-(qStart+i), r.Bidirectional, nb, r.MaxDistance))
		}
	}
	ids := tensor.FromSlice(buckets, tq, tk).To(r.Weight.Device())
	w := r.Weight
	if w.DType() != dtype {
		w = w.As(dtype)
	}
	v := tensor.Embedding(w, ids) // [tq, tk, heads]
	v = v.Permute(2, 0, 1).Unsqueeze(0)
	if v.Device() != dev {
		v = v.To(dev)
	}
	return v
}

// RelativePositionBucket returns T5's bucket of a relative position
// (key position − query position), as Hugging Face's
// _relative_position_bucket: half the buckets (all of them when causal)
// hold the exact distances 0 … n/2−1, the others distances growing
// logarithmically up to maxDistance, beyond which every distance shares
// the last bucket. Bidirectional buckets split the buckets between keys
// before and after the query; causal ones put every key after the query
// in bucket 0. The logarithm is computed in float32, as PyTorch computes
// it, so that distances on a bucket boundary fall as in the reference.
func RelativePositionBucket(rel int, bidirectional bool, numBuckets, maxDistance int) int {
	bucket := 0
	n := numBuckets
	if bidirectional {
		n /= 2
		if rel > 0 {
			bucket += n
		}
		if rel < 0 {
			rel = -rel
		}
	} else {
		rel = -min(rel, 0)
	}
	maxExact := n / 2
	if maxExact == 0 || maxDistance <= maxExact {
		panic(fmt.Sprintf("seq2seq: RelativePositionBucket: %d buckets (bidirectional %v) and max distance %d leave no logarithmic buckets", numBuckets, bidirectional, maxDistance))
	}
	if rel < maxExact {
		return bucket + rel
	}
	// max_exact + (log(rel / max_exact) / log(max_distance / max_exact) *
	// (n - max_exact)).long(), in float32.
	l := float32(math.Log(float64(float32(rel) / float32(maxExact))))
	scale := float32(math.Log(float64(maxDistance) / float64(maxExact)))
	v := float32(l/scale) * float32(n-maxExact)
	large := maxExact + int(v)
	return bucket + min(large, n-1)
}
