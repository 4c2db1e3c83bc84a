package metrics

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Stemmer reduces a lowercase word to its stem. ROUGE with stemming uses
// nltk's Porter stemmer in NLTK_EXTENSIONS mode; see [PorterStemmer].
type Stemmer interface {
	Stem(word string) string
}

// PRF is a precision, recall and F-measure triple.
type PRF struct {
	Precision, Recall, F float64
}

// DefaultROUGETypes are the ROUGE types scored when [ROUGE].Types is empty.
var DefaultROUGETypes = []string{"rouge1", "rouge2", "rougeL", "rougeLsum"}

// ROUGE configures ROUGE with the semantics of Google's rouge-score 0.1.2
// (RougeScorer): its tokenizer (lowercase; every run of characters outside
// [a-z0-9] separates tokens, so other scripts give no tokens), optional
// stemming of tokens longer than 3 characters, ROUGE-N, ROUGE-L, and
// ROUGE-Lsum over newline-separated sentences.
type ROUGE struct {
	// Types lists "rouge1" … "rouge9", "rougeL" and "rougeLsum"; empty
	// means [DefaultROUGETypes].
	Types []string
	// Stemmer, when set, stems every token longer than 3 characters, as
	// RougeScorer(use_stemmer=True) does with [PorterStemmer].
	Stemmer Stemmer
	// Workers bounds the goroutines that Corpus uses; 0 means GOMAXPROCS.
	Workers int
}

// ROUGEResult maps each ROUGE type to its score.
type ROUGEResult map[string]PRF

type rougeKind struct {
	name string
	n    int // n-gram order; 0 for rougeL, -1 for rougeLsum
}

func (r ROUGE) kinds() ([]rougeKind, error) {
	types := r.Types
	if len(types) == 0 {
		types = DefaultROUGETypes
	}
	ks := make([]rougeKind, 0, len(types))
	for _, t := range types {
		switch {
		case t == "rougeL":
			ks = append(ks, rougeKind{t, 0})
		case t == "rougeLsum":
			ks = append(ks, rougeKind{t, -1})
		case len(t) == 6 && strings.HasPrefix(t, "rouge") && t[5] >= '1' && t[5] <= '9':
			ks = append(ks, rougeKind{t, int(t[5] - '0')})
		default:
			return nil, fmt.Errorf("%w: ROUGE type %q (want rouge1 to rouge9, rougeL or rougeLsum)", ErrBadOption, t)
		}
	}
	return ks, nil
}

// Score scores a prediction against a target, as RougeScorer.score(target,
// prediction) does.
func (r ROUGE) Score(target, prediction string) (ROUGEResult, error) {
	ks, err := r.kinds()
	if err != nil {
		return nil, err
	}
	var w rougeWorker
	out := make(ROUGEResult, len(ks))
	w.score(r.Stemmer, ks, target, prediction, out)
	return out, nil
}

// ScoreMulti scores a prediction against several targets and keeps, for
// each ROUGE type, the target with the largest F-measure (the first one on
// a tie), as RougeScorer.score_multi does.
func (r ROUGE) ScoreMulti(targets []string, prediction string) (ROUGEResult, error) {
	ks, err := r.kinds()
	if err != nil {
		return nil, err
	}
	if len(targets) == 0 {
		return nil, fmt.Errorf("%w: ROUGE score_multi needs at least one target", ErrNoReference)
	}
	var w rougeWorker
	best := make(ROUGEResult, len(ks))
	cur := make(ROUGEResult, len(ks))
	for i, t := range targets {
		w.score(r.Stemmer, ks, t, prediction, cur)
		for _, k := range ks {
			if s := cur[k.name]; i == 0 || s.F > best[k.name].F {
				best[k.name] = s
			}
		}
	}
	return best, nil
}

// Corpus scores each prediction against its target, in parallel; the
// result i is RougeScorer.score(targets[i], predictions[i]). Use [Mean] or
// [BootstrapROUGE] to aggregate.
func (r ROUGE) Corpus(targets, predictions []string) ([]ROUGEResult, error) {
	ks, err := r.kinds()
	if err != nil {
		return nil, err
	}
	if len(targets) != len(predictions) {
		return nil, fmt.Errorf("%w: %d targets but %d predictions", ErrLengthMismatch, len(targets), len(predictions))
	}
	out := make([]ROUGEResult, len(targets))
	parallelChunks(len(targets), r.Workers, func(lo, hi int) {
		var w rougeWorker
		for i := lo; i < hi; i++ {
			out[i] = make(ROUGEResult, len(ks))
			w.score(r.Stemmer, ks, targets[i], predictions[i], out[i])
		}
	})
	return out, nil
}

// ROUGETokenize splits text into tokens as rouge-score's default tokenizer
// does, stemming tokens longer than 3 characters when stemmer is not nil.
func ROUGETokenize(text string, stemmer Stemmer) []string {
	var out []string
	rougeScan(text, func(tok []byte) {
		t := string(tok)
		if stemmer != nil && len(t) > 3 {
			if t = stemmer.Stem(t); !validROUGEToken(t) {
				return
			}
		}
		out = append(out, t)
	})
	return out
}

// rougeScan calls emit with each raw (unstemmed) token of text; the slice
// is only valid during the call. Python lowercases first and then drops
// everything outside [a-z0-9]; of the non-ASCII characters only U+0130
// (to "i" and a combining dot) and the Kelvin sign (to "k") lowercase to
// something inside it.
func rougeScan(text string, emit func(tok []byte)) {
	var buf [64]byte
	cur := buf[:0]
	flush := func() {
		if len(cur) > 0 {
			emit(cur)
			cur = cur[:0]
		}
	}
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			switch {
			case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
				cur = append(cur, c)
			case c >= 'A' && c <= 'Z':
				cur = append(cur, c+'a'-'A')
			default:
				flush()
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		switch r {
		case 0x130: // "İ".lower() == "i\u0307": the letter joins, the dot separates
			cur = append(cur, 'i')
			flush()
		case 0x212a: // KELVIN SIGN lowercases to "k"
			cur = append(cur, 'k')
		default:
			flush()
		}
	}
	flush()
}

func validROUGEToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// rougeWorker holds the scratch state of one goroutine.
type rougeWorker struct {
	in         interner
	cs         clipScratch
	stems      map[string]uint32 // raw token -> 1 + worker-wide id of its stem, 0 if dropped
	tIDs, pIDs []uint32
	row        []int32
	table      []int32
	tSents     [][]uint32
	pSents     [][]uint32
	union      []int
	cntT, cntP map[uint32]int
}

func (w *rougeWorker) ids(dst []uint32, text string, stemmer Stemmer) []uint32 {
	dst = dst[:0]
	rougeScan(text, func(tok []byte) {
		if stemmer != nil && len(tok) > 3 {
			// Stems are cached per worker: the stemmer is a pure function.
			sg, ok := w.stems[string(tok)]
			if !ok {
				if w.stems == nil || len(w.stems) >= 1<<16 {
					w.stems = make(map[string]uint32, 1024)
				}
				word := string(tok)
				st := stemmer.Stem(word)
				sg = 0
				if validROUGEToken(st) {
					sg = w.in.global(st) + 1
				}
				w.stems[word] = sg
			}
			if sg == 0 {
				return
			}
			dst = append(dst, w.in.local(sg-1))
			return
		}
		dst = append(dst, w.in.idBytes(tok))
	})
	return dst
}

func (w *rougeWorker) score(stemmer Stemmer, ks []rougeKind, target, prediction string, out ROUGEResult) {
	if w.in.reset() {
		w.stems = nil // stem ids referred to the table that reset replaced
	}
	needTokens, needSents := false, false
	for _, k := range ks {
		if k.n >= 0 {
			needTokens = true
		} else {
			needSents = true
		}
	}
	if needTokens {
		w.tIDs = w.ids(w.tIDs, target, stemmer)
		w.pIDs = w.ids(w.pIDs, prediction, stemmer)
	}
	if needSents {
		w.tSents = w.sentences(w.tSents, target, stemmer)
		w.pSents = w.sentences(w.pSents, prediction, stemmer)
	}
	maxID := w.in.n
	for _, k := range ks {
		switch {
		case k.n > 0:
			m, np, nt := w.cs.pairMatch(w.pIDs, w.tIDs, k.n, maxID)
			p := float64(m) / float64(max(np, 1))
			r := float64(m) / float64(max(nt, 1))
			out[k.name] = PRF{p, r, fmeasure(p, r)}
		case k.n == 0:
			out[k.name] = w.lcsScore()
		default:
			out[k.name] = w.summaryLCS()
		}
	}
}

// sentences splits text on "\n", drops empty lines and tokenizes each.
func (w *rougeWorker) sentences(dst [][]uint32, text string, stemmer Stemmer) [][]uint32 {
	n := 0
	for line := range strings.SplitSeq(text, "\n") {
		if line == "" {
			continue
		}
		if n < len(dst) {
			dst[n] = w.ids(dst[n], line, stemmer)
		} else {
			dst = append(dst, w.ids(nil, line, stemmer))
		}
		n++
	}
	return dst[:n]
}

// fmeasure is rouge-score's scoring.fmeasure.
func fmeasure(p, r float64) float64 {
	if p+r > 0 {
		return 2 * p * r / (p + r)
	}
	return 0
}

// lcsScore is rouge-score's _score_lcs on the whole token lists.
func (w *rougeWorker) lcsScore() PRF {
	t, p := w.tIDs, w.pIDs
	if len(t) == 0 || len(p) == 0 {
		return PRF{}
	}
	l := w.lcsLen(t, p)
	prec := float64(l) / float64(len(p))
	rec := float64(l) / float64(len(t))
	return PRF{prec, rec, fmeasure(prec, rec)}
}

// lcsLen returns the length of a longest common subsequence of a and b in
// O(len(b)) memory.
func (w *rougeWorker) lcsLen(a, b []uint32) int {
	row := slices.Grow(w.row[:0], len(b)+1)[:len(b)+1]
	clear(row)
	for _, x := range a {
		var diag int32 // row[j-1] of the previous row
		for j, y := range b {
			up := row[j+1]
			switch {
			case x == y:
				row[j+1] = diag + 1
			case row[j] > up:
				row[j+1] = row[j]
			}
			diag = up
		}
	}
	w.row = row
	return int(row[len(b)])
}

// lcsIndices returns the indices into ref of the longest common
// subsequence that rouge-score's _backtrack_norec reads out of the full
// table.
func (w *rougeWorker) lcsIndices(ref, can []uint32, dst []int) []int {
	rows, cols := len(ref), len(can)
	stride := cols + 1
	t := slices.Grow(w.table[:0], (rows+1)*stride)[:(rows+1)*stride]
	clear(t[:stride])
	for i := 1; i <= rows; i++ {
		t[i*stride] = 0
		for j := 1; j <= cols; j++ {
			if ref[i-1] == can[j-1] {
				t[i*stride+j] = t[(i-1)*stride+j-1] + 1
			} else {
				t[i*stride+j] = max(t[(i-1)*stride+j], t[i*stride+j-1])
			}
		}
	}
	w.table = t
	start := len(dst)
	i, j := rows, cols
	for i > 0 && j > 0 {
		switch {
		case ref[i-1] == can[j-1]:
			dst = append(dst, i-1)
			i--
			j--
		case t[i*stride+j-1] > t[(i-1)*stride+j]:
			j--
		default:
			i--
		}
	}
	slices.Reverse(dst[start:])
	return dst
}

// summaryLCS is rouge-score's _summary_level_lcs: the union LCS of each
// target sentence against all prediction sentences, with each token counted
// at most as often as it occurs on both sides.
func (w *rougeWorker) summaryLCS() PRF {
	ref, can := w.tSents, w.pSents
	if len(ref) == 0 || len(can) == 0 {
		return PRF{}
	}
	m, n := 0, 0
	for _, s := range ref {
		m += len(s)
	}
	for _, s := range can {
		n += len(s)
	}
	if m == 0 || n == 0 {
		return PRF{}
	}
	if w.cntT == nil {
		w.cntT, w.cntP = map[uint32]int{}, map[uint32]int{}
	} else {
		clear(w.cntT)
		clear(w.cntP)
	}
	for _, s := range ref {
		for _, t := range s {
			w.cntT[t]++
		}
	}
	for _, s := range can {
		for _, t := range s {
			w.cntP[t]++
		}
	}
	hits := 0
	for _, r := range ref {
		u := w.union[:0]
		for _, c := range can {
			u = w.lcsIndices(r, c, u)
		}
		slices.Sort(u)
		u = slices.Compact(u)
		w.union = u
		for _, i := range u {
			t := r[i]
			if w.cntP[t] > 0 && w.cntT[t] > 0 {
				hits++
				w.cntP[t]--
				w.cntT[t]--
			}
		}
	}
	rec := float64(hits) / float64(m)
	prec := float64(hits) / float64(n)
	return PRF{prec, rec, fmeasure(prec, rec)}
}
