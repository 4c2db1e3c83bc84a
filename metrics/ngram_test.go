package metrics

import (
	"math/rand/v2"
	"testing"
)

// bruteClipped counts clipped matches with maps of n-gram strings.
func bruteClipped(hyp []uint32, refs [][]uint32, n int) int {
	key := func(s []uint32) string {
		b := make([]byte, 0, 4*len(s))
		for _, x := range s {
			b = append(b, byte(x), byte(x>>8), byte(x>>16), byte(x>>24))
		}
		return string(b)
	}
	h := map[string]int{}
	for i := 0; i+n <= len(hyp); i++ {
		h[key(hyp[i:i+n])]++
	}
	best := map[string]int{}
	for _, r := range refs {
		c := map[string]int{}
		for i := 0; i+n <= len(r); i++ {
			c[key(r[i:i+n])]++
		}
		for k, v := range c {
			best[k] = max(best[k], v)
		}
	}
	m := 0
	for k, v := range h {
		m += min(v, best[k])
	}
	return m
}

func TestClippedCountsEqualABruteForceCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var cs clipScratch
	seq := func(vocab uint32) []uint32 {
		s := make([]uint32, rng.IntN(40))
		for i := range s {
			s[i] = 1 + rng.Uint32N(vocab)
		}
		return s
	}
	for trial := 0; trial < 3000; trial++ {
		vocab := uint32(1 + rng.IntN(12))
		if trial%10 == 0 {
			vocab = 1 << 20 // forces the wide map path for 4-grams
		}
		hyp := seq(vocab)
		refs := make([][]uint32, 1+rng.IntN(3))
		for i := range refs {
			refs[i] = seq(vocab)
		}
		for n := 1; n <= 4; n++ {
			got, total := cs.clipped(hyp, refs, n, vocab)
			if want := bruteClipped(hyp, refs, n); got != want || total != max(0, len(hyp)-n+1) {
				t.Fatalf("trial %d order %d: %d matches of %d, want %d", trial, n, got, total, want)
			}
			if len(refs) == 1 {
				m, _, _ := cs.pairMatch(hyp, refs[0], n, vocab)
				if m != got {
					t.Fatalf("trial %d order %d: pairMatch %d, clipped %d", trial, n, m, got)
				}
			}
		}
	}
}
