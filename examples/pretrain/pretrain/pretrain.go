// Package pretrain pre-trains small language models on text shipped in
// the repository: a BERT with the masked-language-model objective and a
// WordPiece tokenizer (BERT), and a GPT-2 causal language model with a
// byte-level BPE tokenizer (GPT), both tokenizers trained on the same text
// by package tokenize. It reports the perplexity of held-out sentences
// after every epoch and saves the model in the Hugging Face layout
// (config.json, model.safetensors, and vocab.txt or tokenizer.json); the
// BERT is what examples/finetune loads.
//
// It is the library behind `go run ./examples/pretrain` and
// `goformer train`.
package pretrain

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/goformer/goformer/examples/finetune/data"
	"github.com/goformer/goformer/examples/finetune/finetune"
	"github.com/goformer/goformer/examples/internal/textbatch"
	"github.com/goformer/goformer/examples/pretrain/corpus"
	"github.com/goformer/goformer/models/bert"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/optim"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tokenize"
	"github.com/goformer/goformer/train"
)

// Options configures a pre-training run. Zero fields take the defaults
// that made the checkpoint shipped in examples/finetune/model.
type Options struct {
	// Out is the folder the model is written to (Hugging Face layout).
	Out string
	// Texts are extra training sentences, one per element; by default the
	// corpus is Corpus(). NoDefaultText drops those.
	Texts         []string
	NoDefaultText bool
	// The model: vocabulary size of the WordPiece tokenizer, hidden size,
	// layers, heads, feed-forward size and the longest sequence.
	VocabSize, Hidden, Layers, Heads, Intermediate, MaxLen int
	// Training: epochs (or MaxSteps updates when positive, for a short
	// run), batch size, peak learning rate, warm-up fraction, and the
	// seed of everything random.
	Epochs, MaxSteps, BatchSize int
	LR, Warmup                  float64
	Seed                        uint64
	// From, when set, is a BERT masked-LM folder to continue pre-training
	// (with its tokenizer and sizes) instead of starting afresh.
	From string
	// SaveFloat16 stores the weights as float16 (half the size; loaders
	// convert them back to float32).
	SaveFloat16 bool
	// Dir holds resumable checkpoints (none when empty).
	Dir string
	// Progress receives the progress bar and the per-epoch perplexity.
	Progress io.Writer
	// Plot, when set, receives the loss and perplexity curves as PNG.
	Plot string
}

func (o *Options) defaults() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.VocabSize, 4000)
	def(&o.Hidden, 128)
	def(&o.Layers, 2)
	def(&o.Heads, 2)
	def(&o.Intermediate, 4*o.Hidden)
	def(&o.MaxLen, 64)
	def(&o.Epochs, 8)
	def(&o.BatchSize, 32)
	if o.LR == 0 {
		o.LR = 1e-3
	}
	if o.Warmup == 0 {
		o.Warmup = 0.05
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
}

// Report is what a run measured.
type Report struct {
	// Perplexity of the held-out sentences after each epoch (masked-token
	// perplexity), and before training.
	Perplexity []float64
	Initial    float64
	Sentences  int // training sentences
	Tokens     int64
	Vocab      int
	Params     int
	Steps      int
	Duration   time.Duration
}

// Corpus returns the default pre-training sentences: the State of the
// Union addresses from 1945 to 2016 (package examples/pretrain/corpus) and
// the sentences of examples/finetune's training split, without their
// labels (the test split is never used).
func Corpus() ([]string, error) {
	out, err := corpus.SOTU()
	if err != nil {
		return nil, err
	}
	d, err := finetune.ParseLabelled(data.SentimentTrain, ".tsv")
	if err != nil {
		return nil, err
	}
	return append(out, d.Texts()...), nil
}

// texts returns the training sentences: Corpus() unless NoDefaultText,
// then Texts.
func (o *Options) texts() ([]string, error) {
	var texts []string
	if !o.NoDefaultText {
		c, err := Corpus()
		if err != nil {
			return nil, err
		}
		texts = c
	}
	texts = append(texts, o.Texts...)
	if len(texts) < 20 {
		return nil, fmt.Errorf("pretrain: %d sentences are too few", len(texts))
	}
	return texts, nil
}

// Tokenizer trains a lower-casing BERT WordPiece tokenizer of about
// vocab tokens on texts.
func Tokenizer(texts []string, vocab int) (*tokenize.Tokenizer, error) {
	t := &tokenize.Tokenizer{Normalizer: tokenize.NewBertNormalizer(true), PreTokenizer: tokenize.BertPreTokenizer{}}
	err := t.TrainWordPiece(strings.NewReader(strings.Join(texts, "\n")), tokenize.WordPieceTrainerConfig{
		VocabSize: vocab, MinFrequency: 2, SpecialTokens: []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"},
		UnkToken: "[UNK]",
	})
	if err != nil {
		return nil, err
	}
	wp, ok := t.Model.(tokenize.WordPiece)
	if !ok {
		return nil, errors.New("trained model is not WordPiece")
	}
	return tokenize.NewBERT(wp.Model, true)
}

// BERT pre-trains a masked-language-model BERT as o says, writes it to
// o.Out and reports the held-out perplexity per epoch.
func BERT(ctx context.Context, o Options, w io.Writer) (*Report, error) {
	o.defaults()
	if o.Out == "" {
		return nil, errors.New("pretrain: no output folder")
	}
	start := time.Now()
	texts, err := o.texts()
	if err != nil {
		return nil, err
	}
	var tok *tokenize.Tokenizer
	var from *bert.ForMaskedLM
	if o.From != "" {
		// Continue pre-training a BERT with its own tokenizer.
		m, d, err := bert.FromPretrained[*bert.ForMaskedLM](o.From, bert.Options{Seed: o.Seed})
		if err != nil {
			return nil, fmt.Errorf("pretrain: %w", err)
		}
		if tok, err = d.Tokenizer(); err != nil {
			return nil, fmt.Errorf("pretrain: %w", err)
		}
		from = m
	} else if tok, err = Tokenizer(texts, o.VocabSize); err != nil {
		return nil, fmt.Errorf("pretrain: tokenizer: %w", err)
	}
	vocab := tok.Model.VocabSize()
	seqs, err := textbatch.Encode(tok, texts, o.MaxLen, true)
	if err != nil {
		return nil, fmt.Errorf("pretrain: %w", err)
	}
	// Hold out 2 % of the sentences (at least 20) for perplexity.
	rng := rand.New(rand.NewPCG(o.Seed, 0x5e9))
	rng.Shuffle(len(seqs), func(i, j int) { seqs[i], seqs[j] = seqs[j], seqs[i] })
	nHeld := max(20, len(seqs)/50)
	held, trainSeqs := seqs[:nHeld], seqs[nHeld:]

	special := func(id int) bool { return id < 5 } // [PAD] [UNK] [CLS] [SEP] [MASK] come first
	mask, _ := tok.Model.TokenToID("[MASK]")
	pad, _ := tok.Model.TokenToID("[PAD]")
	mlm := textbatch.MLM{Prob: 0.15, Mask: mask, Vocab: vocab, Low: 5, Special: special}

	cfg := bert.Base()
	cfg.VocabSize, cfg.HiddenSize, cfg.NumHiddenLayers, cfg.NumAttentionHeads = vocab, o.Hidden, o.Layers, o.Heads
	cfg.IntermediateSize, cfg.MaxPositionEmbeddings, cfg.PadTokenID = o.Intermediate, max(o.MaxLen, 64), pad
	cfg.ID2Label, cfg.Label2ID = nil, nil
	gen := tensor.NewGenerator(o.Seed)
	model := bert.NewForMaskedLM(cfg, gen)
	if from != nil {
		model, cfg = from, from.Bert.Config
		nn.SetGenerator(model, gen)
		fmt.Fprintf(w, "continuing from %s\n", o.From)
	}

	fmt.Fprintf(w, "pre-training a BERT (%d layers, hidden %d, %d heads, %s parameters) with masked-LM on %d sentences (%d held out), WordPiece vocabulary %d\n",
		o.Layers, o.Hidden, o.Heads, millions(nn.NumParams(model)), len(trainSeqs), len(held), vocab)

	// The held-out batches are masked once, with a fixed seed.
	type evalBatch struct{ ids, mask, labels *tensor.Tensor }
	var evals []evalBatch
	heldIdx := make([]int, len(held))
	for i := range heldIdx {
		heldIdx[i] = i
	}
	erng := rand.New(rand.NewPCG(o.Seed, 0xe7a1))
	for s := 0; s < len(held); s += 64 {
		idx := heldIdx[s:min(s+64, len(held))]
		ids, m := textbatch.Collate(held, idx, pad)
		raw := ids.Int32s()
		labels := mlm.Apply(raw, ids.Dim(0), ids.Dim(1), erng)
		evals = append(evals, evalBatch{tensor.FromSlice(raw, ids.Shape()...), m, tensor.FromSlice(labels, ids.Shape()...)})
	}
	perplexity := func() float64 {
		view := nn.Detached(model)
		sum, n := 0.0, 0.0
		for _, e := range evals {
			logits := view.Forward(bert.Input{IDs: e.ids, Mask: e.mask})
			l := nn.CrossEntropy(logits, e.labels, tensor.Reduction(tensor.ReductionSum)).Item()
			sum += l
			for _, v := range e.labels.Int32s() {
				if v != -100 {
					n++
				}
			}
		}
		return math.Exp(sum / n)
	}
	rep := &Report{Sentences: len(trainSeqs), Vocab: vocab, Params: nn.NumParams(model)}
	rep.Initial = perplexity()
	fmt.Fprintf(w, "held-out perplexity before training: %.1f\n", rep.Initial)

	perEpoch := (len(trainSeqs) + o.BatchSize - 1) / o.BatchSize
	total := o.Epochs * perEpoch
	if o.MaxSteps > 0 {
		total = min(total, o.MaxSteps)
	}
	opt := optim.New(optim.AdamW{Beta2: 0.98, Eps: 1e-6}, optim.DefaultGroups(nn.Trainable(model), o.LR, 0.01)...)
	opt.Schedule = optim.Linear{Warmup: int(o.Warmup * float64(total)), Total: total}
	opt.ClipNorm = 1
	epochs := 0
	res, err := train.Run(ctx, train.Config{
		Model: model, Optimizer: opt, Generator: gen,
		Lengths: textbatch.Lengths(trainSeqs), BatchSize: o.BatchSize, Bucket: 20,
		Epochs: o.Epochs, MaxSteps: o.MaxSteps, Seed: o.Seed,
		Loss: func(b train.Batch) (*tensor.Tensor, error) {
			ids, m := textbatch.Collate(trainSeqs, b.Indices, pad)
			raw := ids.Int32s()
			labels := mlm.Apply(raw, ids.Dim(0), ids.Dim(1), b.Rand)
			in := bert.Input{IDs: tensor.FromSlice(raw, ids.Shape()...), Mask: m}
			return maskedLoss(model, in, labels), nil
		},
		Eval: func(step int) (train.Metrics, error) {
			epochs++
			p := perplexity()
			rep.Perplexity = append(rep.Perplexity, p)
			return train.Metrics{"perplexity": p}, nil
		},
		EvalEvery: perEpoch,
		Dir:       o.Dir, CheckpointEvery: perEpoch, Resume: o.Dir != "",
		Name: "pre-train", Progress: o.Progress, Plot: o.Plot,
	})
	if err != nil {
		return nil, fmt.Errorf("pretrain: %w", err)
	}
	rep.Steps, rep.Tokens = res.Steps, res.Tokens
	for i, p := range rep.Perplexity {
		fmt.Fprintf(w, "epoch %d: held-out perplexity %.1f\n", i+1, p)
	}
	if o.SaveFloat16 {
		nn.Cast(model, tensor.Float16)
	}
	if err := Save(o.Out, model, tok); err != nil {
		return nil, err
	}
	rep.Duration = time.Since(start)
	fmt.Fprintf(w, "wrote %s (%d steps, %d tokens, %.1fs)\n", o.Out, rep.Steps, rep.Tokens, rep.Duration.Seconds())
	return rep, nil
}

// Save writes the model in the Hugging Face layout — config.json,
// model.safetensors (float32) and the tokenizer as vocab.txt and
// tokenizer.json — to dir.
func Save(dir string, m *bert.ForMaskedLM, tok *tokenize.Tokenizer) error {
	if err := bert.Save(dir, m, tok); err != nil {
		return fmt.Errorf("pretrain: save %s: %w", dir, err)
	}
	wp, ok := tok.Model.(tokenize.WordPiece)
	if !ok {
		return errors.New("pretrain: the tokenizer is not WordPiece")
	}
	var buf bytes.Buffer
	if err := wp.Model.WriteVocab(&buf); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "vocab.txt"), buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("pretrain: %w", err)
	}
	return nil
}

// maskedLoss is the masked-LM loss computed on the masked positions only:
// the LM head (a product with the whole vocabulary) runs on the hidden
// states of those rows instead of every position, which gives the same
// loss as model.Loss(model.Forward(in), labels) at a fraction of the cost.
func maskedLoss(model *bert.ForMaskedLM, in bert.Input, labels []int32) *tensor.Tensor {
	var rows, targets []int32
	for i, l := range labels {
		if l != -100 {
			rows = append(rows, int32(i))
			targets = append(targets, l)
		}
	}
	h := model.Bert.Forward(in).Hidden
	h = h.Reshape(-1, h.Dim(-1)).IndexSelect(0, tensor.FromSlice(rows))
	return nn.CrossEntropy(model.Cls.Predictions.Forward(h), tensor.FromSlice(targets))
}

func millions(n int) string { return fmt.Sprintf("%.2fM", float64(n)/1e6) }
