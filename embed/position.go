package embed

import (
	"fmt"
	"math"

	"github.com/goformer/goformer/tensor"
)

// Learned is a table of learned absolute position embeddings (BERT, GPT-2):
// row p is added to the token at position p.
type Learned struct {
	// Weight is [max positions, dim].
	Weight *tensor.Tensor
}

// NewLearned returns a table for maxLen positions of dim values drawn from
// N(0, 1) with g (nil: zeros, to be loaded).
func NewLearned(maxLen, dim int, g *tensor.Generator) *Learned {
	if maxLen <= 0 || dim <= 0 {
		panic(fmt.Sprintf("embed: NewLearned: sizes maxLen=%d, dim=%d must be positive", maxLen, dim))
	}
	w := tensor.Zeros(maxLen, dim)
	if g != nil {
		g.Normal(w, 0, 1)
	}
	return &Learned{Weight: w.SetRequiresGrad(true)}
}

// MaxLen returns the number of positions.
func (p *Learned) MaxLen() int { return p.Weight.Dim(0) }

// Forward returns the embeddings of positions offset, ..., offset+length-1
// as a [length, dim] view, to be added (broadcast over the batch) to token
// embeddings. offset is the number of tokens already decoded when a KV
// cache holds them. Positions beyond the table panic.
func (p *Learned) Forward(offset, length int) *tensor.Tensor {
	checkRange("Learned", offset, length, p.MaxLen())
	return p.Weight.Narrow(0, offset, length)
}

// Lookup returns the embeddings of arbitrary Int32 positions of any shape
// (left-padded batches, packed sequences): positions.shape + [dim].
func (p *Learned) Lookup(positions *tensor.Tensor) *tensor.Tensor {
	return tensor.Embedding(p.Weight, positions)
}

func checkRange(op string, offset, length, max int) {
	if offset < 0 || length < 0 || offset+length > max {
		panic(fmt.Sprintf("embed: %s: positions [%d, %d) outside the table of %d positions", op, offset, offset+length, max))
	}
}

// Sinusoidal is the fixed position encoding of Vaswani et al. (2017):
//
//	PE[p, 2i]   = sin(p / Base^(2i/dim))
//	PE[p, 2i+1] = cos(p / Base^(2i/dim))
//
// It has no parameters; its table is a transient buffer (moved by nn.To,
// never saved).
type Sinusoidal struct {
	// Table is [max positions, dim], computed in float64 and stored in
	// float32.
	Table *tensor.Tensor `nn:"table,transient"`
}

// NewSinusoidal returns the encoding of maxLen positions in dim (even)
// features with base 10000. With halves true the sines fill the first half
// of each row and the cosines the second (the tensor2tensor and fairseq
// layout) instead of alternating.
func NewSinusoidal(maxLen, dim int, halves bool) *Sinusoidal {
	if maxLen <= 0 || dim <= 0 || dim%2 != 0 {
		panic(fmt.Sprintf("embed: NewSinusoidal: maxLen=%d must be positive and dim=%d positive and even", maxLen, dim))
	}
	vals := make([]float32, maxLen*dim)
	for p := range maxLen {
		for i := range dim / 2 {
			a := float64(p) / math.Pow(10000, float64(2*i)/float64(dim))
			s, c := math.Sincos(a)
			if halves {
				vals[p*dim+i], vals[p*dim+dim/2+i] = float32(s), float32(c)
			} else {
				vals[p*dim+2*i], vals[p*dim+2*i+1] = float32(s), float32(c)
			}
		}
	}
	return &Sinusoidal{Table: tensor.FromSlice(vals, maxLen, dim)}
}

// Forward returns the encodings of positions offset, ..., offset+length-1
// as a [length, dim] view.
func (s *Sinusoidal) Forward(offset, length int) *tensor.Tensor {
	checkRange("Sinusoidal", offset, length, s.Table.Dim(0))
	return s.Table.Narrow(0, offset, length)
}
