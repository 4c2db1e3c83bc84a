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
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/goformer/goformer/embed"
	"github.com/goformer/goformer/embed/wordvec"
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
// that made the checkpoint shipped in examples/qa/model; with Vectors
// (GloVe's), VocabSize 12000 and FreezeEmbeddings they made the one in
// examples/finetune/model.
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
	// Vectors, when set, is a file of pre-trained word vectors (GloVe or
	// word2vec text, word2vec binary: see embed/wordvec) that initialise
	// the word embeddings: the row of every vocabulary token found in it
	// is its vector, the others are drawn at the vectors' scale. The
	// hidden size defaults to the vectors' size; a larger one draws the
	// extra features of every row at random.
	Vectors string
	// VectorStd, when positive, scales the vectors so that the standard
	// deviation of their values is VectorStd.
	VectorStd float64
	// FreezeEmbeddings keeps the word embeddings as initialised (from
	// Vectors) during pre-training.
	FreezeEmbeddings bool
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
	if o.Out == "" {
		return nil, errors.New("pretrain: no output folder")
	}
	start := time.Now()
	var vecs *wordvec.Table
	if o.Vectors != "" {
		if o.From != "" {
			return nil, errors.New("pretrain: word vectors initialise a new model, not one continued with From")
		}
		t, err := wordvec.Load(o.Vectors)
		if err != nil {
			return nil, fmt.Errorf("pretrain: %w", err)
		}
		if o.Hidden == 0 {
			o.Hidden = t.Dim
		}
		if o.Hidden < t.Dim {
			return nil, fmt.Errorf("pretrain: hidden size %d is smaller than the %d values of the word vectors", o.Hidden, t.Dim)
		}
		vecs = t
	}
	o.defaults()
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
	if vecs != nil {
		cov, err := initWordVectors(model.Bert.Embeddings.Word, tok, vecs, o.VectorStd, gen)
		if err != nil {
			return nil, fmt.Errorf("pretrain: %w", err)
		}
		fmt.Fprintf(w, "word embeddings from %s (%d words of %d values): %d of %d tokens found, the others drawn at random\n",
			o.Vectors, vecs.Len(), vecs.Dim, cov.Exact+cov.Lowercased, vocab)
	}
	if o.FreezeEmbeddings {
		nn.Freeze(model.Bert.Embeddings.Word)
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
			sc := tensor.NewScope()
			in := bert.Input{}
			in.IDs, in.Mask, in.TypeIDs = textbatch.Scoped(sc, tensor.CPU, e.ids, e.mask)
			logits := view.Forward(in)
			sum += nn.CrossEntropy(logits, e.labels, tensor.Reduction(tensor.ReductionSum)).Item()
			sc.Close()
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
			in := bert.Input{}
			in.IDs, in.Mask, in.TypeIDs = textbatch.Scoped(b.Scope, tensor.CPU, tensor.FromSlice(raw, ids.Shape()...), m)
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

// initWordVectors overwrites the word embeddings e (in place, so that the
// masked-LM decoder tied to them follows) with the vectors of the
// tokenizer's tokens: a token found in vecs (whole words; "##" pieces and
// special tokens are not) takes its vector in the first vecs.Dim
// features, everything else is drawn from N(0, σ²), σ the standard
// deviation of the vectors' values, and the padding row stays zero.
func initWordVectors(e *embed.Token, tok *tokenize.Tokenizer, vecs *wordvec.Table, scaleTo float64, gen *tensor.Generator) (embed.Coverage, error) {
	vocab := make([]string, tok.Model.VocabSize())
	for i := range vocab {
		s, ok := tok.Model.IDToToken(i)
		if !ok {
			return embed.Coverage{}, fmt.Errorf("word vectors: the vocabulary has no token %d", i)
		}
		vocab[i] = s
	}
	init, cov, err := embed.FromVectors(vecs, vocab, embed.VectorOptions{Missing: embed.MissingRandom, Gen: gen})
	if err != nil {
		return cov, fmt.Errorf("word vectors: %w", err)
	}
	if e.Vocab() != len(vocab) {
		return cov, fmt.Errorf("word vectors: %d embeddings for %d tokens", e.Vocab(), len(vocab))
	}
	w, v := e.Weight.Detach(), init.Weight.Detach()
	sd := std(vecs.Data)
	if scaleTo > 0 {
		v, sd = v.Scale(scaleTo/sd), scaleTo
	}
	if extra := e.Dim() - vecs.Dim; extra > 0 {
		gen.Normal(w, 0, sd)
	}
	w.Narrow(1, 0, vecs.Dim).CopyFrom(v)
	if e.PaddingIdx >= 0 {
		w.Narrow(0, e.PaddingIdx, 1).Fill(0)
	}
	return cov, nil
}

// std returns the standard deviation of xs.
func std(xs []float32) float64 {
	var s, s2 float64
	for _, x := range xs {
		s += float64(x)
		s2 += float64(x) * float64(x)
	}
	n := float64(max(len(xs), 1))
	return math.Sqrt(max(s2/n-(s/n)*(s/n), 0))
}

// RegisterFlags defines the command-line flags of o's fields on fs, with
// the defaults that BERT and GPT give a zero Options.
func (o *Options) RegisterFlags(fs *flag.FlagSet) {
	var d Options
	d.defaults()
	fs.StringVar(&o.Out, "out", "pretrained-bert", "output folder (Hugging Face layout)")
	fs.IntVar(&o.Epochs, "epochs", d.Epochs, "passes over the corpus")
	fs.IntVar(&o.MaxSteps, "steps", 0, "stop after this many updates (0: the epochs decide)")
	fs.IntVar(&o.BatchSize, "batch", d.BatchSize, "sentences per batch")
	fs.Float64Var(&o.LR, "lr", d.LR, "peak learning rate (AdamW, linear warm-up and decay)")
	fs.IntVar(&o.VocabSize, "vocab", d.VocabSize, "tokenizer vocabulary size")
	fs.IntVar(&o.Hidden, "hidden", 0, fmt.Sprintf("hidden size (default %d, or the size of -vectors)", d.Hidden))
	fs.IntVar(&o.Layers, "layers", d.Layers, "transformer layers")
	fs.IntVar(&o.Heads, "heads", d.Heads, "attention heads")
	fs.IntVar(&o.MaxLen, "maxlen", d.MaxLen, "longest sequence in tokens")
	fs.Uint64Var(&o.Seed, "seed", d.Seed, "random seed")
	fs.BoolVar(&o.SaveFloat16, "float16", false, "store the weights as float16 (half the size)")
	fs.StringVar(&o.From, "from", "", "continue pre-training this BERT folder (its tokenizer and sizes) instead of starting afresh")
	fs.StringVar(&o.Vectors, "vectors", "", "initialise the word embeddings from these word vectors (GloVe or word2vec text; the hidden size defaults to theirs)")
	fs.Float64Var(&o.VectorStd, "vector-std", 0, "scale the word vectors to this standard deviation (0: as they are)")
	fs.BoolVar(&o.FreezeEmbeddings, "freeze-embeddings", false, "keep the word embeddings fixed during pre-training")
	fs.StringVar(&o.Dir, "checkpoints", "", "folder of resumable checkpoints (none when empty)")
	fs.StringVar(&o.Plot, "plot", "", "write the loss and perplexity curves to this PNG")
}
