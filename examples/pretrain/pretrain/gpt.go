package pretrain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/goformer/goformer/examples/internal/textbatch"
	"github.com/goformer/goformer/models/gpt"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/models/lm"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/optim"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tokenize"
	"github.com/goformer/goformer/tokenize/bpe"
	"github.com/goformer/goformer/tokenize/pattern"
	"github.com/goformer/goformer/train"
)

// EndOfText is the GPT tokenizer's one special token: it ends every
// sentence and pads batches.
const EndOfText = "<|endoftext|>"

// BPETokenizer trains a byte-level BPE tokenizer (GPT-2's pre-tokenizer
// and decoder) of about vocab tokens on texts, with EndOfText as token 0.
func BPETokenizer(texts []string, vocab int) (*tokenize.Tokenizer, error) {
	t := &tokenize.Tokenizer{PreTokenizer: tokenize.ByteLevel{Pattern: pattern.GPT2}, Decoder: tokenize.ByteLevelDecoder{}}
	err := t.TrainBPE(strings.NewReader(strings.Join(texts, "\n")), bpe.TrainerConfig{
		VocabSize: vocab, MinFrequency: 2, SpecialTokens: []string{EndOfText},
		InitialAlphabet: bpe.ByteLevelAlphabet(), ByteLevel: true,
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// GPT pre-trains a small GPT-2 causal language model as o says (the same
// corpus and model sizes as BERT, a byte-level BPE tokenizer), writes it
// to o.Out and reports the held-out perplexity (of the next token) per
// epoch.
func GPT(ctx context.Context, o Options, w io.Writer) (*Report, error) {
	o.defaults()
	if o.Out == "" {
		return nil, errors.New("pretrain: no output folder")
	}
	start := time.Now()
	texts, err := o.texts()
	if err != nil {
		return nil, err
	}
	tok, err := BPETokenizer(texts, o.VocabSize)
	if err != nil {
		return nil, fmt.Errorf("pretrain: tokenizer: %w", err)
	}
	eot, ok := tok.Model.TokenToID(EndOfText)
	if !ok {
		return nil, errors.New("pretrain: the tokenizer lacks " + EndOfText)
	}
	vocab := tok.Model.VocabSize()
	seqs, err := textbatch.Encode(tok, texts, o.MaxLen-1, false)
	if err != nil {
		return nil, fmt.Errorf("pretrain: %w", err)
	}
	for i := range seqs {
		seqs[i] = append(seqs[i], eot)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x5e9))
	rng.Shuffle(len(seqs), func(i, j int) { seqs[i], seqs[j] = seqs[j], seqs[i] })
	nHeld := max(20, len(seqs)/50)
	held, trainSeqs := seqs[:nHeld], seqs[nHeld:]

	c := gpt.DefaultConfig()
	c.VocabSize, c.NEmbd, c.NLayer, c.NHead, c.NPositions = vocab, o.Hidden, o.Layers, o.Heads, max(o.MaxLen, 64)
	inner := o.Intermediate
	c.NInner = &inner
	c.BosTokenID, c.EosTokenID = eot, eot
	c.PadTokenID = &eot
	gen := tensor.NewGenerator(o.Seed)
	model := gpt.NewLMHeadModel(c, gen)
	fmt.Fprintf(w, "pre-training a GPT-2 (%d layers, width %d, %d heads, %s parameters) as a causal LM on %d sentences (%d held out), byte-level BPE vocabulary %d\n",
		o.Layers, o.Hidden, o.Heads, millions(nn.NumParams(model)), len(trainSeqs), len(held), vocab)

	// batch collates the sequences s[idx...] as inputs adopted by sc, so
	// that what is computed from them is released with it.
	batch := func(sc *tensor.Scope, s [][]int, idx []int) lm.Inputs {
		ids, mask := textbatch.Collate(s, idx, eot)
		labels := ids.Int32s()
		for i, m := range mask.Int32s() {
			if m == 0 {
				labels[i] = -100
			}
		}
		return lm.Inputs{IDs: sc.Use(ids), Mask: sc.Use(mask), Labels: sc.Use(tensor.FromSlice(labels, ids.Shape()...))}
	}
	perplexity := func() float64 {
		view := nn.Detached(model)
		nn.Eval(view)
		sum, n := 0.0, 0.0
		idx := make([]int, len(held))
		for i := range idx {
			idx[i] = i
		}
		for s := 0; s < len(held); s += 64 {
			part := idx[s:min(s+64, len(held))]
			sc := tensor.NewScope()
			in := batch(sc, held, part)
			count := 0.0
			for _, i := range part {
				count += float64(len(held[i]) - 1) // every token but the first is predicted
			}
			sum += view.Forward(in).Loss.Item() * count
			sc.Close()
			n += count
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
	opt := optim.New(optim.AdamW{Beta2: 0.98}, optim.DefaultGroups(nn.Trainable(model), o.LR, 0.1)...)
	opt.Schedule = optim.Cosine{Warmup: int(o.Warmup * float64(total)), Total: total}
	opt.ClipNorm = 1
	res, err := train.Run(ctx, train.Config{
		Model: model, Optimizer: opt, Generator: gen,
		Lengths: textbatch.Lengths(trainSeqs), BatchSize: o.BatchSize, Bucket: 20,
		Epochs: o.Epochs, MaxSteps: o.MaxSteps, Seed: o.Seed,
		Loss: func(b train.Batch) (*tensor.Tensor, error) {
			return model.Forward(batch(b.Scope, trainSeqs, b.Indices)).Loss, nil
		},
		Eval: func(int) (train.Metrics, error) {
			p := perplexity()
			rep.Perplexity = append(rep.Perplexity, p)
			return train.Metrics{"perplexity": p}, nil
		},
		EvalEvery: perEpoch,
		Dir:       o.Dir, CheckpointEvery: perEpoch, Resume: o.Dir != "",
		Name: "pre-train GPT", Progress: o.Progress, Plot: o.Plot,
	})
	if err != nil {
		return nil, fmt.Errorf("pretrain: %w", err)
	}
	rep.Steps, rep.Tokens = res.Steps, res.Tokens
	for i, p := range rep.Perplexity {
		fmt.Fprintf(w, "epoch %d: held-out perplexity %.1f\n", i+1, p)
	}
	if err := model.Save(o.Out, hub.SaveOptions{Tokenizer: tok}); err != nil {
		return nil, fmt.Errorf("pretrain: save %s: %w", o.Out, err)
	}
	rep.Duration = time.Since(start)
	fmt.Fprintf(w, "wrote %s (%d steps, %d tokens, %.1fs)\n", o.Out, rep.Steps, rep.Tokens, rep.Duration.Seconds())
	return rep, nil
}
