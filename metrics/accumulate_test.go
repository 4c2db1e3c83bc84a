package metrics

import (
	"errors"
	"sync"
	"testing"
)

func TestAccumulatorsEqualOneCorpusCallWhateverTheBatching(t *testing.T) {
	hyps, refs := syntheticPairs(1200, 11)
	targets := make([]string, len(refs))
	for i, r := range refs {
		targets[i] = r[0]
	}
	wantBLEU, _ := BLEU{}.Corpus(hyps, refs)
	wantCHRF, _ := DefaultCHRFPlusPlus.Corpus(hyps, refs)
	rouge := ROUGE{Types: []string{"rouge1", "rougeL"}}
	all, _ := rouge.Corpus(targets, hyps)
	wantROUGE := MeanROUGE(all)

	bleu := NewBLEUAccumulator(BLEU{})
	chrf := NewCHRFAccumulator(DefaultCHRFPlusPlus)
	racc := NewROUGEAccumulator(rouge)
	var wg sync.WaitGroup
	for lo := 0; lo < len(hyps); lo += 100 {
		hi := min(lo+100, len(hyps))
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := bleu.Add(hyps[lo:hi], refs[lo:hi]); err != nil {
				t.Error(err)
			}
			if err := chrf.Add(hyps[lo:hi], refs[lo:hi]); err != nil {
				t.Error(err)
			}
			if err := racc.Add(targets[lo:hi], hyps[lo:hi]); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := bleu.Score(); got.Score != wantBLEU.Score || got.Signature != wantBLEU.Signature {
		t.Errorf("BLEU %v %s, corpus %v %s", got.Score, got.Signature, wantBLEU.Score, wantBLEU.Signature)
	}
	if got := chrf.Score(); got.Score != wantCHRF.Score || got.Signature != wantCHRF.Signature {
		t.Errorf("chrF %v %s, corpus %v %s", got.Score, got.Signature, wantCHRF.Score, wantCHRF.Signature)
	}
	// The batches arrive in any order, so the mean may differ in the last
	// bits from a single pass.
	got := racc.Mean()
	for typ, w := range wantROUGE {
		if !closeTo(got[typ].F, w.F, 1e-12) {
			t.Errorf("%s mean %+v, corpus %+v", typ, got[typ], w)
		}
	}
	if racc.Len() != len(hyps) {
		t.Errorf("ROUGE accumulator has %d pairs, want %d", racc.Len(), len(hyps))
	}
	if _, err := racc.Bootstrap(BootstrapOptions{Samples: 50}); err != nil {
		t.Error(err)
	}
	bleu.Reset()
	chrf.Reset()
	racc.Reset()
	if bleu.Score().Score != 0 || chrf.Score().Score != 0 || racc.Len() != 0 {
		t.Error("Reset left state behind")
	}
}

func TestAccumulatorRejectsABadBatchAndKeepsTheRest(t *testing.T) {
	acc := NewBLEUAccumulator(BLEU{})
	if err := acc.Add([]string{"a b c d"}, [][]string{{"a b c d"}}); err != nil {
		t.Fatal(err)
	}
	if err := acc.Add([]string{"x"}, nil); !errors.Is(err, ErrLengthMismatch) {
		t.Errorf("bad batch: %v", err)
	}
	if s := acc.Score(); !closeTo(s.Score, 100, 1e-12) {
		t.Errorf("score %v after a rejected batch, want 100", s.Score)
	}
}
