package attention

import (
	"fmt"

	"github.com/goformer/goformer/tensor"
)

// Cache holds the keys and values of the tokens an attention layer has
// already seen, so that incremental decoding computes each token's
// projections once: each step appends the new tokens' keys and values and
// attends over everything held. Use one Cache per layer (and per
// sequence batch); Len tells the position of the next token.
//
// For cross-attention the cache holds the projected memory after the
// first call, which later calls reuse without projecting again.
//
// The cache grows its buffers geometrically, so appending one token costs
// a copy of that token only. Tensors that require gradients are
// concatenated instead (differentiable, quadratic): caches are meant for
// inference.
type Cache struct {
	k, v *tensor.Tensor // [B, Hk, capacity, D]
	n    int
	grad bool // the held tensors are part of a graph (concatenated)
}

// Len returns the number of tokens held.
func (c *Cache) Len() int { return c.n }

// Reset empties the cache, keeping its buffers for reuse.
func (c *Cache) Reset() {
	c.n = 0
	if c.grad {
		c.k, c.v, c.grad = nil, nil, false
	}
}

// Append adds keys and values [B, Hk, T, D] and returns all held keys and
// values [B, Hk, Len, D]. The returned views are valid until the next
// Append or Reset.
func (c *Cache) Append(k, v *tensor.Tensor) (keys, values *tensor.Tensor) {
	if k.Rank() != 4 || v.Rank() != 4 || k.Dim(0) != v.Dim(0) || k.Dim(1) != v.Dim(1) || k.Dim(2) != v.Dim(2) {
		panic(fmt.Sprintf("attention: Cache.Append: keys %v and values %v must be [B, Hk, T, D] with equal B, Hk, T", k.Shape(), v.Shape()))
	}
	t := k.Dim(2)
	if c.n > 0 {
		ks, vs := c.k.Shape(), c.v.Shape()
		if ks[0] != k.Dim(0) || ks[1] != k.Dim(1) || ks[3] != k.Dim(3) || vs[3] != v.Dim(3) || c.k.DType() != k.DType() || c.k.Device() != k.Device() {
			panic(fmt.Sprintf("attention: Cache.Append: keys %v, values %v (%s on %v) do not continue the cache of keys %v, values %v (%s on %v)",
				k.Shape(), v.Shape(), k.DType(), k.Device(), ks, vs, c.k.DType(), c.k.Device()))
		}
	}
	if k.RequiresGrad() || v.RequiresGrad() || c.grad {
		if c.n == 0 {
			c.k, c.v = k, v
		} else {
			pk, pv := c.k, c.v
			if !c.grad {
				pk, pv = c.held(), c.heldV()
			}
			c.k, c.v = tensor.Concat(2, pk, k), tensor.Concat(2, pv, v)
		}
		c.n += t
		c.grad = true
		return c.k, c.v
	}
	if c.k == nil || c.n+t > c.k.Dim(2) || c.n == 0 && !sameBatch(c.k, k) {
		capa := max(2*(c.n+t), 16)
		nk := tensor.Empty(k.Device(), k.DType(), k.Dim(0), k.Dim(1), capa, k.Dim(3))
		nv := tensor.Empty(v.Device(), v.DType(), v.Dim(0), v.Dim(1), capa, v.Dim(3))
		if c.n > 0 {
			nk.Narrow(2, 0, c.n).CopyFrom(c.k.Narrow(2, 0, c.n))
			nv.Narrow(2, 0, c.n).CopyFrom(c.v.Narrow(2, 0, c.n))
		}
		c.k, c.v = nk, nv
	}
	c.k.Narrow(2, c.n, t).CopyFrom(k)
	c.v.Narrow(2, c.n, t).CopyFrom(v)
	c.n += t
	return c.k.Narrow(2, 0, c.n), c.v.Narrow(2, 0, c.n)
}

func (c *Cache) held() *tensor.Tensor  { return c.k.Narrow(2, 0, c.n) }
func (c *Cache) heldV() *tensor.Tensor { return c.v.Narrow(2, 0, c.n) }

// sameBatch reports whether buffer b can hold tokens shaped like k.
func sameBatch(b, k *tensor.Tensor) bool {
	return b.Dim(0) == k.Dim(0) && b.Dim(1) == k.Dim(1) && b.Dim(3) == k.Dim(3) && b.DType() == k.DType() && b.Device() == k.Device()
}

// Get returns all held keys and values [B, Hk, Len, D] (nil when empty).
func (c *Cache) Get() (keys, values *tensor.Tensor) {
	if c.n == 0 {
		return nil, nil
	}
	if c.grad {
		return c.k, c.v
	}
	return c.held(), c.heldV()
}

// Reorder keeps, for each new batch position i, the cached keys and values
// of sequence index[i] of the old batch: beam search calls it after each
// step with the beams it keeps (indices may repeat, to fork a beam, and
// the batch may grow or shrink). index is a 1-D Int32 tensor.
func (c *Cache) Reorder(index *tensor.Tensor) {
	if index.Rank() != 1 || index.DType() != tensor.Int32 {
		panic(fmt.Sprintf("attention: Cache.Reorder: index must be a 1-D int32 tensor, not %s %v", index.DType(), index.Shape()))
	}
	if c.k == nil {
		return
	}
	if index.Device() != c.k.Device() {
		index = index.To(c.k.Device())
	}
	c.k, c.v = c.k.IndexSelect(0, index), c.v.IndexSelect(0, index)
}
