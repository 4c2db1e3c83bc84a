package pretrain

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goformer/goformer/examples/finetune/data"
	"github.com/goformer/goformer/examples/finetune/finetune"
	"github.com/goformer/goformer/models/bert"
	"github.com/goformer/goformer/models/gpt"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/tensor"
)

func TestCorpusHoldsNoTestSentence(t *testing.T) {
	c, err := Corpus()
	if err != nil {
		t.Fatal(err)
	}
	if len(c) < 4000 {
		t.Fatalf("%d sentences", len(c))
	}
	test, err := finetune.ParseLabelled(data.SentimentTest, ".tsv")
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]bool{}
	for _, s := range c {
		in[strings.ToLower(s)] = true
	}
	for _, s := range test.Texts() {
		if in[strings.ToLower(s)] {
			t.Errorf("test sentence %q is in the pre-training corpus", s)
		}
	}
}

// A short run of a tiny model: perplexity is reported and falls from its
// start, and the folder written loads as a masked LM with its tokenizer.
func TestBERTShort(t *testing.T) {
	c, err := Corpus()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var out bytes.Buffer
	o := Options{
		Out: filepath.Join(dir, "bert"), Texts: c[:600], NoDefaultText: true,
		VocabSize: 400, Hidden: 32, Layers: 1, Heads: 2, MaxLen: 32, Epochs: 2, BatchSize: 16, LR: 3e-3, Seed: 3,
		Plot: filepath.Join(dir, "curve.png"),
	}
	rep, err := BERT(context.Background(), o, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Perplexity) != 2 || math.IsNaN(rep.Initial) {
		t.Fatalf("perplexities %v (initial %v)", rep.Perplexity, rep.Initial)
	}
	if last := rep.Perplexity[1]; !(last < 0.75*rep.Initial) {
		t.Errorf("perplexity went from %.1f to %.1f", rep.Initial, last)
	}
	for _, want := range []string{"held-out perplexity before training", "epoch 2: held-out perplexity", "wrote "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	m, d, err := bert.FromPretrained[*bert.ForMaskedLM](o.Out, bert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := d.Tokenizer()
	if err != nil {
		t.Fatal(err)
	}
	if m.Bert.Config.VocabSize != tok.Model.VocabSize() || m.Bert.Config.HiddenSize != 32 {
		t.Errorf("vocabulary %d, tokenizer %d, hidden %d", m.Bert.Config.VocabSize, tok.Model.VocabSize(), m.Bert.Config.HiddenSize)
	}
	ids, err := tok.EncodeIDs("the people of the united states")
	if err != nil || len(ids) < 3 {
		t.Errorf("encode: %v %v", ids, err)
	}
}

func TestBERTRejectsTooLittleText(t *testing.T) {
	if _, err := BERT(context.Background(), Options{Out: t.TempDir(), Texts: []string{"a b"}, NoDefaultText: true}, &bytes.Buffer{}); err == nil {
		t.Error("no error")
	}
	if _, err := BERT(context.Background(), Options{}, &bytes.Buffer{}); err == nil {
		t.Error("no error without an output folder")
	}
}

func TestMaskedLossEqualsTheFullLoss(t *testing.T) {
	c := bert.Base()
	c.VocabSize, c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize, c.MaxPositionEmbeddings = 50, 16, 1, 2, 32, 16
	c.ID2Label, c.Label2ID = nil, nil
	m := bert.NewForMaskedLM(c, tensor.NewGenerator(1))
	ids := tensor.FromSlice([]int32{2, 7, 8, 9, 3, 0, 2, 10, 11, 12, 13, 3}, 2, 6)
	mask := tensor.FromSlice([]int32{1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1}, 2, 6)
	labels := []int32{-100, 20, -100, 21, -100, -100, -100, -100, 30, -100, 31, -100}
	in := bert.Input{IDs: ids, Mask: mask}
	got := maskedLoss(m, in, labels).Item()
	want := m.Loss(m.Forward(in), tensor.FromSlice(labels, 2, 6)).Item()
	if math.Abs(got-want) > 1e-5*math.Abs(want) {
		t.Errorf("masked-rows loss %v, full loss %v", got, want)
	}
}

// A short GPT run: perplexity falls, and the folder loads as GPT-2 with its
// tokenizer.
func TestGPTShort(t *testing.T) {
	c, err := Corpus()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var out bytes.Buffer
	o := Options{
		Out: filepath.Join(dir, "gpt"), Texts: c[:600], NoDefaultText: true,
		VocabSize: 400, Hidden: 32, Layers: 1, Heads: 2, MaxLen: 32, Epochs: 2, BatchSize: 16, LR: 3e-3, Seed: 3,
	}
	rep, err := GPT(context.Background(), o, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Perplexity) != 2 || !(rep.Perplexity[1] < 0.75*rep.Initial) {
		t.Fatalf("perplexities %v (initial %v)", rep.Perplexity, rep.Initial)
	}
	m, err := gpt.FromPretrained(o.Out, gpt.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Config().VocabSize != rep.Vocab || m.Config().NEmbd != 32 {
		t.Errorf("config %+v", m.Config())
	}
	d, err := hub.OpenDir(o.Out)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := d.Tokenizer()
	if err != nil {
		t.Fatal(err)
	}
	ids, err := tok.EncodeIDs("the people of the united states")
	if err != nil || len(ids) == 0 {
		t.Errorf("encode: %v %v", ids, err)
	}
}

// writeVectors writes GloVe-style vectors of dim values for words to a
// file and returns its path and the vectors.
func writeVectors(t *testing.T, dir string, words []string, dim int) (string, map[string][]float32) {
	t.Helper()
	vecs := map[string][]float32{}
	var b strings.Builder
	for i, w := range words {
		b.WriteString(w)
		v := make([]float32, dim)
		for j := range v {
			v[j] = float32(i+1)*0.25 - float32(j)*0.125
			fmt.Fprintf(&b, " %g", v[j])
		}
		b.WriteString("\n")
		vecs[w] = v
	}
	path := filepath.Join(dir, "vectors.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, vecs
}

// Word vectors initialise the word embeddings: the hidden size follows
// them, a vocabulary word found in the file takes its vector (kept bit
// for bit when frozen, scaled as VectorStd says), a wider model draws its
// extra features, and the tied masked-LM decoder reads the same table.
func TestBERTWordVectors(t *testing.T) {
	c, err := Corpus()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	words := []string{"the", "of", "and", "to", "nation", "zzzunseen"}
	path, vecs := writeVectors(t, dir, words, 8)
	for _, tc := range []struct {
		name   string
		hidden int
		std    float64
	}{
		{"as they are", 0, 0},
		{"wider model, scaled", 12, 0.1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			o := Options{
				Out: filepath.Join(dir, tc.name), Texts: c[:300], NoDefaultText: true,
				VocabSize: 300, Hidden: tc.hidden, Layers: 1, Heads: 2, MaxLen: 32, Epochs: 1, BatchSize: 16, LR: 3e-3, Seed: 3,
				Vectors: path, VectorStd: tc.std, FreezeEmbeddings: true,
			}
			if _, err := BERT(context.Background(), o, &out); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "tokens found") {
				t.Errorf("no coverage line:\n%s", out.String())
			}
			m, d, err := bert.FromPretrained[*bert.ForMaskedLM](o.Out, bert.Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := max(tc.hidden, 8)
			if h := m.Bert.Config.HiddenSize; h != want {
				t.Fatalf("hidden size %d, want %d", h, want)
			}
			tok, err := d.Tokenizer()
			if err != nil {
				t.Fatal(err)
			}
			// The scale of the vectors' values, as the test wrote them.
			var all []float32
			for _, w := range words {
				all = append(all, vecs[w]...)
			}
			scale := 1.0
			if tc.std > 0 {
				scale = tc.std / std(all)
			}
			emb := m.Bert.Embeddings.Word.Weight
			found := 0
			for _, w := range words {
				id, ok := tok.Model.TokenToID(w)
				if !ok {
					continue
				}
				found++
				row := emb.Narrow(0, id, 1).Reshape(-1).Float32s()
				for j, v := range vecs[w] {
					if math.Abs(float64(row[j])-float64(v)*scale) > 1e-6 {
						t.Fatalf("%s: feature %d is %v, want %v", w, j, row[j], float64(v)*scale)
					}
				}
			}
			if found < 4 {
				t.Fatalf("only %d of the words are in the vocabulary", found)
			}
			if m.Cls.Predictions.Decoder.Weight != emb {
				t.Error("the decoder is not tied to the word embeddings")
			}
		})
	}
}

func TestBERTWordVectorErrors(t *testing.T) {
	dir := t.TempDir()
	path, _ := writeVectors(t, dir, []string{"the", "of"}, 8)
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("the 1 2 3\nof 1 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	texts := strings.Split(strings.Repeat("the people of the nation\n", 30), "\n")
	for name, o := range map[string]Options{
		"hidden smaller than the vectors": {Vectors: path, Hidden: 4},
		"missing file":                    {Vectors: filepath.Join(dir, "none.txt")},
		"malformed file":                  {Vectors: bad},
		"vectors and From":                {Vectors: path, From: dir},
	} {
		o.Out, o.Texts, o.NoDefaultText, o.MaxSteps = filepath.Join(dir, "out"), texts, true, 1
		if _, err := BERT(context.Background(), o, &bytes.Buffer{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
