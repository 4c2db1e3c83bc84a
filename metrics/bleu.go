package metrics

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// SacreBLEUVersion is the sacreBLEU release whose scores, printed forms and
// signatures goformer reproduces.
const SacreBLEUVersion = "2.6.0"

// BLEUSmoothing names one of sacreBLEU's smoothing methods. The zero value
// means [SmoothExp], sacreBLEU's default.
type BLEUSmoothing string

// sacreBLEU's smoothing methods (Chen and Cherry, 2014).
const (
	// SmoothExp is mteval-v13a's smoothing: the k-th order without a match
	// gets precision 1/(2^k · total).
	SmoothExp BLEUSmoothing = "exp"
	// SmoothFloor gives an order without a match the precision
	// SmoothValue/total (default 0.1).
	SmoothFloor BLEUSmoothing = "floor"
	// SmoothAddK adds SmoothValue (default 1) to the matches and totals of
	// orders 2 and above.
	SmoothAddK BLEUSmoothing = "add-k"
	// SmoothNone applies no smoothing.
	SmoothNone BLEUSmoothing = "none"
)

func (s BLEUSmoothing) name() BLEUSmoothing {
	if s == "" {
		return SmoothExp
	}
	return s
}

// BLEU configures sacreBLEU-compatible BLEU. The zero value is sacreBLEU's
// default (BLEU() in Python): 13a tokenizer, exp smoothing, case-sensitive,
// 4-grams, no effective order.
type BLEU struct {
	Tokenize BLEUTokenizer
	Smooth   BLEUSmoothing
	// SmoothValue is the value of floor and add-k smoothing; 0 means
	// sacreBLEU's default (0.1 for floor, 1 for add-k).
	SmoothValue float64
	// Lowercase scores case-insensitively (Python's str.lower).
	Lowercase bool
	// EffectiveOrder stops at the highest n-gram order that the hypothesis
	// has, as sacreBLEU's sentence_bleu does; use it for sentence scores.
	EffectiveOrder bool
	// MaxOrder is the highest n-gram order; 0 means 4.
	MaxOrder int
	// Workers bounds the goroutines that Corpus uses; 0 means GOMAXPROCS.
	Workers int
}

// BLEUStats are the sufficient statistics of BLEU for one segment or a sum
// of segments: they add up, so a corpus score is the score of the summed
// statistics.
type BLEUStats struct {
	SysLen, RefLen int
	// Correct and Total hold the clipped matches and the hypothesis n-gram
	// counts, per order (index 0 is unigrams).
	Correct, Total []int
}

// Add adds o into s, growing s to o's order if needed.
func (s *BLEUStats) Add(o BLEUStats) {
	s.SysLen += o.SysLen
	s.RefLen += o.RefLen
	for len(s.Correct) < len(o.Correct) {
		s.Correct = append(s.Correct, 0)
		s.Total = append(s.Total, 0)
	}
	for i := range o.Correct {
		s.Correct[i] += o.Correct[i]
		s.Total[i] += o.Total[i]
	}
}

// BLEUScore is a BLEU result with the fields sacreBLEU reports.
type BLEUScore struct {
	// Score is BLEU on sacreBLEU's 0–100 scale.
	Score float64
	// Counts and Totals are the matches and hypothesis n-grams per order
	// as sacreBLEU reports them: add-k smoothing has been added to orders 2
	// and above.
	Counts, Totals []float64
	// Precisions are the n-gram precisions in percent, after smoothing.
	Precisions []float64
	// BP is the brevity penalty.
	BP float64
	// SysLen and RefLen are the hypothesis and closest-reference lengths.
	SysLen, RefLen int
	// Signature is sacreBLEU's reproducibility signature, such as
	// "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0".
	Signature string
}

// Ratio returns SysLen/RefLen, or 0 when RefLen is 0, as sacreBLEU does.
func (s BLEUScore) Ratio() float64 {
	if s.RefLen == 0 {
		return 0
	}
	return float64(s.SysLen) / float64(s.RefLen)
}

// String formats the score as sacreBLEU prints it, for example
// "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)".
func (s BLEUScore) String() string {
	var b strings.Builder
	b.WriteString("BLEU = ")
	b.WriteString(strconv.FormatFloat(s.Score, 'f', 2, 64))
	b.WriteByte(' ')
	for i, p := range s.Precisions {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(strconv.FormatFloat(p, 'f', 1, 64))
	}
	fmt.Fprintf(&b, " (BP = %s ratio = %s hyp_len = %d ref_len = %d)",
		strconv.FormatFloat(s.BP, 'f', 3, 64), strconv.FormatFloat(s.Ratio(), 'f', 3, 64), s.SysLen, s.RefLen)
	return b.String()
}

func (c BLEU) order() int {
	if c.MaxOrder <= 0 {
		return 4
	}
	return c.MaxOrder
}

func (c BLEU) smoothValue() float64 {
	if c.SmoothValue != 0 {
		return c.SmoothValue
	}
	switch c.Smooth.name() {
	case SmoothFloor:
		return 0.1
	case SmoothAddK:
		return 1
	}
	return 0
}

func (c BLEU) check() error {
	if err := c.Tokenize.valid(); err != nil {
		return err
	}
	switch c.Smooth.name() {
	case SmoothExp, SmoothFloor, SmoothAddK, SmoothNone:
	default:
		return fmt.Errorf("%w: BLEU smoothing %q (want exp, floor, add-k or none)", ErrBadOption, string(c.Smooth))
	}
	if c.MaxOrder < 0 {
		return fmt.Errorf("%w: BLEU max order %d", ErrBadOption, c.MaxOrder)
	}
	return nil
}

// Signature returns sacreBLEU's signature for this configuration and nrefs
// references per hypothesis (-1 for a variable number).
func (c BLEU) Signature(nrefs int) string {
	return c.signature(nrefsString(nrefs), "")
}

func (c BLEU) signature(nrefs, extra string) string {
	var b strings.Builder
	b.WriteString("nrefs:")
	b.WriteString(nrefs)
	b.WriteString(extra)
	if c.Lowercase {
		b.WriteString("|case:lc")
	} else {
		b.WriteString("|case:mixed")
	}
	if c.EffectiveOrder {
		b.WriteString("|eff:yes")
	} else {
		b.WriteString("|eff:no")
	}
	b.WriteString("|tok:")
	b.WriteString(c.Tokenize.String())
	b.WriteString("|smooth:")
	b.WriteString(string(c.Smooth.name()))
	if s := c.Smooth.name(); s == SmoothFloor || s == SmoothAddK {
		fmt.Fprintf(&b, "[%s]", strconv.FormatFloat(c.smoothValue(), 'f', 2, 64))
	}
	b.WriteString("|version:")
	b.WriteString(SacreBLEUVersion)
	return b.String()
}

func nrefsString(n int) string {
	if n < 0 {
		return "var"
	}
	return strconv.Itoa(n)
}

// Sentence scores one hypothesis against its references with this
// configuration. sacreBLEU's sentence_bleu turns EffectiveOrder on; so does
// [SentenceBLEU].
func (c BLEU) Sentence(hyp string, refs []string) (BLEUScore, error) {
	return c.Corpus([]string{hyp}, [][]string{refs})
}

// SentenceBLEU scores one hypothesis as sacrebleu.sentence_bleu does:
// default BLEU with EffectiveOrder.
func SentenceBLEU(hyp string, refs []string) (BLEUScore, error) {
	return BLEU{EffectiveOrder: true}.Sentence(hyp, refs)
}

// CorpusBLEU scores a corpus with sacreBLEU's defaults, as
// sacrebleu.corpus_bleu does. refs[i] holds the references of hyps[i].
func CorpusBLEU(hyps []string, refs [][]string) (BLEUScore, error) {
	return BLEU{}.Corpus(hyps, refs)
}

// Corpus scores hypotheses against their references: refs[i] holds the
// references of hyps[i] (use [RefStreams] to turn sacreBLEU-style reference
// streams into this layout). Empty references are skipped, as sacreBLEU
// does; a hypothesis without a non-empty reference is an error, and so is
// an empty corpus (sacreBLEU raises on both).
func (c BLEU) Corpus(hyps []string, refs [][]string) (BLEUScore, error) {
	if len(hyps) == 0 && len(refs) == 0 {
		return BLEUScore{}, fmt.Errorf("%w: no hypotheses to score", ErrEmpty)
	}
	stats, nrefs, err := c.Stats(hyps, refs)
	if err != nil {
		return BLEUScore{}, err
	}
	s := c.Score(stats)
	s.Signature = c.signature(nrefsString(nrefs), "")
	return s, nil
}

// Stats computes the summed statistics of a corpus, and the number of
// references per hypothesis (-1 when it varies), in parallel.
func (c BLEU) Stats(hyps []string, refs [][]string) (BLEUStats, int, error) {
	segs, nrefs, err := c.SegmentStats(hyps, refs)
	if err != nil {
		return BLEUStats{}, 0, err
	}
	total := BLEUStats{Correct: make([]int, c.order()), Total: make([]int, c.order())}
	for _, s := range segs {
		total.Add(s)
	}
	return total, nrefs, nil
}

// SegmentStats computes the statistics of each segment (for bootstrap
// resampling and significance tests), in parallel.
func (c BLEU) SegmentStats(hyps []string, refs [][]string) ([]BLEUStats, int, error) {
	if err := c.check(); err != nil {
		return nil, 0, err
	}
	if len(hyps) != len(refs) {
		return nil, 0, fmt.Errorf("%w: %d hypotheses but %d reference sets", ErrLengthMismatch, len(hyps), len(refs))
	}
	nrefs := 0
	for i, rs := range refs {
		n := 0
		for _, r := range rs {
			if r != "" {
				n++
			}
		}
		if n == 0 {
			return nil, 0, fmt.Errorf("%w: hypothesis %d has no non-empty reference", ErrNoReference, i+1)
		}
		if i == 0 {
			nrefs = n
		} else if n != nrefs {
			nrefs = -1
		}
	}
	out := make([]BLEUStats, len(hyps))
	order := c.order()
	flat := make([]int, 2*order*len(hyps))
	for i := range out {
		out[i].Correct = flat[2*order*i : 2*order*i+order : 2*order*i+order]
		out[i].Total = flat[2*order*i+order : 2*order*(i+1) : 2*order*(i+1)]
	}
	parallelChunks(len(hyps), c.Workers, func(lo, hi int) {
		var w bleuWorker
		for i := lo; i < hi; i++ {
			w.segment(c, hyps[i], refs[i], order, &out[i])
		}
	})
	return out, nrefs, nil
}

// parallelChunks runs fn over [0,n) split into contiguous chunks, on up to
// workers goroutines (GOMAXPROCS when workers <= 0).
func parallelChunks(n, workers int, fn func(lo, hi int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	const minChunk = 256
	if workers > (n+minChunk-1)/minChunk {
		workers = (n + minChunk - 1) / minChunk
	}
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	step := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += step {
		hi := min(lo+step, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// bleuWorker holds the scratch state of one goroutine.
type bleuWorker struct {
	tk     tokenizerState
	in     interner
	cs     clipScratch
	toks   []string
	hypIDs []uint32
	refIDs [][]uint32
}

func (w *bleuWorker) prep(c BLEU, s string) []string {
	if c.Lowercase {
		s = pyLower(s)
	}
	w.toks = w.tk.tokens(c.Tokenize, pyRStrip(s), w.toks[:0])
	return w.toks
}

func (w *bleuWorker) segment(c BLEU, hyp string, refs []string, order int, st *BLEUStats) {
	w.in.reset()
	w.hypIDs = w.in.appendIDs(w.hypIDs[:0], w.prep(c, hyp))
	hypLen := len(w.hypIDs)
	w.refIDs = w.refIDs[:0]
	closestDiff, closestLen := -1, -1
	for _, r := range refs {
		if r == "" {
			continue
		}
		k := len(w.refIDs)
		if k < cap(w.refIDs) {
			w.refIDs = w.refIDs[:k+1]
		} else {
			w.refIDs = append(w.refIDs, nil)
		}
		w.refIDs[k] = w.in.appendIDs(w.refIDs[k][:0], w.prep(c, r))
		// sacreBLEU's closest reference length: the smallest difference,
		// the shorter reference on a tie.
		rl := len(w.refIDs[k])
		diff := hypLen - rl
		if diff < 0 {
			diff = -diff
		}
		if closestDiff == -1 || diff < closestDiff {
			closestDiff, closestLen = diff, rl
		} else if diff == closestDiff && rl < closestLen {
			closestLen = rl
		}
	}
	st.SysLen, st.RefLen = hypLen, closestLen
	maxID := w.in.n
	for n := 1; n <= order; n++ {
		st.Correct[n-1], st.Total[n-1] = w.cs.clipped(w.hypIDs, w.refIDs, n, maxID)
	}
}

// Score computes BLEU from summed statistics, as sacreBLEU's compute_bleu
// does. The returned score has no signature.
func (c BLEU) Score(st BLEUStats) BLEUScore {
	order := c.order()
	correct := make([]float64, order)
	total := make([]float64, order)
	for i := 0; i < order && i < len(st.Correct); i++ {
		correct[i] = float64(st.Correct[i])
		total[i] = float64(st.Total[i])
	}
	return computeBLEU(correct, total, st.SysLen, st.RefLen, c.Smooth.name(), c.smoothValue(), c.EffectiveOrder)
}

// computeBLEU follows sacreBLEU's BLEU.compute_bleu operation by operation,
// so that the floating-point result is the same.
func computeBLEU(correct, total []float64, sysLen, refLen int, smooth BLEUSmoothing, smoothValue float64, effective bool) BLEUScore {
	order := len(correct)
	bp := 1.0
	if sysLen < refLen {
		if sysLen > 0 {
			bp = crExp(1 - float64(refLen)/float64(sysLen))
		} else {
			bp = 0
		}
	}
	prec := make([]float64, order)
	res := BLEUScore{Counts: correct, Totals: total, Precisions: prec, BP: bp, SysLen: sysLen, RefLen: refLen}
	any := false
	for _, c := range correct {
		if c != 0 {
			any = true
		}
	}
	if !any {
		return res
	}
	smoothMteval := 1.0
	effOrder := order
	for n := 1; n <= order; n++ {
		if smooth == SmoothAddK && n > 1 {
			correct[n-1] += smoothValue
			total[n-1] += smoothValue
		}
		if total[n-1] == 0 {
			break
		}
		if effective {
			effOrder = n
		}
		if correct[n-1] == 0 {
			switch smooth {
			case SmoothExp:
				smoothMteval *= 2
				prec[n-1] = 100. / (smoothMteval * total[n-1])
			case SmoothFloor:
				prec[n-1] = 100. * smoothValue / total[n-1]
			}
		} else {
			prec[n-1] = 100. * correct[n-1] / total[n-1]
		}
	}
	sum := 0.0
	for _, p := range prec[:effOrder] {
		sum += myLog(p)
	}
	res.Score = bp * crExp(sum/float64(effOrder))
	return res
}

// myLog is sacreBLEU's my_log: log, with log(0) = -9999999999.
func myLog(x float64) float64 {
	if x == 0 {
		return -9999999999
	}
	return crLog(x)
}

// RefStreams turns sacreBLEU-style reference streams (streams[k][i] is the
// k-th reference of segment i, "" where a segment has fewer references)
// into per-hypothesis reference lists. All streams must have n lines.
func RefStreams(n int, streams ...[]string) ([][]string, error) {
	out := make([][]string, n)
	for k, s := range streams {
		if len(s) != n {
			return nil, fmt.Errorf("%w: reference stream %d has %d lines, hypotheses have %d", ErrLengthMismatch, k+1, len(s), n)
		}
	}
	for i := range out {
		rs := make([]string, 0, len(streams))
		for _, s := range streams {
			rs = append(rs, s[i])
		}
		out[i] = rs
	}
	return out, nil
}
