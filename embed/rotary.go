package embed

import (
	"fmt"
	"math"

	"github.com/goformer/goformer/tensor"
)

// Rotary is the rotary position embedding of Su et al. (RoFormer, 2021):
// queries and keys are rotated, pair of features by pair of features, by
// angles proportional to their position, so that their dot products depend
// only on relative positions. Feature pair i at position p turns by
// p·Base^(-2i/Dim).
//
// Two layouts pair the features differently: GPT-NeoX and LLaMA (Hugging
// Face's rotate_half) pair feature i with i+Dim/2; GPT-J and the original
// RoFormer (Interleaved) pair 2i with 2i+1. Dim may be less than the head
// size (GPT-NeoX's rotary_pct): the remaining features pass unchanged.
//
// Scaling stretches the angles over a longer context than the model was
// trained for (see RotaryScaling).
type Rotary struct {
	// Dim is the number of rotated features per head (even).
	Dim int
	// Interleaved selects the GPT-J pairing (2i, 2i+1).
	Interleaved bool
	// Base is the base of the angles' frequencies.
	Base float64
	// Scaling is the context extension the tables were made with.
	Scaling RotaryScaling
	// Cos and Sin are [max positions, Dim/2] tables of the angles'
	// cosines and sines, kept in float64 and converted to the input's
	// dtype as they are used.
	Cos *tensor.Tensor `nn:"cos,transient"`
	Sin *tensor.Tensor `nn:"sin,transient"`
}

// RotaryScaling extends rotary embeddings to contexts longer than the one
// a model was trained for: Hugging Face's rope_scaling. Its zero value
// scales nothing.
type RotaryScaling struct {
	// Type is the method:
	//   - "" (or "default"): none;
	//   - "linear": positions are divided by Factor (position
	//     interpolation);
	//   - "dynamic": dynamic NTK scaling: while a call's positions stay
	//     below OriginalMaxLen nothing changes; beyond, the base grows to
	//     Base·(Factor·n/OriginalMaxLen - (Factor-1))^(Dim/(Dim-2)) for
	//     the n positions up to the call's highest, whose angles are then
	//     computed for that call (as Hugging Face computes them for a call
	//     on a fresh model);
	//   - "llama3": Llama 3.1's blend: wavelengths longer than
	//     OriginalMaxLen/LowFreqFactor are stretched by Factor, those
	//     shorter than OriginalMaxLen/HighFreqFactor kept, and those
	//     between interpolated smoothly.
	Type   string
	Factor float64
	// OriginalMaxLen is the context the model was trained for (llama3's
	// original_max_position_embeddings, dynamic's max_position_embeddings).
	OriginalMaxLen int
	// LowFreqFactor and HighFreqFactor bound llama3's blend (1 and 4 in
	// Llama 3.1).
	LowFreqFactor, HighFreqFactor float64
}

// Validate reports a scaling whose type is unknown or whose parameters do
// not suit its type.
func (s RotaryScaling) Validate() error {
	switch s.Type {
	case "", "default":
		return nil
	case "linear", "dynamic", "llama3":
	default:
		return fmt.Errorf("embed: unknown rotary scaling %q (want linear, dynamic or llama3)", s.Type)
	}
	if !(s.Factor >= 1) || math.IsInf(s.Factor, 0) {
		return fmt.Errorf("embed: %s rotary scaling: factor %v must be at least 1", s.Type, s.Factor)
	}
	if s.Type == "linear" {
		return nil
	}
	if s.OriginalMaxLen <= 0 {
		return fmt.Errorf("embed: %s rotary scaling: the original context length %d must be positive", s.Type, s.OriginalMaxLen)
	}
	if s.Type == "llama3" && !(s.LowFreqFactor > 0 && s.HighFreqFactor > s.LowFreqFactor) {
		return fmt.Errorf("embed: llama3 rotary scaling: low_freq_factor %v and high_freq_factor %v must satisfy 0 < low < high", s.LowFreqFactor, s.HighFreqFactor)
	}
	return nil
}

// NewRotary returns rotary embeddings of dim features for maxLen positions
// with the given base (10000 in most models; LLaMA 3 uses 500000).
func NewRotary(dim, maxLen int, base float64, interleaved bool) *Rotary {
	r := NewScaledRotary(dim, maxLen, base, RotaryScaling{})
	r.Interleaved = interleaved
	return r
}

// NewScaledRotary returns rotary embeddings of dim features for maxLen
// positions with the given base and context scaling, in the rotate_half
// pairing of GPT-NeoX and LLaMA (set Interleaved for GPT-J's). An invalid
// scaling panics with Validate's message.
func NewScaledRotary(dim, maxLen int, base float64, s RotaryScaling) *Rotary {
	if dim <= 0 || dim%2 != 0 || maxLen <= 0 || base <= 1 {
		panic(fmt.Sprintf("embed: NewRotary: dim=%d must be positive and even, maxLen=%d positive, base=%v above 1", dim, maxLen, base))
	}
	if err := s.Validate(); err != nil {
		panic(err.Error())
	}
	r := &Rotary{Dim: dim, Base: base, Scaling: s}
	r.Cos, r.Sin = r.angles(r.frequencies(0), 0, maxLen, nil)
	return r
}

// frequencies returns the angle per position of each feature pair: for a
// dynamic scaling, those of a call over n positions.
func (r *Rotary) frequencies(n int) []float64 {
	dim, s, base := float64(r.Dim), r.Scaling, r.Base
	if r.dynamic(n) {
		base *= math.Pow(s.Factor*float64(n)/float64(s.OriginalMaxLen)-(s.Factor-1), dim/(dim-2))
	}
	f := make([]float64, r.Dim/2)
	for i := range f {
		f[i] = math.Pow(base, -float64(2*i)/dim)
	}
	switch s.Type {
	case "linear":
		for i := range f {
			f[i] /= s.Factor
		}
	case "llama3":
		old := float64(s.OriginalMaxLen)
		lowWave, highWave := old/s.LowFreqFactor, old/s.HighFreqFactor
		for i, v := range f {
			switch wave := 2 * math.Pi / v; {
			case wave > lowWave:
				f[i] = v / s.Factor
			case wave >= highWave:
				smooth := (old/wave - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor)
				f[i] = (1-smooth)*v/s.Factor + smooth*v
			}
		}
	}
	return f
}

// angles returns the cosines and sines [n, Dim/2] of positions from,
// ..., from+n-1 (positions nil) or of the n given positions.
func (r *Rotary) angles(freq []float64, from, n int, positions []int32) (cos, sin *tensor.Tensor) {
	h := len(freq)
	c, s := make([]float64, n*h), make([]float64, n*h)
	for p := range n {
		pos := float64(from + p)
		if positions != nil {
			pos = float64(positions[p])
		}
		for i, f := range freq {
			s[p*h+i], c[p*h+i] = math.Sincos(pos * f)
		}
	}
	return tensor.FromSlice(c, n, h), tensor.FromSlice(s, n, h)
}

// dynamic reports whether a call over n positions needs frequencies
// computed for it.
func (r *Rotary) dynamic(n int) bool {
	return r.Scaling.Type == "dynamic" && n > r.Scaling.OriginalMaxLen
}

// computed reports whether a call over n positions needs angles computed
// for it rather than read from the tables: beyond the tables, or with
// frequencies of its own.
func (r *Rotary) computed(n int) bool { return n > r.MaxLen() || r.dynamic(n) }

// MaxLen returns the number of positions the tables cover. Angles of
// later positions are computed when asked for, as are those of a dynamic
// scaling beyond its original context.
func (r *Rotary) MaxLen() int { return r.Cos.Dim(0) }

// Apply rotates x [..., T, headDim] as positions offset, ...,
// offset+T-1 (offset counts the tokens a KV cache already holds).
func (r *Rotary) Apply(x *tensor.Tensor, offset int) *tensor.Tensor {
	if x.Rank() < 2 {
		panic(fmt.Sprintf("embed: Rotary: input shape %v needs [..., T, headDim]", x.Shape()))
	}
	t := x.Dim(-2)
	if offset < 0 {
		panic(fmt.Sprintf("embed: Rotary: negative position %d", offset))
	}
	if r.computed(offset + t) {
		cos, sin := r.angles(r.frequencies(offset+t), offset, t, nil)
		return r.rotate(x, cos, sin)
	}
	cos, sin := r.Cos.Narrow(0, offset, t), r.Sin.Narrow(0, offset, t)
	return r.rotate(x, cos, sin)
}

// ApplyAt rotates x [B, H, T, headDim] with explicit Int32 positions
// [B, T] (left-padded batches) or [T].
func (r *Rotary) ApplyAt(x, positions *tensor.Tensor) *tensor.Tensor {
	if x.Rank() != 4 {
		panic(fmt.Sprintf("embed: Rotary.ApplyAt: input shape %v needs [B, H, T, headDim]", x.Shape()))
	}
	if positions.DType() != tensor.Int32 {
		panic(fmt.Sprintf("embed: Rotary.ApplyAt: positions of %s, want Int32", positions.DType()))
	}
	ps := positions.Detach().To(tensor.CPU).Contiguous().Int32s()
	n := 0
	for _, p := range ps {
		if p < 0 {
			panic(fmt.Sprintf("embed: Rotary.ApplyAt: negative position %d", p))
		}
		n = max(n, int(p)+1)
	}
	var cos, sin *tensor.Tensor
	if r.computed(n) {
		cos, sin = r.angles(r.frequencies(n), 0, len(ps), ps)
		shape := append(positions.Shape(), r.Dim/2)
		cos, sin = cos.Reshape(shape...), sin.Reshape(shape...)
	} else {
		cos, sin = tensor.Embedding(r.Cos, positions), tensor.Embedding(r.Sin, positions)
	}
	switch positions.Rank() {
	case 1: // [T, h]
	case 2: // [B, T, h] → [B, 1, T, h]
		cos, sin = cos.Unsqueeze(1), sin.Unsqueeze(1)
	default:
		panic(fmt.Sprintf("embed: Rotary.ApplyAt: positions shape %v needs [B, T] or [T]", positions.Shape()))
	}
	return r.rotate(x, cos, sin)
}

// rotate applies the rotation given cos and sin broadcastable to
// [..., T, Dim/2].
func (r *Rotary) rotate(x, cos, sin *tensor.Tensor) *tensor.Tensor {
	hd := x.Dim(-1)
	if hd < r.Dim {
		panic(fmt.Sprintf("embed: Rotary: head size %d (input %v) is below the %d rotated features", hd, x.Shape(), r.Dim))
	}
	if cos.DType() != x.DType() {
		cos, sin = cos.As(x.DType()), sin.As(x.DType())
	}
	if cos.Device() != x.Device() {
		cos, sin = cos.To(x.Device()), sin.To(x.Device())
	}
	h := r.Dim / 2
	rot := x
	if hd > r.Dim {
		rot = x.Narrow(-1, 0, r.Dim)
	}
	var out *tensor.Tensor
	if r.Interleaved {
		shape := append(rot.Shape()[:rot.Rank()-1], h, 2)
		pairs := rot.Reshape(shape...)
		e, o := pairs.Select(-1, 0), pairs.Select(-1, 1)
		re := e.Mul(cos).Sub(o.Mul(sin))
		ro := o.Mul(cos).Add(e.Mul(sin))
		out = tensor.Stack(-1, re, ro).Reshape(rot.Shape()...)
	} else {
		x1, x2 := rot.Narrow(-1, 0, h), rot.Narrow(-1, h, h)
		out = tensor.Concat(-1, x1.Mul(cos).Sub(x2.Mul(sin)), x2.Mul(cos).Add(x1.Mul(sin)))
	}
	if hd > r.Dim {
		out = tensor.Concat(-1, out, x.Narrow(-1, r.Dim, hd-r.Dim))
	}
	return out
}
