package metrics

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CHRF configures sacreBLEU-compatible chrF and chrF++ (Popović 2015,
// 2017). The zero value is not usable; start from [DefaultCHRF] or
// [DefaultCHRFPlusPlus], which match sacreBLEU's CHRF() and
// CHRF(word_order=2).
type CHRF struct {
	// CharOrder is the highest character n-gram order (sacreBLEU: 6).
	CharOrder int
	// WordOrder is the highest word n-gram order: 0 for chrF, 2 for chrF++.
	WordOrder int
	// Beta weighs recall against precision (sacreBLEU: 2).
	Beta int
	// Lowercase scores case-insensitively (Python's str.lower).
	Lowercase bool
	// Whitespace keeps whitespace inside character n-grams.
	Whitespace bool
	// EpsSmoothing averages the per-order F-scores with epsilon smoothing,
	// as chrF++.py, Moses and NLTK do, instead of sacreBLEU's default of
	// averaging precision and recall over the orders that occur.
	EpsSmoothing bool
	// Workers bounds the goroutines that Corpus uses; 0 means GOMAXPROCS.
	Workers int
}

// DefaultCHRF is sacreBLEU's CHRF(): chrF2 over character 6-grams.
var DefaultCHRF = CHRF{CharOrder: 6, Beta: 2}

// DefaultCHRFPlusPlus is sacreBLEU's CHRF(word_order=2): chrF2++.
var DefaultCHRFPlusPlus = CHRF{CharOrder: 6, WordOrder: 2, Beta: 2}

// CHRFScore is a chrF result.
type CHRFScore struct {
	// Score is chrF on sacreBLEU's 0–100 scale.
	Score float64
	// Name is "chrF2", "chrF2++" and so on.
	Name string
	// Signature is sacreBLEU's signature, such as
	// "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0".
	Signature string
}

// String formats the score as sacreBLEU prints it, e.g. "chrF2 = 59.73".
func (s CHRFScore) String() string {
	return s.Name + " = " + strconv.FormatFloat(s.Score, 'f', 2, 64)
}

// CHRFStats are the additive statistics of chrF: for each order (character
// orders first, then word orders), the hypothesis n-grams, the reference
// n-grams and the matches.
type CHRFStats []int

// Add adds o into s (both for the same configuration).
func (s CHRFStats) Add(o CHRFStats) {
	for i := range o {
		s[i] += o[i]
	}
}

func (c CHRF) check() error {
	if c.CharOrder < 0 || c.WordOrder < 0 || c.CharOrder+c.WordOrder == 0 || c.Beta < 0 {
		return fmt.Errorf("%w: chrF char order %d, word order %d, beta %d", ErrBadOption, c.CharOrder, c.WordOrder, c.Beta)
	}
	return nil
}

func (c CHRF) name() string {
	return "chrF" + strconv.Itoa(c.Beta) + strings.Repeat("+", c.WordOrder)
}

// Signature returns sacreBLEU's signature for this configuration and nrefs
// references per hypothesis (-1 for a variable number).
func (c CHRF) Signature(nrefs int) string {
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	cs := "mixed"
	if c.Lowercase {
		cs = "lc"
	}
	return fmt.Sprintf("nrefs:%s|case:%s|eff:%s|nc:%d|nw:%d|space:%s|version:%s",
		nrefsString(nrefs), cs, yes(!c.EpsSmoothing), c.CharOrder, c.WordOrder, yes(c.Whitespace), SacreBLEUVersion)
}

// Sentence scores one hypothesis against its references (the best of
// them, by F-score, as sacreBLEU picks).
func (c CHRF) Sentence(hyp string, refs []string) (CHRFScore, error) {
	return c.Corpus([]string{hyp}, [][]string{refs})
}

// Corpus scores hypotheses against their references; refs[i] holds the
// references of hyps[i]. Empty references are skipped, as in sacreBLEU;
// an empty corpus is an error.
func (c CHRF) Corpus(hyps []string, refs [][]string) (CHRFScore, error) {
	if len(hyps) == 0 && len(refs) == 0 {
		return CHRFScore{}, fmt.Errorf("%w: no hypotheses to score", ErrEmpty)
	}
	segs, nrefs, err := c.SegmentStats(hyps, refs)
	if err != nil {
		return CHRFScore{}, err
	}
	total := make(CHRFStats, 3*(c.CharOrder+c.WordOrder))
	for _, s := range segs {
		total.Add(s)
	}
	s := c.Score(total)
	s.Signature = c.Signature(nrefs)
	return s, nil
}

// Score computes chrF from summed statistics.
func (c CHRF) Score(st CHRFStats) CHRFScore {
	return CHRFScore{Score: c.fScore(st), Name: c.name()}
}

// SegmentStats computes the statistics of each segment, in parallel, and
// the number of references per hypothesis (-1 when it varies).
func (c CHRF) SegmentStats(hyps []string, refs [][]string) ([]CHRFStats, int, error) {
	if err := c.check(); err != nil {
		return nil, 0, err
	}
	if len(hyps) != len(refs) {
		return nil, 0, fmt.Errorf("%w: %d hypotheses but %d reference sets", ErrLengthMismatch, len(hyps), len(refs))
	}
	nrefs := 0
	for i, rs := range refs {
		n := len(nonEmptyRefs(rs))
		if n == 0 {
			return nil, 0, fmt.Errorf("%w: hypothesis %d has no non-empty reference", ErrNoReference, i+1)
		}
		if i == 0 {
			nrefs = n
		} else if n != nrefs {
			nrefs = -1
		}
	}
	width := 3 * (c.CharOrder + c.WordOrder)
	flat := make([]int, width*len(hyps))
	out := make([]CHRFStats, len(hyps))
	for i := range out {
		out[i] = flat[width*i : width*(i+1) : width*(i+1)]
	}
	parallelChunks(len(hyps), c.Workers, func(lo, hi int) {
		var w chrfWorker
		for i := lo; i < hi; i++ {
			w.segment(c, hyps[i], refs[i], out[i])
		}
	})
	return out, nrefs, nil
}

func nonEmptyRefs(rs []string) []string {
	out := rs[:0:0]
	for _, r := range rs {
		if r != "" {
			out = append(out, r)
		}
	}
	return out
}

// chrfWorker holds the scratch state of one goroutine.
type chrfWorker struct {
	chars, words interner
	cs           clipScratch
	hc, hw       []uint32
	rc, rw       []uint32
	toks         []string
	stats        []int
}

// charIDs interns the characters of s (whitespace removed unless kept).
func (w *chrfWorker) charIDs(dst []uint32, s string, keepSpace bool) []uint32 {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if keepSpace || !pyIsSpace(r) {
			dst = append(dst, w.chars.id(s[i:i+size]))
		}
		i += size
	}
	return dst
}

// wordIDs interns the words of s after chrF++'s punctuation split.
func (w *chrfWorker) wordIDs(dst []uint32, s string) []uint32 {
	w.toks = pySplit(s, w.toks[:0])
	for _, t := range w.toks {
		n := utf8.RuneCountInString(t)
		if n == 1 {
			dst = append(dst, w.words.id(t))
			continue
		}
		_, lastSize := utf8.DecodeLastRuneInString(t)
		switch {
		case isASCIIPunct(t[len(t)-1]) && lastSize == 1:
			dst = append(dst, w.words.id(t[:len(t)-1]), w.words.id(t[len(t)-1:]))
		case isASCIIPunct(t[0]):
			dst = append(dst, w.words.id(t[:1]), w.words.id(t[1:]))
		default:
			dst = append(dst, w.words.id(t))
		}
	}
	return dst
}

// isASCIIPunct reports whether c is in Python's string.punctuation.
func isASCIIPunct(c byte) bool {
	return c < 0x80 && (c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~')
}

func (w *chrfWorker) segment(c CHRF, hyp string, refs []string, out CHRFStats) {
	w.chars.reset()
	w.words.reset()
	if c.Lowercase {
		hyp = pyLower(hyp)
	}
	w.hc = w.charIDs(w.hc[:0], hyp, c.Whitespace)
	if c.WordOrder > 0 {
		w.hw = w.wordIDs(w.hw[:0], hyp)
	}
	bestF := -1.0
	order := c.CharOrder + c.WordOrder
	w.stats = append(w.stats[:0], make([]int, 3*order)...)
	for _, r := range refs {
		if r == "" {
			continue
		}
		if c.Lowercase {
			r = pyLower(r)
		}
		w.rc = w.charIDs(w.rc[:0], r, c.Whitespace)
		if c.WordOrder > 0 {
			w.rw = w.wordIDs(w.rw[:0], r)
		}
		st := w.stats
		for n := 1; n <= c.CharOrder; n++ {
			m, nh, nr := w.cs.pairMatch(w.hc, w.rc, n, w.chars.n)
			if nr == 0 {
				nh = 0 // sacreBLEU counts no hypothesis n-grams for an order the reference lacks
			}
			st[3*(n-1)], st[3*(n-1)+1], st[3*(n-1)+2] = nh, nr, m
		}
		for n := 1; n <= c.WordOrder; n++ {
			m, nh, nr := w.cs.pairMatch(w.hw, w.rw, n, w.words.n)
			if nr == 0 {
				nh = 0
			}
			k := 3 * (c.CharOrder + n - 1)
			st[k], st[k+1], st[k+2] = nh, nr, m
		}
		if f := c.fScore(st); f > bestF {
			bestF = f
			copy(out, st)
		}
	}
}

// fScore follows sacreBLEU's CHRF._compute_f_score operation by operation.
func (c CHRF) fScore(st []int) float64 {
	const eps = 1e-16
	factor := float64(c.Beta * c.Beta)
	order := c.CharOrder + c.WordOrder
	score := 0.0
	effective := 0
	avgPrec, avgRec := 0.0, 0.0
	for i := 0; i < order; i++ {
		nHyp, nRef, nMatch := st[3*i], st[3*i+1], st[3*i+2]
		prec, rec := eps, eps
		if nHyp > 0 {
			prec = float64(nMatch) / float64(nHyp)
		}
		if nRef > 0 {
			rec = float64(nMatch) / float64(nRef)
		}
		if denom := factor*prec + rec; denom > 0 {
			score += (1 + factor) * prec * rec / denom
		} else {
			score += eps
		}
		if nHyp > 0 && nRef > 0 {
			avgPrec += prec
			avgRec += rec
			effective++
		}
	}
	if c.EpsSmoothing {
		return 100 * score / float64(order)
	}
	if effective == 0 {
		avgPrec, avgRec = 0, 0
	} else {
		avgPrec /= float64(effective)
		avgRec /= float64(effective)
	}
	if avgPrec+avgRec != 0 {
		s := (1 + factor) * avgPrec * avgRec
		s /= factor*avgPrec + avgRec
		return 100 * s
	}
	return 0
}
