package metrics

import (
	"fmt"
	"math"
	"slices"
	"strconv"
)

// MT19937 is the Mersenne Twister with numpy's legacy seeding, so that
// numpy.random.seed(s) followed by numpy.random.choice(n, size=k) draws
// the same indices as NewMT19937(s) followed by k calls of Intn(n). The
// bootstrap functions of this package resample with it.
type MT19937 struct {
	mt  [624]uint32
	pos int
}

// NewMT19937 seeds the generator as numpy.random.seed(seed) does.
func NewMT19937(seed uint32) *MT19937 {
	g := &MT19937{}
	g.mt[0] = seed
	for i := 1; i < len(g.mt); i++ {
		prev := g.mt[i-1]
		g.mt[i] = 1812433253*(prev^(prev>>30)) + uint32(i)
	}
	g.pos = len(g.mt)
	return g
}

// Uint32 returns the next 32 random bits (genrand_int32).
func (g *MT19937) Uint32() uint32 {
	const n, m = 624, 397
	if g.pos >= n {
		for i := 0; i < n; i++ {
			y := g.mt[i]&0x80000000 | g.mt[(i+1)%n]&0x7fffffff
			v := g.mt[(i+m)%n] ^ y>>1
			if y&1 != 0 {
				v ^= 0x9908b0df
			}
			g.mt[i] = v
		}
		g.pos = 0
	}
	y := g.mt[g.pos]
	g.pos++
	y ^= y >> 11
	y ^= y << 7 & 0x9d2c5680
	y ^= y << 15 & 0xefc60000
	y ^= y >> 18
	return y
}

// Intn returns a uniform integer in [0, n) the way numpy's legacy
// RandomState.randint does: 32-bit draws masked to the smallest covering
// power of two, rejected until they fall in range. It panics if n < 1 or n
// does not fit in 32 bits.
func (g *MT19937) Intn(n int) int {
	if n < 1 || uint64(n) > 1<<32 {
		panic(fmt.Sprintf("metrics: MT19937.Intn(%d)", n))
	}
	rng := uint32(n - 1)
	if rng == 0 {
		return 0
	}
	if rng == math.MaxUint32 {
		return int(g.Uint32())
	}
	mask := rng
	mask |= mask >> 1
	mask |= mask >> 2
	mask |= mask >> 4
	mask |= mask >> 8
	mask |= mask >> 16
	for {
		if v := g.Uint32() & mask; v <= rng {
			return int(v)
		}
	}
}

// BootstrapOptions configure bootstrap resampling.
type BootstrapOptions struct {
	// Samples is the number of resamples; 0 means 1000.
	Samples int
	// Confidence is the confidence level of the interval; 0 means 0.95.
	Confidence float64
	// Seed seeds the numpy-compatible generator.
	Seed uint32
}

func (o BootstrapOptions) norm() (BootstrapOptions, error) {
	if o.Samples == 0 {
		o.Samples = 1000
	}
	if o.Confidence == 0 {
		o.Confidence = 0.95
	}
	if o.Samples < 0 || o.Confidence < 0 || o.Confidence > 1 {
		return o, fmt.Errorf("%w: bootstrap with %d samples at confidence %v", ErrBadOption, o.Samples, o.Confidence)
	}
	return o, nil
}

// interval is a bootstrap estimate: the low and high percentiles around the
// middle (median) of the resampled means.
type interval struct {
	Low, Mid, High float64
}

// bootstrapPercentiles follows rouge-score's BootstrapAggregator: for each
// resample it draws len(rows) row indices with numpy's choice, takes the
// column means, and returns numpy's linear percentiles (low, 50, high) of
// those means for every column.
func bootstrapPercentiles(rows [][]float64, o BootstrapOptions, g *MT19937) []interval {
	n := len(rows)
	m := len(rows[0])
	means := make([][]float64, m)
	for j := range means {
		means[j] = make([]float64, o.Samples)
	}
	sums := make([]float64, m)
	for s := 0; s < o.Samples; s++ {
		clear(sums)
		for k := 0; k < n; k++ {
			r := rows[g.Intn(n)]
			for j := range sums {
				sums[j] += r[j]
			}
		}
		for j := range sums {
			means[j][s] = sums[j] / float64(n)
		}
	}
	delta := (1 - o.Confidence) / 2
	qs := [3]float64{100 * delta / 100, 100 * 0.5 / 100, 100 * (1 - delta) / 100}
	out := make([]interval, m)
	for j := range means {
		slices.Sort(means[j])
		var v [3]float64
		for k, q := range qs {
			v[k] = npQuantileLinear(means[j], q)
		}
		out[j] = interval{v[0], v[1], v[2]}
	}
	return out
}

// npQuantileLinear is numpy's default (linear) quantile of sorted data,
// with numpy's interpolation formula.
func npQuantileLinear(sorted []float64, q float64) float64 {
	n := len(sorted)
	vi := float64(n-1) * q
	prev := int(math.Floor(vi))
	prev = min(max(prev, 0), n-1)
	next := min(prev+1, n-1)
	a, b := sorted[prev], sorted[next]
	t := vi - float64(prev)
	diff := b - a
	if t >= 0.5 {
		return b - diff*(1-t)
	}
	return a + diff*t
}

// ROUGEAggregate is a bootstrap interval for each of precision, recall
// and F-measure, as rouge-score's AggregateScore.
type ROUGEAggregate struct {
	Low, Mid, High PRF
}

// BootstrapROUGE aggregates per-pair ROUGE results as rouge-score's
// BootstrapAggregator does: for each type in types (in that order, sharing
// one generator), resampled means and their percentiles. With Seed 42 it
// reproduces BootstrapAggregator().aggregate() run after
// numpy.random.seed(42).
func BootstrapROUGE(types []string, results []ROUGEResult, opts BootstrapOptions) (map[string]ROUGEAggregate, error) {
	o, err := opts.norm()
	if err != nil {
		return nil, err
	}
	if len(results) == 0 {
		return nil, fmt.Errorf("%w: no ROUGE results to aggregate", ErrEmpty)
	}
	g := NewMT19937(o.Seed)
	out := make(map[string]ROUGEAggregate, len(types))
	rows := make([][]float64, len(results))
	for _, t := range types {
		for i, r := range results {
			s, ok := r[t]
			if !ok {
				return nil, fmt.Errorf("%w: result %d has no %s score", ErrBadOption, i+1, t)
			}
			rows[i] = []float64{s.Precision, s.Recall, s.F}
		}
		iv := bootstrapPercentiles(rows, o, g)
		out[t] = ROUGEAggregate{
			Low:  PRF{iv[0].Low, iv[1].Low, iv[2].Low},
			Mid:  PRF{iv[0].Mid, iv[1].Mid, iv[2].Mid},
			High: PRF{iv[0].High, iv[1].High, iv[2].High},
		}
	}
	return out, nil
}

// MeanROUGE returns the plain mean of each ROUGE type over the results.
func MeanROUGE(results []ROUGEResult) ROUGEResult {
	out := ROUGEResult{}
	if len(results) == 0 {
		return out
	}
	for t := range results[0] {
		var s PRF
		for _, r := range results {
			s.Precision += r[t].Precision
			s.Recall += r[t].Recall
			s.F += r[t].F
		}
		n := float64(len(results))
		out[t] = PRF{s.Precision / n, s.Recall / n, s.F / n}
	}
	return out
}

// BootstrapCI is sacreBLEU's confidence estimate from bootstrap resampling
// of segments: the mean of the resampled corpus scores and half the width
// of their 95% interval (the scores at ranks n/40 and n-n/40-1).
type BootstrapCI struct {
	Mean, HalfWidth float64
	Samples         int
	Seed            uint32
}

// estimateCI is sacreBLEU's estimate_ci on resampled scores.
func estimateCI(scores []float64) (mean, half float64) {
	sorted := slices.Clone(scores)
	slices.Sort(sorted)
	n := len(sorted)
	lo := n / 40
	hi := n - lo - 1
	return npSum(sorted) / float64(n), 0.5 * (sorted[hi] - sorted[lo])
}

// resampleIdx draws samples×n segment indices as numpy's choice(n,
// size=(samples, n)) would with a legacy generator.
func resampleIdx(g *MT19937, n int, fn func(idx []int)) {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = g.Intn(n)
	}
	fn(idx)
}

// Bootstrap scores the corpus and estimates a confidence interval by
// resampling segments with replacement, as sacreBLEU's corpus_score with
// n_bootstrap does. sacreBLEU draws with numpy's default_rng (PCG64) and
// goformer with [MT19937], so the resamples, and hence the estimate,
// differ within sampling noise; the score itself is exact. The signature
// gains bs and seed, as sacreBLEU's does.
func (c BLEU) Bootstrap(hyps []string, refs [][]string, opts BootstrapOptions) (BLEUScore, BootstrapCI, error) {
	o, err := opts.norm()
	if err != nil {
		return BLEUScore{}, BootstrapCI{}, err
	}
	segs, nrefs, err := c.SegmentStats(hyps, refs)
	if err != nil {
		return BLEUScore{}, BootstrapCI{}, err
	}
	if len(segs) == 0 {
		return BLEUScore{}, BootstrapCI{}, fmt.Errorf("%w: bootstrap of an empty corpus", ErrEmpty)
	}
	order := c.order()
	sum := func(idx []int) BLEUStats {
		st := BLEUStats{Correct: make([]int, order), Total: make([]int, order)}
		for _, i := range idx {
			st.Add(segs[i])
		}
		return st
	}
	all := make([]int, len(segs))
	for i := range all {
		all[i] = i
	}
	score := c.Score(sum(all))
	g := NewMT19937(o.Seed)
	scores := make([]float64, o.Samples)
	for s := range scores {
		resampleIdx(g, len(segs), func(idx []int) { scores[s] = c.Score(sum(idx)).Score })
	}
	mean, half := estimateCI(scores)
	score.Signature = c.signature(nrefsString(nrefs), "|bs:"+strconv.Itoa(o.Samples)+"|seed:"+strconv.FormatUint(uint64(o.Seed), 10))
	return score, BootstrapCI{Mean: mean, HalfWidth: half, Samples: o.Samples, Seed: o.Seed}, nil
}

// Bootstrap is [BLEU.Bootstrap] for chrF.
func (c CHRF) Bootstrap(hyps []string, refs [][]string, opts BootstrapOptions) (CHRFScore, BootstrapCI, error) {
	o, err := opts.norm()
	if err != nil {
		return CHRFScore{}, BootstrapCI{}, err
	}
	segs, nrefs, err := c.SegmentStats(hyps, refs)
	if err != nil {
		return CHRFScore{}, BootstrapCI{}, err
	}
	if len(segs) == 0 {
		return CHRFScore{}, BootstrapCI{}, fmt.Errorf("%w: bootstrap of an empty corpus", ErrEmpty)
	}
	width := 3 * (c.CharOrder + c.WordOrder)
	sum := func(idx []int) CHRFStats {
		st := make(CHRFStats, width)
		for _, i := range idx {
			st.Add(segs[i])
		}
		return st
	}
	all := make([]int, len(segs))
	for i := range all {
		all[i] = i
	}
	score := c.Score(sum(all))
	g := NewMT19937(o.Seed)
	scores := make([]float64, o.Samples)
	for s := range scores {
		resampleIdx(g, len(segs), func(idx []int) { scores[s] = c.Score(sum(idx)).Score })
	}
	mean, half := estimateCI(scores)
	sig := c.Signature(nrefs)
	score.Signature = "nrefs:" + nrefsString(nrefs) + "|bs:" + strconv.Itoa(o.Samples) + "|seed:" + strconv.FormatUint(uint64(o.Seed), 10) + sig[len("nrefs:"+nrefsString(nrefs)):]
	return score, BootstrapCI{Mean: mean, HalfWidth: half, Samples: o.Samples, Seed: o.Seed}, nil
}

// FormatCI formats a score with its confidence estimate as sacreBLEU
// prints it: "48.53 (μ = 48.51 ± 0.93)".
func FormatCI(score float64, ci BootstrapCI) string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }
	return f(score) + " (μ = " + f(ci.Mean) + " ± " + f(ci.HalfWidth) + ")"
}
