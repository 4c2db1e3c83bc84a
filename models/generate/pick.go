package generate

import (
	"math"

	"github.com/goformer/goformer/internal/philox"
)

// Source is the random stream of one sampled sequence: draw i depends on
// Seed, Sample and i alone (Philox4x32-10 with key Seed and counter
// (i, Sample)), so a sequence draws the same numbers whatever batch it
// runs in and however many steps other sequences take.
type Source struct {
	Seed   uint64
	Sample int
}

// Uniform returns draw i, uniform in [0, 1) with 53 random bits.
func (s Source) Uniform(i int) float64 {
	w := philox.Philox4x32([4]uint32{uint32(i), uint32(uint64(i) >> 32), uint32(s.Sample), 0},
		[2]uint32{uint32(s.Seed), uint32(s.Seed >> 32)})
	return float64((uint64(w[0])<<32|uint64(w[1]))>>11) / (1 << 53)
}

// SampleIndex draws an index from the softmax of scores with the uniform
// u: the first index at which the running sum (in index order, float64)
// of exp(score − max) exceeds u times the total. Indices at −∞ are never
// drawn. It returns −1 when no score is finite.
func SampleIndex(scores []float32, u float64) int {
	id, _ := sampleIndex(scores, u, nil)
	return id
}

// term is the exponential e of the finite score at index i.
type term struct {
	i int
	e float64
}

// sampleIndex is SampleIndex with the exponentials written to terms'
// array, which it returns for the next call: a Picker keeps it, so that
// sampling over a whole vocabulary allocates nothing per token.
func sampleIndex(scores []float32, u float64, terms []term) (int, []term) {
	mx := math.Inf(-1)
	for _, s := range scores {
		if float64(s) > mx {
			mx = float64(s)
		}
	}
	if math.IsInf(mx, -1) || math.IsNaN(mx) {
		return -1, terms
	}
	// The exponentials of the finite scores, once.
	terms = terms[:0]
	var total float64
	for i, s := range scores {
		if s > negInf {
			e := math.Exp(float64(s) - mx)
			terms = append(terms, term{i, e})
			total += e
		}
	}
	target, cum, last := u*total, 0.0, -1
	for _, t := range terms {
		if t.e == 0 {
			continue
		}
		cum += t.e
		last = t.i
		if cum > target {
			return t.i, terms
		}
	}
	return last, terms
}

// Argmax returns the index of the highest score (the first one on ties),
// −1 for an empty slice.
func Argmax(scores []float32) int {
	best := -1
	for i, s := range scores {
		if best < 0 || s > scores[best] {
			best = i
		}
	}
	return best
}

// LogProb returns log softmax(logits)[id]: the exponentials in float32
// (exp32), their sum and the logarithm in float64.
func LogProb(logits []float32, id int) float64 {
	mx := float32(math.Inf(-1))
	for _, s := range logits {
		mx = max(mx, s)
	}
	var sum float64
	for _, s := range logits {
		sum += float64(exp32(s - mx))
	}
	return float64(logits[id]-mx) - math.Log(sum)
}

// Picker chooses the next token of one sequence at a time from the
// model's logits, as Generate does for greedy decoding and sampling: it
// applies the options' processors to a copy of the logits, then takes the
// argmax or draws from the result. A server running its own decoding loop
// uses one Picker per set of options. A Picker is not safe for concurrent
// use (it keeps scratch buffers).
type Picker struct {
	chain   Chain
	sample  bool
	scratch []float32
	terms   []term // sampleIndex's exponentials
}

// NewPicker returns a Picker for o (its sampling options and processors).
func NewPicker(o Options) *Picker {
	return &Picker{chain: o.Processors(1), sample: o.Sampling()}
}

// Pick returns the next token after history h given the model's logits
// for it, and its log-probability under the logits. Sampling uses draw
// len(h.Generated) of src. A sequence whose processors forbid every token
// gets −1.
func (p *Picker) Pick(logits []float32, h History, src Source) (id int, logProb float64) {
	scores := logits
	if len(p.chain) > 0 {
		p.scratch = append(p.scratch[:0], logits...)
		p.chain.Process(p.scratch, h)
		scores = p.scratch
	}
	if p.sample {
		id, p.terms = sampleIndex(scores, src.Uniform(len(h.Generated)), p.terms)
	} else {
		id = Argmax(scores)
		if id >= 0 && math.IsInf(float64(scores[id]), -1) {
			id = -1
		}
	}
	if id < 0 {
		return -1, math.Inf(-1)
	}
	return id, LogProb(logits, id)
}
