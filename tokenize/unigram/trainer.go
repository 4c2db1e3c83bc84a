package unigram

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/goformer/goformer/internal/progress"
	"github.com/goformer/goformer/tokenize/internal/progressreader"
)

// ErrBadTrainerConfig is returned (wrapped) for trainer settings out of
// their valid range.
var ErrBadTrainerConfig = errors.New("bad trainer config")

// TrainerConfig holds what Train needs.
type TrainerConfig struct {
	// Trainer holds SentencePiece's trainer options (start from
	// DefaultTrainerSpec): VocabSize, CharacterCoverage,
	// SeedSentencepieceSize, ShrinkingFactor, NumSubIterations,
	// MaxSentencepieceLength, the Split* rules, ControlSymbols,
	// UserDefinedSymbols, RequiredChars, ByteFallback, the meta piece ids
	// and names, and so on. It is stored in the trained model.
	// NumThreads fixes the order in which floating-point sums are taken
	// (as in SentencePiece, whose results depend on it), not the number of
	// goroutines.
	Trainer TrainerSpec
	// Normalizer is applied to every sentence before training and stored
	// in the model: BuiltinNormalizerSpec's rule sets (nmt_nfkc is
	// SentencePiece's default), or an existing model's Proto().Normalizer
	// to train with exactly its rules.
	Normalizer NormalizerSpec
	// Workers is the number of goroutines; 0 means GOMAXPROCS. The result
	// does not depend on it.
	Workers int
	// Seed drives the sampling of input sentences when
	// Trainer.InputSentenceSize > 0 and Trainer.ShuffleInputSentence.
	Seed uint64
	// Logf, when not nil, receives progress messages.
	Logf func(format string, args ...any)
	// Progress, when not nil, receives progress bars (on a terminal) or
	// lines with the rate and the time left: reading the corpus, then the
	// EM steps.
	Progress io.Writer
}

// DefaultTrainerConfig returns SentencePiece's default unigram settings,
// with its default normalization, nmt_nfkc (built on first use, which
// takes a few seconds once per process).
func DefaultTrainerConfig() TrainerConfig {
	norm, err := BuiltinNormalizerSpec(RulesNmtNFKC)
	if err != nil {
		// The built-in rules are fixed data; failing to build them is a
		// bug, not a condition a caller can handle.
		panic("unigram: building nmt_nfkc: " + err.Error())
	}
	return TrainerConfig{Trainer: DefaultTrainerSpec(), Normalizer: norm}
}

const (
	wsChar          = '\u2581'
	unkChar         = '\u2585'
	unkStr          = "\u2585"
	boundaryChar    = '\t'
	boundaryStr     = "\t"
	sentenceEnd     = 0
	anyScript       = 255
	expectedMinFreq = 0.5
)

type sentence struct {
	text string
	freq int64
}

type scoredPiece struct {
	piece string
	score float32
}

type trainer struct {
	cfg       TrainerConfig
	spec      *TrainerSpec
	workers   int
	threads   int // virtual threads: the summation order of SentencePiece
	meta      map[int]PieceProto
	sentences []sentence
	required  map[rune]int64
	desired   int
}

// Train builds a Unigram model from the sentences of corpus (one per line;
// with Trainer.InputFormat "tsv", "sentence<TAB>frequency") with
// SentencePiece's algorithm. The corpus is read as a stream; the sentences
// kept for training are held in memory, as SentencePiece does
// (Trainer.InputSentenceSize bounds them).
func Train(corpus io.Reader, cfg TrainerConfig) (*Model, error) {
	t := &trainer{cfg: cfg, spec: &cfg.Trainer}
	if err := t.verify(); err != nil {
		return nil, err
	}
	t.workers = cfg.Workers
	if t.workers <= 0 {
		t.workers = runtime.GOMAXPROCS(0)
	}
	t.threads = int(t.spec.NumThreads)
	if err := t.initMeta(); err != nil {
		return nil, err
	}
	if cfg.Progress != nil {
		pr := progressreader.New(corpus, cfg.Progress, "read sentences")
		if err := t.loadSentences(pr); err != nil {
			return nil, err
		}
		pr.Finish()
	} else if err := t.loadSentences(corpus); err != nil {
		return nil, err
	}
	seeds, err := t.seedPieces()
	if err != nil {
		return nil, err
	}
	t.logf("initialized %d seed pieces", len(seeds))
	if t.spec.SplitByWhitespace {
		t.splitByWhitespace()
	}
	t.logf("using %d sentences for EM training", len(t.sentences))
	t.desired = int(float64(t.spec.VocabSize) * 1.1)
	model, err := newTrainerModel(seeds)
	if err != nil {
		return nil, err
	}
	bar := progress.New(cfg.Progress, progress.Options{Total: t.emSteps(len(seeds)), Unit: "EM steps", Desc: "unigram"})
	defer bar.Finish()
	for {
		for iter := 0; iter < int(t.spec.NumSubIterations); iter++ {
			bar.SetStatus(fmt.Sprintf("%d pieces", len(model.pieces)))
			bar.Add(1)
			expected, obj, err := t.eStep(model)
			if err != nil {
				return nil, err
			}
			pieces := t.mStep(model, expected)
			if len(pieces) == 0 {
				return nil, errors.New("train: no piece survived the M step")
			}
			if model, err = newTrainerModel(pieces); err != nil {
				return nil, err
			}
			t.logf("EM sub_iter=%d size=%d obj=%g", iter, len(pieces), obj)
		}
		if len(model.pieces) <= t.desired {
			break
		}
		pieces := t.prune(model)
		var err error
		if model, err = newTrainerModel(pieces); err != nil {
			return nil, err
		}
	}
	final := t.finalize(model)
	return t.serialize(final)
}

// emSteps estimates the number of EM steps from the number of seed
// pieces: NumSubIterations per round, one round more after each pruning,
// which keeps ShrinkingFactor of the pieces until the desired size.
func (t *trainer) emSteps(seeds int) int64 {
	rounds := int64(1)
	for n := seeds; n > t.desired; rounds++ {
		n = max(t.desired, int(t.spec.ShrinkingFactor*float32(n)))
	}
	return rounds * int64(t.spec.NumSubIterations)
}

func (t *trainer) logf(format string, args ...any) {
	if t.cfg.Logf != nil {
		t.cfg.Logf(format, args...)
	}
}

func (t *trainer) verify() error {
	s := t.spec
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrBadTrainerConfig}, args...)...)
	}
	switch {
	case s.ModelType != ModelUnigram:
		return bad("model type %d is not unigram", s.ModelType)
	case s.VocabSize <= 0:
		return bad("vocab size %d", s.VocabSize)
	case s.CharacterCoverage < 0.98 || s.CharacterCoverage > 1:
		return bad("character coverage %g not in [0.98, 1]", s.CharacterCoverage)
	case s.MaxSentencepieceLength < 1 || s.MaxSentencepieceLength > 512:
		return bad("max sentencepiece length %d not in [1, 512]", s.MaxSentencepieceLength)
	case s.NumSubIterations < 1 || s.NumSubIterations > 10:
		return bad("num sub iterations %d not in [1, 10]", s.NumSubIterations)
	case s.NumThreads < 1 || s.NumThreads > 128:
		return bad("num threads %d not in [1, 128]", s.NumThreads)
	case s.ShrinkingFactor < 0.5 || s.ShrinkingFactor > 0.95:
		return bad("shrinking factor %g not in [0.5, 0.95]", s.ShrinkingFactor)
	case s.MaxSentenceLength < 10 || s.MaxSentenceLength > 1073741824:
		return bad("max sentence length %d not in [10, 2^30]", s.MaxSentenceLength)
	case s.SeedSentencepieceSize <= 0:
		return bad("seed sentencepiece size %d", s.SeedSentencepieceSize)
	case s.UnkPiece == "" || s.BosPiece == "" || s.EosPiece == "" || s.PadPiece == "":
		return bad("meta pieces must not be empty")
	case !t.cfg.Normalizer.EscapeWhitespaces:
		return bad("unigram training needs escape_whitespaces")
	case s.InputFormat != "" && s.InputFormat != "text" && s.InputFormat != "tsv":
		return bad("input format %q (want text or tsv)", s.InputFormat)
	}
	return nil
}

// initMeta places unk, bos, eos, pad, control, user-defined and byte pieces
// at their ids as SentencePiece does.
func (t *trainer) initMeta() error {
	s := t.spec
	t.meta = map[int]PieceProto{}
	hasUnk := false
	insertID := func(id int32, w string) error {
		if id < 0 {
			return nil
		}
		if id >= s.VocabSize || (hasUnk && w == s.UnkPiece) {
			return fmt.Errorf("%w: id %d of %q", ErrBadTrainerConfig, id, w)
		}
		if _, dup := t.meta[int(id)]; dup {
			return fmt.Errorf("%w: id %d is used twice", ErrBadTrainerConfig, id)
		}
		typ := Control
		if w == s.UnkPiece {
			hasUnk, typ = true, Unknown
		}
		t.meta[int(id)] = PieceProto{Piece: w, Type: typ}
		return nil
	}
	for _, p := range []struct {
		id int32
		w  string
	}{{s.UnkID, s.UnkPiece}, {s.BosID, s.BosPiece}, {s.EosID, s.EosPiece}, {s.PadID, s.PadPiece}} {
		if err := insertID(p.id, p.w); err != nil {
			return err
		}
	}
	if !hasUnk {
		return fmt.Errorf("%w: %s must be defined", ErrBadTrainerConfig, s.UnkPiece)
	}
	dup := map[string]bool{}
	next := 0
	insertSymbol := func(w string, typ PieceType) error {
		if dup[w] {
			return fmt.Errorf("%w: %q is already defined", ErrBadTrainerConfig, w)
		}
		dup[w] = true
		if w == s.UnkPiece {
			return fmt.Errorf("%w: %s must not be a control or user-defined symbol", ErrBadTrainerConfig, w)
		}
		switch {
		case w == s.BosPiece && s.BosID >= 0:
			t.setMetaType(int(s.BosID), typ)
		case w == s.EosPiece && s.EosID >= 0:
			t.setMetaType(int(s.EosID), typ)
		case w == s.PadPiece && s.PadID >= 0:
			t.setMetaType(int(s.PadID), typ)
		default:
			for {
				if _, used := t.meta[next]; !used {
					break
				}
				next++
			}
			t.meta[next] = PieceProto{Piece: w, Type: typ}
		}
		return nil
	}
	for _, w := range s.ControlSymbols {
		if err := insertSymbol(w, Control); err != nil {
			return err
		}
	}
	for _, w := range s.UserDefinedSymbols {
		if err := insertSymbol(w, UserDefined); err != nil {
			return err
		}
	}
	if s.ByteFallback {
		for b := 0; b < 256; b++ {
			if err := insertSymbol(byteToPiece(byte(b)), Byte); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *trainer) setMetaType(id int, typ PieceType) {
	p := t.meta[id]
	p.Type = typ
	t.meta[id] = p
}

// loadSentences reads, selects and normalizes the corpus, then finds the
// required characters and replaces the others with ▅.
func (t *trainer) loadSentences(corpus io.Reader) error {
	s := t.spec
	isTSV := s.InputFormat == "tsv"
	var rng *rand.Rand
	if s.InputSentenceSize > 0 && s.ShuffleInputSentence {
		rng = rand.New(rand.NewPCG(t.cfg.Seed, 0x9e3779b97f4a7c15))
	}
	total := 0
	br := bufio.NewReaderSize(corpus, 1<<16)
	for {
		line, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return fmt.Errorf("train: read corpus: %w", err)
		}
		if line == "" && err == io.EOF {
			break
		}
		line = strings.TrimSuffix(line, "\n")
		freq := int64(1)
		if isTSV {
			k := strings.IndexByte(line, '\t')
			if k < 0 || strings.Count(line, "\t") != 1 {
				return fmt.Errorf("train: tsv line must be sentence<TAB>frequency: %q", line)
			}
			f, perr := strconv.ParseInt(line[k+1:], 10, 64)
			if perr != nil || f < 1 {
				return fmt.Errorf("train: bad frequency in tsv line %q", line)
			}
			line, freq = line[:k], f
		}
		if line != "" && len(line) <= int(s.MaxSentenceLength) && !strings.Contains(line, unkStr) {
			total++
			switch {
			case s.InputSentenceSize == 0:
				t.sentences = append(t.sentences, sentence{line, freq})
			case rng != nil:
				// Reservoir sampling.
				if uint64(len(t.sentences)) < s.InputSentenceSize {
					t.sentences = append(t.sentences, sentence{line, freq})
				} else if j := rng.Int64N(int64(total)); uint64(j) < s.InputSentenceSize {
					t.sentences[j] = sentence{line, freq}
				}
			default:
				t.sentences = append(t.sentences, sentence{line, freq})
				if uint64(len(t.sentences)) >= s.InputSentenceSize {
					err = io.EOF
				}
			}
		}
		if err == io.EOF {
			break
		}
	}
	if len(t.sentences) == 0 {
		return errors.New("train: the corpus has no sentences")
	}
	t.logf("loaded %d of %d sentences", len(t.sentences), total)

	norm, err := NewNormalizer(t.cfg.Normalizer, s.TreatWhitespaceAsSuffix)
	if err != nil {
		return err
	}
	var metaPieces []string
	for _, p := range t.meta {
		metaPieces = append(metaPieces, p.Piece)
	}
	slices.Sort(metaPieces)
	metaMatcher, err := buildDoubleArray(metaPieces, make([]int32, len(metaPieces)))
	if err != nil {
		return fmt.Errorf("%w: meta pieces: %w", ErrBadTrainerConfig, err)
	}
	t.parallel(len(t.sentences), func(i int) {
		n := norm.NormalizeString(t.sentences[i].text)
		t.sentences[i].text = globalReplace(metaMatcher, n, boundaryStr)
	})
	for i := 0; i < len(t.sentences); i++ {
		if strings.Contains(t.sentences[i].text, " ") {
			return errors.New("train: normalized string must not include spaces")
		}
		if t.sentences[i].text == "" {
			last := len(t.sentences) - 1
			t.sentences[i], t.sentences[last] = t.sentences[last], t.sentences[i]
			t.sentences = t.sentences[:last]
		}
	}
	if len(t.sentences) == 0 {
		return errors.New("train: every sentence is empty after normalization")
	}

	// Required characters: by coverage of the corpus.
	type charCount struct {
		required bool
		count    int64
	}
	counts := map[rune]*charCount{}
	for _, c := range s.RequiredChars {
		if c == 0 {
			continue
		}
		if c == utf8.RuneError || !validCodepoint(c) {
			return fmt.Errorf("%w: required chars must be valid UTF-8", ErrBadTrainerConfig)
		}
		counts[c] = &charCount{required: true}
	}
	var all int64
	for _, sn := range t.sentences {
		for _, c := range sn.text {
			if c == 0 || !validCodepoint(c) {
				continue
			}
			cc := counts[c]
			if cc == nil {
				cc = &charCount{}
				counts[c] = cc
			}
			cc.count += sn.freq
			all += sn.freq
		}
	}
	chars := make([]rune, 0, len(counts))
	for c := range counts {
		chars = append(chars, c)
	}
	slices.SortFunc(chars, func(a, b rune) int {
		ca, cb := counts[a], counts[b]
		if ca.required != cb.required {
			if ca.required {
				return -1
			}
			return 1
		}
		if ca.count != cb.count {
			return cmp.Compare(cb.count, ca.count)
		}
		return cmp.Compare(a, b)
	})
	t.required = map[rune]int64{}
	var acc int64
	for _, c := range chars {
		coverage := float32(1.0 * float64(acc) / float64(all))
		if !s.UseAllVocab && coverage >= s.CharacterCoverage {
			break
		}
		acc += counts[c].count
		if c == boundaryChar {
			continue
		}
		t.required[c] = counts[c].count
	}
	t.logf("alphabet size %d, character coverage %g", len(t.required), float64(acc)/float64(all))
	if _, ok := t.required[unkChar]; ok {
		return fmt.Errorf("%w: %q must not be a required character", ErrBadTrainerConfig, unkChar)
	}
	if len(t.required)+len(t.meta) > int(s.VocabSize) {
		return fmt.Errorf("%w: vocabulary size %d is smaller than the %d required characters and %d meta pieces; raise the vocabulary size or lower the character coverage",
			ErrBadTrainerConfig, s.VocabSize, len(t.required), len(t.meta))
	}
	t.parallel(len(t.sentences), func(i int) {
		src := t.sentences[i].text
		var b strings.Builder
		b.Grow(len(src))
		for _, c := range src {
			if _, ok := t.required[c]; ok {
				b.WriteRune(c)
			} else {
				b.WriteRune(unkChar)
			}
		}
		t.sentences[i].text = b.String()
	})
	return nil
}

func validCodepoint(c rune) bool {
	return uint32(c) < 0xD800 || (c >= 0xE000 && c <= 0x10FFFF)
}

// globalReplace replaces every longest match of the keys of da in s with
// out.
func globalReplace(da *doubleArray, s, out string) string {
	if len(da.units) == 0 {
		return s
	}
	var b strings.Builder
	var buf [4]prefixMatch
	for s != "" {
		ms := da.commonPrefixSearch(s, buf[:0])
		if len(ms) > 0 {
			b.WriteString(out)
			s = s[ms[len(ms)-1].length:]
			continue
		}
		l := min(oneCharLen(s[0]), len(s))
		b.WriteString(s[:l])
		s = s[l:]
	}
	return b.String()
}

// parallel runs f(0..n-1) on the trainer's goroutines.
func (t *trainer) parallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	w := min(t.workers, max(n, 1))
	for k := range w {
		wg.Go(func() {
			for i := k; i < n; i += w {
				f(i)
			}
		})
	}
	wg.Wait()
}

// isValidPiece says whether a substring may become a piece, with
// SentencePiece's rules on length, ▁, digits and scripts.
func (t *trainer) isValidPiece(p []rune) bool {
	s := t.spec
	if len(p) == 0 || len(p) > int(s.MaxSentencepieceLength) {
		return false
	}
	prev := uint8(anyScript)
	allWS := true
	for _, c := range p {
		if c != wsChar {
			allWS = false
			break
		}
	}
	for pos, c := range p {
		switch {
		case c == unkChar, c == 0, c == boundaryChar, c == ' ', !validCodepoint(c):
			return false
		}
		if c == wsChar {
			if !s.AllowWhitespaceOnlyPieces || !allWS {
				if s.TreatWhitespaceAsSuffix {
					if (s.SplitByWhitespace && pos < len(p)-1) ||
						(!s.SplitByWhitespace && pos < len(p)-1 && pos == 0) {
						return false
					}
				} else {
					if (s.SplitByWhitespace && pos > 0) ||
						(!s.SplitByWhitespace && pos > 0 && pos == len(p)-1) {
						return false
					}
				}
			}
			continue
		}
		sc := scriptOf(c)
		if sc == scriptHiragana || sc == scriptKatakana || c == 0x30FC {
			sc = scriptHan
		} else if sc == scriptInherited {
			sc = prev
		}
		isDigit := (c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19)
		if !s.SplitByNumber && isDigit {
			sc = anyScript
		}
		if s.SplitDigits && isDigit && len(p) > 1 {
			return false
		}
		if s.SplitByUnicodeScript && sc != anyScript && prev != anyScript && prev != sc {
			return false
		}
		prev = sc
	}
	return true
}

// seedPieces returns every required character and the substrings with the
// largest frequency × length, found with a suffix array of the whole
// corpus, as initial pieces with log-probability scores.
func (t *trainer) seedPieces() ([]scoredPiece, error) {
	var text []rune
	allChars := map[string]int64{}
	for _, sn := range t.sentences {
		for _, c := range sn.text {
			text = append(text, c)
			if c != unkChar && c != sentenceEnd {
				allChars[string(c)] += sn.freq
			}
		}
		text = append(text, sentenceEnd)
	}
	if len(text) > math.MaxInt32 {
		return nil, errors.New("train: corpus too large for the suffix array")
	}
	sa, err := suffixArray(text)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	ls, rs, ds := suffixTreeNodes(text, sa)
	type cand struct {
		node  int32
		score int32
	}
	// Filter the nodes in parallel, in chunks whose results keep the node
	// order.
	chunks := make([][]cand, t.workers*4)
	per := (len(ls) + len(chunks) - 1) / len(chunks)
	t.parallel(len(chunks), func(k int) {
		var out []cand
		for i := k * per; i < min(len(ls), (k+1)*per); i++ {
			off, length := sa[ls[i]], ds[i]
			// Too long a substring can never be a piece; testing that
			// first saves scanning long repeats for a boundary.
			if length <= 1 || length > t.spec.MaxSentencepieceLength {
				continue
			}
			sub := text[off : off+length]
			if slices.Contains(sub, sentenceEnd) || !t.isValidPiece(sub) {
				continue
			}
			freq := rs[i] - ls[i]
			out = append(out, cand{int32(i), freq * length})
		}
		chunks[k] = out
	})
	var cands []cand
	for _, c := range chunks {
		cands = append(cands, c...)
	}
	type charCount struct {
		c string
		n int64
	}
	chars := make([]charCount, 0, len(allChars))
	for c, n := range allChars {
		chars = append(chars, charCount{c, n})
	}
	slices.SortFunc(chars, func(a, b charCount) int {
		if a.n != b.n {
			return cmp.Compare(b.n, a.n)
		}
		return strings.Compare(a.c, b.c)
	})
	seeds := make([]scoredPiece, 0, len(allChars)+len(cands))
	for _, c := range chars {
		seeds = append(seeds, scoredPiece{c.c, float32(c.n)})
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		return cmp.Compare(a.node, b.node)
	})
	for _, c := range cands {
		if len(seeds) == int(t.spec.SeedSentencepieceSize) {
			break
		}
		off, length := sa[ls[c.node]], ds[c.node]
		seeds = append(seeds, scoredPiece{string(text[off : off+length]), float32(c.score)})
	}
	// To log probabilities, with SentencePiece's float32 sum.
	var sum float32
	for _, p := range seeds {
		sum += p.score
	}
	logsum := float32(math.Log(float64(sum)))
	for i := range seeds {
		seeds[i].score = float32(math.Log(float64(seeds[i].score)) - float64(logsum))
	}
	return seeds, nil
}

// sortPieces orders pieces by score, highest first, then by piece.
func sortPieces(p []scoredPiece) {
	slices.SortFunc(p, func(a, b scoredPiece) int {
		if a.score != b.score {
			if a.score > b.score {
				return -1
			}
			return 1
		}
		return strings.Compare(a.piece, b.piece)
	})
}

// splitByWhitespace turns the sentences into words with counts, sorted by
// count and then by word.
func (t *trainer) splitByWhitespace() {
	counts := map[string]int64{}
	for _, sn := range t.sentences {
		for _, w := range splitIntoWords(sn.text, t.spec.TreatWhitespaceAsSuffix, t.spec.AllowWhitespaceOnlyPieces) {
			counts[w] += sn.freq
		}
	}
	words := make([]sentence, 0, len(counts))
	for w, n := range counts {
		words = append(words, sentence{w, n})
	}
	slices.SortFunc(words, func(a, b sentence) int {
		if a.freq != b.freq {
			return cmp.Compare(b.freq, a.freq)
		}
		return strings.Compare(a.text, b.text)
	})
	t.sentences = words
}

// splitIntoWords splits a normalized text before each ▁ (or after, with
// whitespace as suffix), as SentencePiece does.
func splitIntoWords(text string, suffix, allowWSOnly bool) []string {
	var out []string
	inWS := false
	if suffix {
		start := 0
		if text != "" {
			out = append(out, "")
		}
		cur := 0
		for cur < len(text) {
			l := min(oneCharLen(text[cur]), len(text)-cur)
			isWS := text[cur:cur+l] == spaceSymbol
			if isWS {
				inWS = true
			} else if inWS {
				if allowWSOnly {
					out = append(out, "")
					start = cur
				}
				inWS = false
			}
			cur += l
			out[len(out)-1] = text[start:cur]
			if cur < len(text) && isWS && !allowWSOnly {
				out = append(out, "")
				start = cur
			}
		}
		return out
	}
	start := 0
	for cur := 0; cur < len(text); {
		l := min(oneCharLen(text[cur]), len(text)-cur)
		isWS := text[cur:cur+l] == spaceSymbol
		if cur == 0 || (isWS && (!inWS || !allowWSOnly)) {
			if cur > 0 {
				out = append(out, text[start:cur])
			}
			start = cur
			inWS = true
		}
		if inWS && !isWS {
			inWS = false
		}
		cur += l
	}
	if len(text) > 0 {
		out = append(out, text[start:])
	}
	return out
}

// newTrainerModel makes the model of the current pieces. Like
// SentencePiece's trainer model, every piece is normal and unknown
// characters take id 0.
func newTrainerModel(pieces []scoredPiece) (*Model, error) {
	m := &Model{pieces: make([]pieceInfo, len(pieces)), minScore: math.MaxFloat32, maxScore: 0x1p-126}
	keys := make([]string, len(pieces))
	vals := make([]int32, len(pieces))
	for i, p := range pieces {
		if math.IsNaN(float64(p.score)) {
			return nil, errors.New("train: a piece score is NaN")
		}
		m.pieces[i] = pieceInfo{p.piece, p.score, Normal}
		m.minScore = min(m.minScore, p.score)
		keys[i], vals[i] = p.piece, int32(i)
	}
	da, err := buildDoubleArray(keys, vals)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	m.trie = da
	m.setEncInfo()
	return m, nil
}

func (m *Model) scoredPieces() []scoredPiece {
	out := make([]scoredPiece, len(m.pieces))
	for i, p := range m.pieces {
		out[i] = scoredPiece{p.piece, p.score}
	}
	return out
}

// latticeWork is a lattice with its buffers, reused across sentences.
type latticeWork struct {
	l           lattice
	alpha, beta []float32
}

// populateMarginal adds freq × the expected count of every piece in the
// sentence to expected and returns freq × log Z.
func (w *latticeWork) populateMarginal(freq float32, expected []float32) float32 {
	l := &w.l
	w.alpha = l.forward(1, w.alpha)
	w.beta = l.backward(w.beta)
	alpha, beta := w.alpha, w.beta
	z := alpha[1]
	n := l.size()
	for pos := 0; pos < n; pos++ {
		a, b := l.beginRange(pos)
		for r := a; r < b; r++ {
			nd := &l.nodes[r]
			if nd.id >= 0 {
				x := float64(freq) * math.Exp(float64(alpha[r]+nd.score+beta[r]-z))
				expected[nd.id] = float32(float64(expected[nd.id]) + x)
			}
		}
	}
	return freq * z
}

// eStep computes the expected count of every piece over the corpus.
func (t *trainer) eStep(m *Model) ([]float32, float32, error) {
	T := t.threads
	expected := make([][]float32, T)
	objs := make([]float32, T)
	var allFreq int64
	for _, s := range t.sentences {
		allFreq += s.freq
	}
	var nanErr error
	var mu sync.Mutex
	t.runThreads(func(n int) {
		var w latticeWork
		exp := make([]float32, len(m.pieces))
		for i := n; i < len(t.sentences); i += T {
			s := &t.sentences[i]
			m.populate(&w.l, s.text)
			z := w.populateMarginal(float32(s.freq), exp)
			if math.IsNaN(float64(z)) {
				mu.Lock()
				nanErr = errors.New("train: likelihood is NaN; an input sentence may be too long")
				mu.Unlock()
				return
			}
			objs[n] -= z / float32(allFreq)
		}
		expected[n] = exp
	})
	if nanErr != nil {
		return nil, 0, nanErr
	}
	for n := 1; n < T; n++ {
		objs[0] += objs[n]
		for k := range expected[0] {
			expected[0][k] += expected[n][k]
		}
	}
	return expected[0], objs[0], nil
}

// runThreads runs f for every virtual thread 0..NumThreads-1 on the
// trainer's goroutines.
func (t *trainer) runThreads(f func(n int)) {
	next := make(chan int, t.threads)
	for n := range t.threads {
		next <- n
	}
	close(next)
	var wg sync.WaitGroup
	for range min(t.workers, t.threads) {
		wg.Go(func() {
			for n := range next {
				f(n)
			}
		})
	}
	wg.Wait()
}

// digamma is SentencePiece's approximation of the digamma function.
func digamma(x float64) float64 {
	result := 0.0
	for ; x < 7; x++ {
		result -= 1 / x
	}
	x -= 1.0 / 2.0
	xx := 1.0 / x
	xx2 := xx * xx
	xx4 := xx2 * xx2
	result += math.Log(x) + (1.0/24.0)*xx2 - (7.0/960.0)*xx4 +
		(31.0/8064.0)*xx4*xx2 - (127.0/30720.0)*xx4*xx4
	return result
}

// mStep drops pieces expected less than 0.5 times and rescores the rest
// with the Bayesian (digamma) update.
func (t *trainer) mStep(m *Model, expected []float32) []scoredPiece {
	var out []scoredPiece
	var sum float32
	for i, f := range expected {
		if f < expectedMinFreq {
			continue
		}
		out = append(out, scoredPiece{m.pieces[i].piece, f})
		sum += f
	}
	logsum := float32(digamma(float64(sum)))
	for i := range out {
		out[i].score = float32(digamma(float64(out[i].score)) - float64(logsum))
	}
	return out
}

// prune keeps the pieces whose removal would cost the most likelihood,
// shrinking the vocabulary by the shrinking factor.
func (t *trainer) prune(m *Model) []scoredPiece {
	pieces := m.scoredPieces()
	n := len(pieces)
	alwaysKeep := make([]bool, n)
	alternatives := make([][]int32, n)
	t.parallel(n, func(i int) {
		var l lattice
		m.populate(&l, pieces[i].piece)
		nb := l.nbest(2)
		switch {
		case len(nb) == 1:
			alwaysKeep[i] = true
		case len(nb[0].nodes) >= 2:
			alwaysKeep[i] = false
		case len(nb[0].nodes) == 1:
			alwaysKeep[i] = true
			for _, ni := range nb[1].nodes {
				alternatives[i] = append(alternatives[i], l.nodes[ni].id)
			}
		default:
			alwaysKeep[i] = true
		}
	})

	T := t.threads
	vsums := make([]float32, T)
	freqs := make([][]float32, T)
	inverteds := make([][][]int32, T)
	t.runThreads(func(k int) {
		var l lattice
		f := make([]float32, n)
		inv := make([][]int32, n)
		for i := k; i < len(t.sentences); i += T {
			s := &t.sentences[i]
			m.populate(&l, s.text)
			vsums[k] += float32(s.freq)
			path, _ := l.viterbi()
			for _, ni := range path {
				id := l.nodes[ni].id
				if id >= 0 {
					f[id] += float32(s.freq)
					inv[id] = append(inv[id], int32(i))
				}
			}
		}
		freqs[k], inverteds[k] = f, inv
	})
	var vsum float32
	freq := make([]float32, n)
	inverted := make([][]int32, n)
	for k := 0; k < T; k++ {
		vsum += vsums[k]
		for i := range n {
			freq[i] += freqs[k][i]
			inverted[i] = append(inverted[i], inverteds[k][i]...)
		}
	}
	var sum64 float64
	for _, f := range freq {
		sum64 += float64(f)
	}
	sum := float32(sum64)
	logsum := float32(math.Log(float64(sum)))
	type cand struct {
		i    int
		loss float32
	}
	var cands []cand
	var kept []scoredPiece
	for i := range n {
		switch {
		case freq[i] == 0 || !alwaysKeep[i]:
			continue
		case len(alternatives[i]) == 0:
			kept = append(kept, pieces[i])
		default:
			var F float32
			for _, si := range inverted[i] {
				F += float32(t.sentences[si].freq)
			}
			F /= vsum
			logprobSP := float32(math.Log(float64(freq[i])) - float64(logsum))
			// SentencePiece multiplies by the number of pieces here (the
			// size of its alternatives table), not by the number of
			// alternatives of this piece; kept for identical results.
			logsumAlt := float32(math.Log(float64(sum + freq[i]*float32(n-1))))
			var logprobAlt float32
			for _, a := range alternatives[i] {
				logprobAlt = float32(float64(logprobAlt) + (math.Log(float64(freq[a]+freq[i])) - float64(logsumAlt)))
			}
			cands = append(cands, cand{i, F * (logprobSP - logprobAlt)})
		}
	}
	pruned := max(t.desired, int(t.spec.ShrinkingFactor*float32(n)))
	slices.SortFunc(cands, func(a, b cand) int {
		if a.loss != b.loss {
			if a.loss > b.loss {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.i, b.i)
	})
	for _, c := range cands {
		if len(kept) == pruned {
			break
		}
		kept = append(kept, pieces[c.i])
	}
	return kept
}

// finalize keeps the required characters and the best-scored pieces up to
// the vocabulary size.
func (t *trainer) finalize(m *Model) []scoredPiece {
	final := map[string]float32{}
	sp := map[string]float32{}
	for _, p := range m.pieces {
		sp[p.piece] = p.score
	}
	type rc struct {
		c     rune
		count int64
	}
	req := make([]rc, 0, len(t.required))
	for c, n := range t.required {
		req = append(req, rc{c, n})
	}
	slices.SortFunc(req, func(a, b rc) int {
		if a.count != b.count {
			return cmp.Compare(b.count, a.count)
		}
		return cmp.Compare(a.c, b.c)
	})
	var penalty float32
	const penaltyDelta = 0.0001
	for _, r := range req {
		s := string(r.c)
		if score, ok := sp[s]; ok {
			final[s] = score
		} else {
			final[s] = m.minScore + penalty
			penalty += penaltyDelta
		}
	}
	size := int(t.spec.VocabSize) - len(t.meta)
	sorted := m.scoredPieces()
	sortPieces(sorted)
	for _, p := range sorted {
		if _, ok := final[p.piece]; ok {
			continue
		}
		if len(final) == size {
			break
		}
		final[p.piece] = p.score
	}
	out := make([]scoredPiece, 0, len(final))
	for p, s := range final {
		out = append(out, scoredPiece{p, s})
	}
	sortPieces(out)
	return out
}

// serialize lays out the meta pieces at their ids and the trained pieces
// around them.
func (t *trainer) serialize(final []scoredPiece) (*Model, error) {
	s := t.spec
	p := &ModelProto{Trainer: *s, Normalizer: t.cfg.Normalizer, hasTrainer: true, hasNormalizer: true}
	dup := map[string]bool{}
	fid := 0
	for id := 0; id < int(s.VocabSize); id++ {
		if mp, ok := t.meta[id]; ok {
			p.Pieces = append(p.Pieces, PieceProto{Piece: mp.Piece, Type: mp.Type, hasScore: true})
			if dup[mp.Piece] {
				return nil, fmt.Errorf("train: %q is already defined", mp.Piece)
			}
			dup[mp.Piece] = true
		} else if fid < len(final) {
			w := final[fid]
			fid++
			if dup[w.piece] {
				return nil, fmt.Errorf("train: %q is already defined", w.piece)
			}
			dup[w.piece] = true
			p.Pieces = append(p.Pieces, PieceProto{Piece: w.piece, Score: w.score, hasScore: true})
		}
	}
	if fid != len(final) {
		return nil, fmt.Errorf("train: %d pieces left over", len(final)-fid)
	}
	if !s.HardVocabLimit {
		p.Trainer.VocabSize = int32(len(p.Pieces))
	} else if int(s.VocabSize) != len(p.Pieces) {
		return nil, fmt.Errorf("%w: vocabulary size too high (%d); set it to a value <= %d", ErrBadTrainerConfig, s.VocabSize, len(p.Pieces))
	}
	p.Trainer.present = fieldSet{}
	for _, f := range p.Trainer.fields() {
		p.Trainer.present.add(f.num)
	}
	p.Trainer.unknown = nil
	return NewModel(p)
}
