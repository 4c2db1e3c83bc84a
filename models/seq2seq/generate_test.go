package seq2seq_test

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/seq2seq"
	"github.com/goformer/goformer/tensor"
)

// teacherForcedLogProb returns the sum of the log-probabilities of tokens
// as the continuation of the decoder start for source row r, computed in
// one uncached pass.
func teacherForcedLogProb(m seq2seq.Model, ref reference, r int, tokens []int) float64 {
	ids, mask := source(ref, r)
	mem := m.Encode(ids, mask)
	dec := []int32{int32(m.Special().DecoderStart)}
	for _, tok := range tokens[:len(tokens)-1] {
		dec = append(dec, int32(tok))
	}
	lp := m.Decode(tensor.FromSlice(dec, 1, len(dec)), nil, mem, mask, nil).LogSoftmax(-1)
	sum := 0.0
	for i, tok := range tokens {
		sum += lp.At(0, i, tok)
	}
	return sum
}

// TestGenerate runs package generate's loop over bound models: greedy
// decoding gives the reference's tokens, and every beam that beam search
// returns has the score that an uncached pass gives its tokens (so the
// cache followed the beams through every reorder).
func TestGenerate(t *testing.T) {
	ctx := context.Background()
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			m := loadFrozen(t, name)
			ref := loadReference(t, name)
			b := seq2seq.Bind(m, ref["input_ids"], ref["attention_mask"])
			want := rows(ref["greedy"])
			out, err := generate.Generate(ctx, b, b.Prompts(), generate.Options{MaxNewTokens: len(want[0])})
			if err != nil {
				t.Fatal(err)
			}
			for i, seqs := range out {
				got := make([]int32, len(seqs[0].Tokens))
				for j, tok := range seqs[0].Tokens {
					got[j] = int32(tok)
				}
				if !slices.Equal(got, want[i]) {
					t.Errorf("greedy, source %d: %v, want %v", i, got, want[i])
				}
			}

			const beams, steps = 3, 6
			out, err = generate.Generate(ctx, b, b.Prompts(), generate.Options{
				MaxNewTokens: steps, Beams: beams, NumReturnSequences: beams, LengthPenalty: generate.NoLengthPenalty,
			})
			if err != nil {
				t.Fatal(err)
			}
			for i, seqs := range out {
				if len(seqs) != beams {
					t.Fatalf("source %d: %d beams, want %d", i, len(seqs), beams)
				}
				for k, s := range seqs {
					lp := teacherForcedLogProb(m, ref, i, s.Tokens)
					if math.Abs(lp-s.Score) > 1e-4*math.Max(1, math.Abs(lp)) {
						t.Errorf("source %d, beam %d %v: score %.6f, uncached log-probability %.6f", i, k, s.Tokens, s.Score, lp)
					}
				}
				if seqs[0].Score < seqs[beams-1].Score {
					t.Errorf("source %d: beams not sorted by score: %v", i, seqs)
				}
			}
		})
	}
}

// TestGenerateStopsAtMaxLen checks that generation respects the
// Transformer's position table.
func TestGenerateStopsAtMaxLen(t *testing.T) {
	m := loadFrozen(t, "transformer-preln")
	ref := loadReference(t, "transformer-preln")
	b := seq2seq.Bind(m, ref["input_ids"], ref["attention_mask"])
	out, err := generate.Generate(context.Background(), b, b.Prompts(), generate.Options{MaxNewTokens: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if n, limit := len(out[0][0].Tokens), m.MaxLen()-1; n != limit {
		t.Errorf("generated %d tokens, want %d (max_position_embeddings %d less the start)", n, limit, m.MaxLen())
	}
}
