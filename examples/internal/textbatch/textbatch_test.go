package textbatch

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/goformer/goformer/tokenize"
)

func TestCollatePadsToTheLongestAndMasks(t *testing.T) {
	seqs := [][]int{{5, 6, 7}, {8}, {9, 10}}
	for _, tc := range []struct {
		idx        []int
		ids, mask  []int32
		rows, cols int
	}{
		{[]int{0, 1}, []int32{5, 6, 7, 8, -1, -1}, []int32{1, 1, 1, 1, 0, 0}, 2, 3},
		{[]int{2, 1}, []int32{9, 10, 8, -1}, []int32{1, 1, 1, 0}, 2, 2},
		{[]int{1}, []int32{8}, []int32{1}, 1, 1},
	} {
		ids, mask := Collate(seqs, tc.idx, -1)
		if !slices.Equal(ids.Shape(), []int{tc.rows, tc.cols}) || !slices.Equal(mask.Shape(), ids.Shape()) {
			t.Fatalf("rows %v: shapes %v %v", tc.idx, ids.Shape(), mask.Shape())
		}
		if !slices.Equal(ids.Int32s(), tc.ids) || !slices.Equal(mask.Int32s(), tc.mask) {
			t.Errorf("rows %v: ids %v mask %v, want %v %v", tc.idx, ids.Int32s(), mask.Int32s(), tc.ids, tc.mask)
		}
	}
}

func TestEncodeCutsKeepingTheLastToken(t *testing.T) {
	tok := tokenize.BERTUncased()
	texts := []string{"the cat sat on the mat", "hi"}
	full, err := tok.EncodeIDsBatch(texts)
	if err != nil {
		t.Fatal(err)
	}
	for _, keep := range []bool{true, false} {
		got, err := Encode(tok, texts, 4, keep)
		if err != nil {
			t.Fatal(err)
		}
		want := slices.Clone(full[0][:4])
		if keep {
			want[3] = full[0][len(full[0])-1] // [SEP]
		}
		if !slices.Equal(got[0], want) || !slices.Equal(got[1], full[1]) {
			t.Errorf("keepLast %v: %v, want %v and %v", keep, got, want, full[1])
		}
	}
	if _, err := Encode(tokenize.GPT2(), []string{"a", ""}, 8, false); err == nil {
		t.Error("a text without tokens was accepted")
	}
}

func TestMLMChoosesOnlyMaskableTokensAndAtLeastOnePerRow(t *testing.T) {
	const b, tt = 3, 6
	orig := []int32{
		0, 10, 11, 12, 1, 2, // [CLS] ... [SEP] [PAD]
		0, 13, 1, 2, 2, 2,
		0, 1, 2, 2, 2, 2, // nothing maskable
	}
	m := MLM{Prob: 0.15, Mask: 3, Vocab: 20, Low: 4, Special: func(id int) bool { return id < 3 }}
	for seed := range uint64(50) {
		ids := slices.Clone(orig)
		labels := m.Apply(ids, b, tt, rand.New(rand.NewPCG(seed, 1)))
		for r := range b {
			chosen := 0
			for c := range tt {
				k := r*tt + c
				switch {
				case labels[k] == -100:
					if ids[k] != orig[k] {
						t.Fatalf("seed %d: token %d changed without a label", seed, k)
					}
				case orig[k] < 3:
					t.Fatalf("seed %d: special token %d chosen", seed, k)
				default:
					chosen++
					if labels[k] != orig[k] || !(ids[k] == orig[k] || ids[k] == 3 || (ids[k] >= 4 && ids[k] < 20)) {
						t.Fatalf("seed %d: token %d: %d → %d, label %d", seed, k, orig[k], ids[k], labels[k])
					}
				}
			}
			if (r < 2) != (chosen > 0) {
				t.Fatalf("seed %d: row %d has %d chosen tokens", seed, r, chosen)
			}
		}
	}
}
