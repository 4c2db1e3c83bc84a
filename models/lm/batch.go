package lm

import (
	"fmt"

	"github.com/goformer/goformer/attention"
	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/transformer"
)

// This file holds what continuous batching needs of the KV cache beside
// Reorder (which drops and repeats rows): joining sequences decoded
// separately into one batch, and dropping the padding columns no row
// needs any more.

// Concat returns a new cache holding the rows of caches in order, each
// left-padded with zero keys and values to the longest one's length: a
// server adds a newly prefilled sequence to a running batch this way.
// The batch's attention mask must mark the padding (0) so that no query
// sees it; with it, each row continues exactly as it would alone. The
// caches must come from NewCache and hold at least one position each,
// with the same layers, heads, head size, dtype and device; they are left
// unchanged.
func Concat(caches ...generate.Cache) generate.Cache {
	if len(caches) == 0 {
		panic("lm: Concat: no caches")
	}
	cs := make([]*transformer.Cache, len(caches))
	width := 0
	for i, c := range caches {
		cs[i] = decoderCache("Concat", c)
		if cs[i].Len() == 0 {
			panic(fmt.Sprintf("lm: Concat: cache %d is empty", i))
		}
		if len(cs[i].Layers) != len(cs[0].Layers) {
			panic(fmt.Sprintf("lm: Concat: cache %d has %d layers, cache 0 has %d", i, len(cs[i].Layers), len(cs[0].Layers)))
		}
		width = max(width, cs[i].Len())
	}
	out := &transformer.Cache{Layers: make([]transformer.LayerCache, len(cs[0].Layers))}
	for l := range out.Layers {
		ks := make([]*tensor.Tensor, len(cs))
		vs := make([]*tensor.Tensor, len(cs))
		for i, c := range cs {
			ks[i], vs[i] = c.Layers[l].Self.Get()
			ks[i], vs[i] = padLeft(ks[i], width), padLeft(vs[i], width)
		}
		k, v := ks[0], vs[0]
		if len(cs) > 1 {
			k, v = tensor.Concat(0, ks...), tensor.Concat(0, vs...)
		}
		out.Layers[l].Self.Append(k, v)
	}
	return out
}

// padLeft returns x [B, H, n, D] with width-n zero positions in front.
func padLeft(x *tensor.Tensor, width int) *tensor.Tensor {
	n := x.Dim(2)
	if n == width {
		return x
	}
	s := x.Shape()
	s[2] = width - n
	return tensor.Concat(2, tensor.FullOn(x.Device(), x.DType(), 0, s...), x)
}

// TrimLeft drops the first n positions of every row of cache, which
// must come from NewCache: the columns that are padding in every row
// once the sequences that needed them have left the batch. The attention
// mask of the next step loses the same n columns. Position ids come from
// the mask's count of tokens, so dropping padding changes no row's
// result.
func TrimLeft(cache generate.Cache, n int) {
	c := decoderCache("TrimLeft", cache)
	if n < 0 || n > c.Len() {
		panic(fmt.Sprintf("lm: TrimLeft: %d positions from a cache of %d", n, c.Len()))
	}
	if n == 0 {
		return
	}
	keep := c.Len() - n
	for l := range c.Layers {
		k, v := c.Layers[l].Self.Get()
		c.Layers[l].Self = attention.Cache{}
		if keep > 0 {
			c.Layers[l].Self.Append(k.Narrow(2, n, keep), v.Narrow(2, n, keep))
		}
	}
}

// CacheBytes returns the bytes of keys and values cache holds (every row
// and position held, padding included; the buffers behind them may be up
// to twice as large, as they grow geometrically). cache must come from
// NewCache.
func CacheBytes(cache generate.Cache) int64 {
	c := decoderCache("CacheBytes", cache)
	var n int64
	for l := range c.Layers {
		k, v := c.Layers[l].Self.Get()
		if k != nil {
			n += int64(k.Numel()*k.DType().Size() + v.Numel()*v.DType().Size())
		}
	}
	return n
}

func decoderCache(op string, cache generate.Cache) *transformer.Cache {
	c, ok := cache.(*transformer.Cache)
	if !ok || c == nil {
		panic(fmt.Sprintf("lm: %s: the cache is a %T, not the *transformer.Cache of NewCache", op, cache))
	}
	for i := range c.Layers {
		if c.Layers[i].Cross.Len() > 0 {
			panic(fmt.Sprintf("lm: %s: layer %d holds cross-attention keys: a decoder-only cache has none", op, i))
		}
	}
	return c
}
