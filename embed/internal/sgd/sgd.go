// Package sgd holds the pieces shared by the word2vec and fastText trainers:
// a per-thread random generator, the sigmoid and log-sigmoid tables, the
// noise distribution for negative sampling (Vose's alias method, O(1) per
// draw and exact), frequent-word sub-sampling thresholds and the linearly
// decaying learning rate shared by all threads, and the negative-sampling
// update itself.
package sgd

import (
	"math"
	"math/bits"
	"sync/atomic"

	"github.com/goformer/goformer/internal/vec"
)

// RNG is a small, fast generator (wyrand) for one training thread.
type RNG struct{ s uint64 }

// NewRNG seeds a generator; distinct streams are made by mixing the seed
// with a thread number.
func NewRNG(seed, stream uint64) RNG {
	r := RNG{s: seed ^ (stream+1)*0x9E3779B97F4A7C15}
	r.Uint64()
	return r
}

// Uint64 returns 64 random bits.
func (r *RNG) Uint64() uint64 {
	r.s += 0xa0761d6478bd642f
	hi, lo := bits.Mul64(r.s, r.s^0xe7037ed1a0b428db)
	return hi ^ lo
}

// Intn returns a value in [0, n) for n > 0 (multiply-shift, no division).
func (r *RNG) Intn(n int) int {
	hi, _ := bits.Mul64(r.Uint64(), uint64(n))
	return int(hi)
}

// Float32 returns a value in [0, 1).
func (r *RNG) Float32() float32 {
	return float32(r.Uint64()>>40) / (1 << 24)
}

// Uint32 returns 32 random bits.
func (r *RNG) Uint32() uint32 { return uint32(r.Uint64() >> 32) }

const (
	// MaxExp bounds the sigmoid table: σ(x) is taken as 0 or 1 beyond it.
	MaxExp     = 8
	tableSize  = 2048
	tableScale = tableSize / (2 * MaxExp)
)

var (
	sigTable [tableSize + 1]float32
	// logSigTable[i] = -log σ(x) at the same points.
	logSigTable [tableSize + 1]float32
)

func init() {
	for i := range sigTable {
		x := (float64(i)+0.5)/tableScale - MaxExp
		s := 1 / (1 + math.Exp(-x))
		sigTable[i] = float32(s)
		logSigTable[i] = float32(-math.Log(s))
	}
}

// Sigmoid returns σ(x) from the table (0 below −MaxExp, 1 above MaxExp).
func Sigmoid(x float32) float32 {
	if x <= -MaxExp {
		return 0
	}
	if x >= MaxExp {
		return 1
	}
	return sigTable[int((x+MaxExp)*tableScale)]
}

// NegLogSigmoid returns −log σ(x), the loss of a positive example scored x;
// a negative example scored x has loss NegLogSigmoid(−x).
func NegLogSigmoid(x float32) float32 {
	if x >= MaxExp {
		return 0
	}
	if x <= -MaxExp {
		return -x
	}
	return logSigTable[int((x+MaxExp)*tableScale)]
}

// Alias draws word ids with probability proportional to count^power.
type Alias struct {
	prob  []uint32 // acceptance threshold of each column, scaled to 2^32
	alias []int32
}

// NewAlias builds the noise distribution over counts raised to power (0.75
// for word2vec, 0.5 for fastText). Words with a zero count are never drawn.
func NewAlias(counts []int64, power float64) *Alias {
	n := len(counts)
	a := &Alias{prob: make([]uint32, n), alias: make([]int32, n)}
	w := make([]float64, n)
	var sum float64
	for i, c := range counts {
		w[i] = math.Pow(float64(c), power)
		sum += w[i]
	}
	small := make([]int32, 0, n)
	large := make([]int32, 0, n)
	for i := range w {
		w[i] *= float64(n) / sum
		if w[i] < 1 {
			small = append(small, int32(i))
		} else {
			large = append(large, int32(i))
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s := small[len(small)-1]
		small = small[:len(small)-1]
		l := large[len(large)-1]
		a.prob[s] = uint32(w[s] * (1 << 32))
		a.alias[s] = l
		w[l] -= 1 - w[s]
		if w[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	for _, l := range large {
		a.prob[l] = math.MaxUint32
		a.alias[l] = l
	}
	for _, s := range small { // rounding leftovers
		a.prob[s] = math.MaxUint32
		a.alias[s] = s
	}
	return a
}

// Draw returns a word id.
func (a *Alias) Draw(r *RNG) int32 {
	x := r.Uint64()
	col, _ := bits.Mul64(x, uint64(len(a.prob)))
	if uint32(x) < a.prob[col] {
		return int32(col)
	}
	return a.alias[col]
}

// KeepThresholds returns, per word, the probability of keeping an
// occurrence under sub-sampling with threshold t, scaled to 2^32:
// min(1, sqrt(t/f) + t/f) where f is the word's share of total (word2vec's
// and fastText's rule). t ≤ 0 keeps everything.
func KeepThresholds(counts []int64, total int64, t float64) []uint32 {
	keep := make([]uint32, len(counts))
	for i, c := range counts {
		p := 1.0
		if t > 0 && c > 0 {
			f := float64(c) / float64(total)
			p = math.Sqrt(t/f) + t/f
		}
		if p >= 1 {
			keep[i] = math.MaxUint32
		} else {
			keep[i] = uint32(p * (1 << 32))
		}
	}
	return keep
}

// Schedule is a learning rate that falls linearly from Start to
// Start·MinFrac as the shared word count goes from 0 to Total.
type Schedule struct {
	Start   float64
	MinFrac float64
	Total   int64
	done    atomic.Int64
}

// Add records n more words processed and returns the new rate.
func (s *Schedule) Add(n int64) float32 {
	d := s.done.Add(n)
	return s.rate(d)
}

// Done returns the words processed so far.
func (s *Schedule) Done() int64 { return s.done.Load() }

// Rate returns the current rate.
func (s *Schedule) Rate() float32 { return s.rate(s.done.Load()) }

func (s *Schedule) rate(d int64) float32 {
	frac := 1 - float64(d)/float64(s.Total+1)
	if frac < s.MinFrac {
		frac = s.MinFrac
	}
	return float32(s.Start * frac)
}

// NegativeStep is one negative-sampling update of both trainers: it scores
// hidden vector h against the output row of word (label 1) and of each
// noise word in negs other than word (label 0), moves those rows of out
// (dim values each) by lr times their gradient, adds the gradient of h to
// e, and returns the loss. The rows are prefetched first so that their
// loads overlap the work on the true word.
func NegativeStep(out []float32, dim int, h []float32, word int32, negs []int32, lr float32, e []float32) float32 {
	for _, neg := range negs {
		vec.Prefetch(out[int(neg)*dim : int(neg)*dim+dim])
	}
	row := out[int(word)*dim : int(word)*dim+dim]
	f := vec.Dot(h, row)
	loss := NegLogSigmoid(f)
	vec.GradStep((1-Sigmoid(f))*lr, h, row, e)
	for _, neg := range negs {
		if neg == word {
			continue
		}
		row := out[int(neg)*dim : int(neg)*dim+dim]
		f := vec.Dot(h, row)
		loss += NegLogSigmoid(-f)
		vec.GradStep(-Sigmoid(f)*lr, h, row, e)
	}
	return loss
}
