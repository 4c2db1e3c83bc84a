package seq2seq

import (
	"fmt"

	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/transformer"
)

// Bound is an encoder-decoder bound to one encoded batch of sources: a
// generate.Model whose steps decode over that batch. Bind makes one; many
// generations (each with its own cache) may share it, from several
// goroutines at once.
type Bound struct {
	// Model is the inference view of the bound model (see Bind).
	Model Model
	// Memory is the encoder's output [B, S, Dim].
	Memory *tensor.Tensor
	// MemoryMask is the sources' attention mask [B, S] (nil: no padding).
	MemoryMask *tensor.Tensor
}

var _ generate.Model = (*Bound)(nil)

// Bind encodes source ids [B, S] (Int32) with their attention mask
// (1 = token; nil: no padding) and returns the model bound to them, ready
// for generation:
//
//	b := seq2seq.Bind(model, ids, mask)
//	out, err := generate.Generate(ctx, b, b.Prompts(), generate.Options{
//		MaxNewTokens: 64, Beams: 4, StopTokens: []int{model.Special().EOS},
//	})
//
// The model runs through a detached view in evaluation mode
// (nn.Detached, nn.Eval): generation records no autograd graph and drops
// nothing, whatever mode m is in, and m's gradients are left alone. The
// view shares m's weights, so a Bound made during training decodes with
// the weights of the moment.
func Bind(m Model, ids, mask *tensor.Tensor) *Bound {
	view := nn.Detached(m)
	nn.Eval(view)
	return &Bound{Model: view, Memory: view.Encode(ids, mask), MemoryMask: mask}
}

// Prompts returns the decoder prompt of each bound source: the decoder
// start token alone, as generation of an encoder-decoder begins.
func (b *Bound) Prompts() [][]int {
	p := make([][]int, b.Memory.Dim(0))
	for i := range p {
		p[i] = []int{b.Model.Special().DecoderStart}
	}
	return p
}

// VocabSize returns the size of the model's vocabulary (generation
// checks prompts against it).
func (b *Bound) VocabSize() int { return b.Model.VocabSize() }

// MaxLen returns the most decoder positions the model takes (0: no
// limit); generation stops there.
func (b *Bound) MaxLen() int { return b.Model.MaxLen() }

// Cache is the decoding state of a Bound model: the decoder's keys and
// values and the encoder's output and mask for the batch being decoded,
// which Reorder keeps row for row with the decoder's state (beam search
// expands and reorders them all together).
type Cache struct {
	Decoder    transformer.Cache
	Memory     *tensor.Tensor // [B, S, Dim]
	MemoryMask *tensor.Tensor // [B, S] or nil
}

var _ generate.Cache = (*Cache)(nil)

// Len returns the number of decoder positions held per sequence.
func (c *Cache) Len() int { return c.Decoder.Len() }

// Reorder keeps, for each new row i, the state of old row index[i] (a
// 1-D Int32 tensor): the decoder's caches, the encoder's output and its
// mask. It is valid on an empty cache.
func (c *Cache) Reorder(index *tensor.Tensor) {
	if index == nil || index.Rank() != 1 || index.DType() != tensor.Int32 {
		if index == nil {
			panic("seq2seq: Cache.Reorder: nil index")
		}
		panic(fmt.Sprintf("seq2seq: Cache.Reorder: index must be a 1-D int32 tensor, not %s %v", index.DType(), index.Shape()))
	}
	n := c.Memory.Dim(0)
	for _, i := range index.Int32s() {
		if i < 0 || int(i) >= n {
			panic(fmt.Sprintf("seq2seq: Cache.Reorder: row %d outside the batch of %d", i, n))
		}
	}
	c.Decoder.Reorder(index)
	c.Memory = c.Memory.IndexSelect(0, index.To(c.Memory.Device()))
	if c.MemoryMask != nil {
		c.MemoryMask = c.MemoryMask.IndexSelect(0, index.To(c.MemoryMask.Device()))
	}
}

// NewCache returns an empty decoding state for batch sequences. batch is
// the number of bound sources, or a multiple of it: each source is then
// repeated batch/B times in a row (several samples or beams per source,
// as Hugging Face's expand for num_beams).
func (b *Bound) NewCache(batch int) generate.Cache {
	n := b.Memory.Dim(0)
	if batch <= 0 || batch%n != 0 {
		panic(fmt.Sprintf("seq2seq: Bound.NewCache: batch %d is not a positive multiple of the %d bound sources", batch, n))
	}
	c := &Cache{Memory: b.Memory, MemoryMask: b.MemoryMask}
	if batch != n {
		rep := batch / n
		idx := make([]int32, batch)
		for i := range idx {
			idx[i] = int32(i / rep)
		}
		c.Reorder(tensor.FromSlice(idx, batch))
	}
	return c
}

// Step decodes ids [B, T] (Int32), the tokens that follow those the cache
// holds, with mask [B, cache.Len()+T] (1 = token; nil: no padding), and
// returns the logits of the last position of each row [B, Vocab]. cache
// must come from NewCache of this Bound.
func (b *Bound) Step(ids, mask *tensor.Tensor, cache generate.Cache) *tensor.Tensor {
	c, ok := cache.(*Cache)
	if !ok || c == nil {
		panic(fmt.Sprintf("seq2seq: Bound.Step: cache %T does not come from Bound.NewCache", cache))
	}
	if ids == nil || ids.Rank() != 2 || ids.Dim(0) != c.Memory.Dim(0) || ids.Dim(1) == 0 {
		shape := []int(nil)
		if ids != nil {
			shape = ids.Shape()
		}
		panic(fmt.Sprintf("seq2seq: Bound.Step: ids of shape %v, want [%d, T] with T > 0 for the cache's batch", shape, c.Memory.Dim(0)))
	}
	logits := b.Model.Decode(ids, mask, c.Memory, c.MemoryMask, &c.Decoder)
	return logits.Select(1, logits.Dim(1)-1).Contiguous()
}
