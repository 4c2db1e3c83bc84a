package metrics

import (
	"fmt"
	"math"
	"math/big"
)

// NLTKSmoothing selects one of nltk's SmoothingFunction methods (Chen and
// Cherry, 2014), as nltk 3.8 implements them.
type NLTKSmoothing int

// nltk's smoothing methods. Method0 is nltk's default (none).
const (
	// NLTKMethod0 is no smoothing: an order without matches contributes
	// log(2.2e-308), so the score is tiny but not zero.
	NLTKMethod0 NLTKSmoothing = iota
	// NLTKMethod1 adds Epsilon to the matches of orders without any.
	NLTKMethod1
	// NLTKMethod2 adds 1 to the matches and totals of orders 2 and above.
	NLTKMethod2
	// NLTKMethod3 is NIST's geometric smoothing (sacreBLEU's exp).
	NLTKMethod3
	// NLTKMethod4 scales the smoothed count by K/ln(hypothesis length).
	NLTKMethod4
	// NLTKMethod5 averages each precision with its neighbours (using the
	// 5-gram precision of the last sentence); it can exceed 1.
	NLTKMethod5
	// NLTKMethod6 interpolates with a prior from the two lower orders; it
	// needs a trigram match, and at corpus level it can exceed 1.
	NLTKMethod6
	// NLTKMethod7 is method 4 followed by method 5.
	NLTKMethod7
)

// NLTKBLEU configures BLEU as nltk.translate.bleu_score computes it, on
// already tokenized text. It differs from sacreBLEU's [BLEU]: it scores
// 0–1 instead of 0–100, does not tokenize, has other smoothing methods, and
// at corpus level applies the smoothing with the last sentence's data (an
// nltk quirk that goformer reproduces). The zero value is nltk's default:
// BLEU-4, no smoothing.
type NLTKBLEU struct {
	// Weights are the n-gram weights; nil means (0.25, 0.25, 0.25, 0.25).
	Weights   []float64
	Smoothing NLTKSmoothing
	// Epsilon (method 1), Alpha (method 6) and K (method 4); zero means
	// nltk's defaults 0.1, 5 and 5.
	Epsilon, Alpha, K float64
	// AutoReweigh uses uniform weights up to the hypothesis length when it
	// is shorter than 4 and the weights are the default.
	AutoReweigh bool
}

// Sentence is nltk's sentence_bleu(references, hypothesis, ...).
func (c NLTKBLEU) Sentence(refs [][]string, hyp []string) (float64, error) {
	return c.Corpus([][][]string{refs}, [][]string{hyp})
}

// Corpus is nltk's corpus_bleu(list_of_references, hypotheses, ...): refs[i]
// holds the token lists of the references of hyps[i].
func (c NLTKBLEU) Corpus(refs [][][]string, hyps [][]string) (float64, error) {
	if len(refs) != len(hyps) {
		return 0, fmt.Errorf("%w: %d hypotheses but %d reference sets", ErrLengthMismatch, len(hyps), len(refs))
	}
	if c.Smoothing < NLTKMethod0 || c.Smoothing > NLTKMethod7 {
		return 0, fmt.Errorf("%w: nltk smoothing method %d", ErrBadOption, int(c.Smoothing))
	}
	weights := c.Weights
	if weights == nil {
		weights = []float64{0.25, 0.25, 0.25, 0.25}
	}
	maxN := len(weights)
	num := make([]int64, maxN)
	den := make([]int64, maxN)
	hypLens, refLens := 0, 0
	var w nltkWorker
	for i, hyp := range hyps {
		if len(refs[i]) == 0 {
			return 0, fmt.Errorf("%w: hypothesis %d has no reference", ErrNoReference, i+1)
		}
		w.load(refs[i], hyp)
		for n := 1; n <= maxN; n++ {
			m, d := w.precision(n)
			num[n-1] += int64(m)
			den[n-1] += int64(d)
		}
		hl := len(hyp)
		hypLens += hl
		// closest_ref_length: min by (|ref - hyp|, ref).
		best := -1
		for _, r := range refs[i] {
			rl := len(r)
			if best < 0 || abs(rl-hl) < abs(best-hl) || abs(rl-hl) == abs(best-hl) && rl < best {
				best = rl
			}
		}
		refLens += best
	}
	var bp float64
	switch {
	case hypLens > refLens:
		bp = 1
	case hypLens == 0:
		bp = 0
	default:
		bp = crExp(1 - float64(refLens)/float64(hypLens))
	}
	if maxN == 0 || num[0] == 0 {
		return 0, nil
	}
	pn := make([]pyNum, maxN)
	for i := range pn {
		pn[i] = pyFrac(num[i], den[i])
	}
	var err error
	// nltk passes the loop's last references and hypothesis to the
	// smoothing function, and the corpus hypothesis length.
	pn, err = c.smooth(pn, &w, hypLens)
	if err != nil {
		return 0, err
	}
	if c.AutoReweigh && hypLens < 4 && c.Weights == nil {
		weights = make([]float64, hypLens)
		for i := range weights {
			weights[i] = 1 / float64(hypLens)
		}
	}
	var terms []float64
	for i := 0; i < len(weights) && i < len(pn); i++ {
		if pn[i].sign() > 0 {
			terms = append(terms, weights[i]*crLog(pn[i].float()))
		}
	}
	return bp * crExp(fsum(terms)), nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// nltkWorker holds one sentence pair as interned ids.
type nltkWorker struct {
	in   interner
	cs   clipScratch
	hyp  []uint32
	refs [][]uint32
}

func (w *nltkWorker) load(refs [][]string, hyp []string) {
	w.in.reset()
	w.hyp = w.in.appendIDs(w.hyp[:0], hyp)
	for len(w.refs) < len(refs) {
		w.refs = append(w.refs, nil)
	}
	w.refs = w.refs[:len(refs)]
	for i, r := range refs {
		w.refs[i] = w.in.appendIDs(w.refs[i][:0], r)
	}
}

// precision is nltk's modified_precision as (numerator, denominator), the
// denominator being at least 1.
func (w *nltkWorker) precision(n int) (int, int) {
	m, total := w.cs.clipped(w.hyp, w.refs, n, w.in.n)
	return m, max(1, total)
}

func (c NLTKBLEU) smooth(pn []pyNum, last *nltkWorker, hypLen int) ([]pyNum, error) {
	switch c.Smoothing {
	case NLTKMethod0:
		for i, p := range pn {
			if p.num == 0 {
				pn[i] = pyFloat(0x1p-1022) // sys.float_info.min
			}
		}
	case NLTKMethod1:
		eps := c.Epsilon
		if eps == 0 {
			eps = 0.1
		}
		for i, p := range pn {
			if p.num == 0 {
				pn[i] = pyFloat((float64(p.num) + eps) / float64(p.den))
			}
		}
	case NLTKMethod2:
		for i := 1; i < len(pn); i++ {
			pn[i] = pyFrac(pn[i].num+1, pn[i].den+1)
		}
	case NLTKMethod3:
		inc := 1
		for i, p := range pn {
			if p.num == 0 {
				pn[i] = pyFloat(1 / float64(int64(1)<<inc*p.den))
				inc++
			}
		}
	case NLTKMethod4:
		c.method4(pn, last, hypLen)
	case NLTKMethod5:
		c.method5(pn, last)
	case NLTKMethod6:
		return c.method6(pn, last)
	case NLTKMethod7:
		c.method4(pn, last, hypLen)
		c.method5(pn, last)
	}
	return pn, nil
}

func (c NLTKBLEU) method4(pn []pyNum, last *nltkWorker, hypLen int) {
	k := c.K
	if k == 0 {
		k = 5
	}
	if hypLen == 0 {
		hypLen = len(last.hyp)
	}
	inc := 1
	for i, p := range pn {
		if p.isFrac() && p.num == 0 && hypLen > 1 {
			numerator := 1 / (float64(int64(1)<<inc) * k / crLog(float64(hypLen)))
			pn[i] = pyFloat(numerator / float64(p.den))
			inc++
		}
	}
}

func (c NLTKBLEU) method5(pn []pyNum, last *nltkWorker) {
	m5, d5 := last.precision(5)
	plus := append(append([]pyNum(nil), pn...), pyFrac(int64(m5), int64(d5)))
	prev := pyAdd(pn[0], pyInt(1))
	for i := range pn {
		pn[i] = pyDiv(pyAdd(pyAdd(prev, pn[i]), plus[i+1]), pyInt(3))
		prev = pn[i]
	}
}

func (c NLTKBLEU) method6(pn []pyNum, last *nltkWorker) ([]pyNum, error) {
	if len(pn) < 3 {
		return nil, fmt.Errorf("%w: nltk smoothing method 6 needs at least 3 n-gram orders (nltk raises IndexError)", ErrUndefined)
	}
	if pn[2].sign() == 0 {
		return nil, fmt.Errorf("%w: nltk smoothing method 6 needs a trigram match (nltk raises AssertionError)", ErrUndefined)
	}
	alpha := c.Alpha
	if alpha == 0 {
		alpha = 5
	}
	alphaNum := pyFloat(alpha)
	if alpha == math.Trunc(alpha) && math.Abs(alpha) < 1<<53 {
		alphaNum = pyInt(int64(alpha))
	}
	for i := 2; i < len(pn); i++ {
		orig := pn[i]
		var pi0 pyNum
		if pn[i-2].sign() == 0 {
			pi0 = pyInt(0)
		} else {
			pi0 = pyDiv(pyMul(pn[i-1], pn[i-1]), pn[i-2])
		}
		m := pyInt(orig.num)
		l := int64(max(0, len(last.hyp)-i))
		pn[i] = pyDiv(pyAdd(m, pyMul(alphaNum, pi0)), pyAdd(pyInt(l), alphaNum))
	}
	return pn, nil
}

// pyNum is a number as Python's fractions.Fraction (with nltk's raw,
// unnormalised numerator and denominator kept in num and den) or as a
// Python float. Arithmetic follows Python: exact while both sides are
// fractions or ints, float as soon as one side is a float; int / int is a
// true division, which gives a float.
type pyNum struct {
	kind     byte // 'r' Fraction, 'i' int, 'f' float
	num, den int64
	rat      *big.Rat
	f        float64
}

func pyFrac(n, d int64) pyNum {
	return pyNum{kind: 'r', num: n, den: d, rat: big.NewRat(n, d)}
}

func pyInt(n int64) pyNum { return pyNum{kind: 'i', num: n, den: 1, rat: big.NewRat(n, 1)} }

func pyFloat(f float64) pyNum { return pyNum{kind: 'f', f: f} }

func (a pyNum) isFrac() bool { return a.kind == 'r' }

func (a pyNum) float() float64 {
	if a.kind == 'f' {
		return a.f
	}
	f, _ := a.rat.Float64()
	return f
}

func (a pyNum) sign() int {
	if a.kind == 'f' {
		switch {
		case a.f > 0:
			return 1
		case a.f < 0:
			return -1
		}
		return 0
	}
	return a.rat.Sign()
}

func pyExact(a, b pyNum) bool { return a.kind != 'f' && b.kind != 'f' }

func ratResult(r *big.Rat, intKind bool) pyNum {
	k := byte('r')
	if intKind {
		k = 'i'
	}
	return pyNum{kind: k, rat: r}
}

func pyAdd(a, b pyNum) pyNum {
	if pyExact(a, b) {
		return ratResult(new(big.Rat).Add(a.rat, b.rat), a.kind == 'i' && b.kind == 'i')
	}
	return pyFloat(a.float() + b.float())
}

func pyMul(a, b pyNum) pyNum {
	if pyExact(a, b) {
		return ratResult(new(big.Rat).Mul(a.rat, b.rat), a.kind == 'i' && b.kind == 'i')
	}
	return pyFloat(a.float() * b.float())
}

func pyDiv(a, b pyNum) pyNum {
	if a.kind == 'i' && b.kind == 'i' {
		// int / int is a correctly rounded true division in Python.
		f, _ := new(big.Rat).Quo(a.rat, b.rat).Float64()
		return pyFloat(f)
	}
	if pyExact(a, b) {
		return ratResult(new(big.Rat).Quo(a.rat, b.rat), false)
	}
	return pyFloat(a.float() / b.float())
}

// fsum is Python's math.fsum: the correctly rounded sum of finite values.
func fsum(xs []float64) float64 {
	acc := new(big.Float).SetPrec(2200)
	for _, x := range xs {
		if math.IsInf(x, 0) || math.IsNaN(x) {
			s := 0.0
			for _, y := range xs {
				s += y
			}
			return s
		}
		acc.Add(acc, new(big.Float).SetFloat64(x))
	}
	f, _ := acc.Float64()
	return f
}
