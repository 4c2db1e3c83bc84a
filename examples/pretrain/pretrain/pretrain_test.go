package pretrain

import (
	"bytes"
	"context"
	"math"
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
