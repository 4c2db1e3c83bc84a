package metrics

import "sync"

// BLEUAccumulator adds batches of hypotheses and references, from several
// goroutines, and gives the corpus BLEU of everything added so far: the
// same score as one Corpus call over all batches.
type BLEUAccumulator struct {
	c     BLEU
	mu    sync.Mutex
	stats BLEUStats
	nrefs int
	empty bool
}

// NewBLEUAccumulator returns an empty accumulator for configuration c.
func NewBLEUAccumulator(c BLEU) *BLEUAccumulator {
	return &BLEUAccumulator{c: c, empty: true, stats: BLEUStats{Correct: make([]int, c.order()), Total: make([]int, c.order())}}
}

// Add scores a batch (refs[i] are the references of hyps[i]) and adds its
// statistics. A batch with an error adds nothing.
func (a *BLEUAccumulator) Add(hyps []string, refs [][]string) error {
	st, nrefs, err := a.c.Stats(hyps, refs)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stats.Add(st)
	if len(hyps) > 0 {
		switch {
		case a.empty:
			a.nrefs = nrefs
			a.empty = false
		case nrefs != a.nrefs:
			a.nrefs = -1
		}
	}
	return nil
}

// Score returns the corpus BLEU of everything added, with its signature.
func (a *BLEUAccumulator) Score() BLEUScore {
	a.mu.Lock()
	st := BLEUStats{SysLen: a.stats.SysLen, RefLen: a.stats.RefLen,
		Correct: append([]int(nil), a.stats.Correct...), Total: append([]int(nil), a.stats.Total...)}
	nrefs := a.nrefs
	a.mu.Unlock()
	s := a.c.Score(st)
	s.Signature = a.c.Signature(nrefs)
	return s
}

// Reset empties the accumulator.
func (a *BLEUAccumulator) Reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	clear(a.stats.Correct)
	clear(a.stats.Total)
	a.stats.SysLen, a.stats.RefLen = 0, 0
	a.empty, a.nrefs = true, 0
}

// CHRFAccumulator is [BLEUAccumulator] for chrF and chrF++.
type CHRFAccumulator struct {
	c     CHRF
	mu    sync.Mutex
	stats CHRFStats
	nrefs int
	empty bool
}

// NewCHRFAccumulator returns an empty accumulator for configuration c.
func NewCHRFAccumulator(c CHRF) *CHRFAccumulator {
	return &CHRFAccumulator{c: c, empty: true, stats: make(CHRFStats, 3*(max(c.CharOrder, 0)+max(c.WordOrder, 0)))}
}

// Add scores a batch and adds its statistics. A batch with an error adds
// nothing.
func (a *CHRFAccumulator) Add(hyps []string, refs [][]string) error {
	segs, nrefs, err := a.c.SegmentStats(hyps, refs)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, s := range segs {
		a.stats.Add(s)
	}
	if len(hyps) > 0 {
		switch {
		case a.empty:
			a.nrefs = nrefs
			a.empty = false
		case nrefs != a.nrefs:
			a.nrefs = -1
		}
	}
	return nil
}

// Score returns the corpus chrF of everything added, with its signature.
func (a *CHRFAccumulator) Score() CHRFScore {
	a.mu.Lock()
	st := append(CHRFStats(nil), a.stats...)
	nrefs := a.nrefs
	a.mu.Unlock()
	s := a.c.Score(st)
	s.Signature = a.c.Signature(nrefs)
	return s
}

// Reset empties the accumulator.
func (a *CHRFAccumulator) Reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	clear(a.stats)
	a.empty, a.nrefs = true, 0
}

// ROUGEAccumulator adds batches of target/prediction pairs, from several
// goroutines, and gives the mean ROUGE and its bootstrap interval over all
// pairs added, in the order they were added.
type ROUGEAccumulator struct {
	r       ROUGE
	mu      sync.Mutex
	results []ROUGEResult
}

// NewROUGEAccumulator returns an empty accumulator for configuration r.
func NewROUGEAccumulator(r ROUGE) *ROUGEAccumulator {
	return &ROUGEAccumulator{r: r}
}

// Add scores a batch and keeps its per-pair scores.
func (a *ROUGEAccumulator) Add(targets, predictions []string) error {
	res, err := a.r.Corpus(targets, predictions)
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.results = append(a.results, res...)
	a.mu.Unlock()
	return nil
}

// Len returns the number of pairs added.
func (a *ROUGEAccumulator) Len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.results)
}

// Mean returns the mean of each ROUGE type over the pairs added.
func (a *ROUGEAccumulator) Mean() ROUGEResult {
	a.mu.Lock()
	defer a.mu.Unlock()
	return MeanROUGE(a.results)
}

// Bootstrap returns rouge-score's bootstrap aggregate of the pairs added.
func (a *ROUGEAccumulator) Bootstrap(opts BootstrapOptions) (map[string]ROUGEAggregate, error) {
	a.mu.Lock()
	res := append([]ROUGEResult(nil), a.results...)
	a.mu.Unlock()
	types := a.r.Types
	if len(types) == 0 {
		types = DefaultROUGETypes
	}
	return BootstrapROUGE(types, res, opts)
}

// Reset empties the accumulator.
func (a *ROUGEAccumulator) Reset() {
	a.mu.Lock()
	a.results = nil
	a.mu.Unlock()
}
