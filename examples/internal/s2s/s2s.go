// Package s2s is the part that examples/translate and examples/summarize
// share: it trains an encoder-decoder on text pairs with the library's own
// pieces and decodes a held-out split, greedily and by beam search.
//
// Run takes the pairs of the three splits and Options. By default it
// trains a SentencePiece Unigram tokenizer on the training split
// (package tokenize/unigram, made into T5's tokenizer by
// seq2seq.T5Tokenizer: <pad>, </s> appended, <unk>) and a small
// encoder-decoder from scratch: the original Transformer
// (seq2seq.NewTransformer, pre-LN) or a T5 (seq2seq.NewT5). With
// Options.Model it fine-tunes a user's checkpoint instead: a Hugging Face
// T5 folder or hub name, or a folder this package saved (seq2seq.Load and
// seq2seq.LoadTokenizer). Training runs in train.Run with AdamW (package
// optim), a linear warm-up and decay, and an evaluation on the dev split
// every EvalEvery updates: the teacher-forced loss and the caller's score
// of greedy decodings. The test split is then decoded with
// generate.Generate over seq2seq.Bind, and the model is saved with
// seq2seq.SaveDir (config.json, model.safetensors, tokenizer.json).
//
// On a few thousand pairs, trained from scratch, the Transformer learns
// far faster than T5: T5 has no absolute positions (only relative biases
// in self-attention), and learning where to read in the source, which
// copying names and translating word for word need, comes slowly to it
// (copying the English synopses to themselves: BLEU 72 after 500 updates
// for the Transformer, under 1 for T5 of the same size).
package s2s

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/goformer/goformer/internal/atomicfile"

	"github.com/goformer/goformer/examples/internal/ddtp"
	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/models/seq2seq"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/optim"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tokenize"
	"github.com/goformer/goformer/tokenize/unigram"
	"github.com/goformer/goformer/train"
)

// Options configure Run. Fields of the new model's shape are ignored
// with Model.
type Options struct {
	// Model, when set, is a Hugging Face T5 checkpoint to fine-tune (a
	// folder, or a hub name found in the local cache or downloaded) with
	// its own tokenizer, instead of a new model.
	Model string
	// Prefix is put before every input (T5's task prefix, as
	// "translate English to German: ").
	Prefix string
	// TaskPrefix, with Model, replaces Prefix by the prefix that the
	// checkpoint's config.json gives the task Task in its
	// task_specific_params, as Hugging Face's T5 checkpoints do
	// ("translation_en_to_de": "translate English to German: "), or ""
	// when it gives none (a model saved by Run).
	TaskPrefix bool
	Task       string
	// Out, when set, is the folder that receives the trained model
	// (config.json, model.safetensors, tokenizer.json and, for a new
	// model, spiece.model).
	Out string

	// Arch is the architecture of a new model: "transformer" (the
	// default: the original Transformer, pre-LN, with sinusoidal
	// positions) or "t5" (T5 v1.0: relative position biases, RMSNorm).
	Arch string
	// VocabSize is the size of the new Unigram vocabulary.
	VocabSize int
	// Dim, FF, Heads and Layers are the new T5's width, feed-forward
	// width, attention heads, and layers in the encoder and in the
	// decoder; Dropout its dropout rate.
	Dim, FF, Heads, Layers int
	Dropout                float64

	// Epochs and Steps bound training (both 0: no training, only the
	// evaluation of the model as it is).
	Epochs, Steps int
	// BatchSize is the number of pairs per update; LR the peak learning
	// rate of AdamW, reached after Warmup updates and decayed linearly
	// to 0 at the end.
	BatchSize int
	LR        float64
	Warmup    int
	// MaxSource and MaxTarget bound the tokens of an input and of a
	// target (longer ones are cut, keeping the final </s>); MaxTarget
	// also bounds the tokens generated.
	MaxSource, MaxTarget int
	// Beams is the beam width of the beam-search decoding (0 or 1: none).
	Beams int
	// EvalEvery is the number of updates between evaluations on the dev
	// split (0: only at the end).
	EvalEvery int
	// TrainLimit and TestLimit, when positive, keep the first pairs of
	// the training and test splits only (short runs); DevLimit bounds
	// the dev pairs decoded at each evaluation.
	TrainLimit, TestLimit, DevLimit int
	// Seed fixes the tokenizer's sampling, the initial weights, the data
	// order and dropout.
	Seed uint64

	// Checkpoints, when set, is a folder of resumable training
	// checkpoints (train.Config.Dir, with Resume); Plot the path of a
	// PNG of the training curves.
	Checkpoints, Plot string
	// Progress receives the progress of training (nil: none).
	Progress io.Writer
}

// DevScore scores greedy decodings of the dev split against their
// references during training: it returns the metric's name and value.
type DevScore func(hyps, refs []string) (string, float64, error)

// Result is the outcome of Run.
type Result struct {
	// Sources, References, Greedy and Beam are the test split's inputs
	// (without the prefix), targets and decodings (Beam is nil without
	// beam search).
	Sources, References, Greedy, Beam []string
	// Train is the training run's report (nil without training).
	Train *train.Result
	// Params counts the model's parameters; Vocab its vocabulary.
	Params, Vocab int
	// TrainTime, GreedyTime and BeamTime are the wall times of training
	// (tokenizer included) and of the two decodings of the test split.
	TrainTime, GreedyTime, BeamTime time.Duration
	// Model and Tokenizer are the trained model and its tokenizer.
	Model     seq2seq.Model
	Tokenizer *tokenize.Tokenizer
}

func (o Options) validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	if o.Model == "" {
		check(o.Arch == "" || o.Arch == "transformer" || o.Arch == "t5", "architecture %q, want transformer or t5", o.Arch)
		check(o.VocabSize >= 100, "vocabulary size %d, want at least 100", o.VocabSize)
		check(o.Dim > 0 && o.Heads > 0 && o.Dim%o.Heads == 0, "width %d and %d heads: want a positive width divisible by the heads", o.Dim, o.Heads)
		check(o.FF > 0, "feed-forward width %d", o.FF)
		check(o.Layers > 0, "%d layers", o.Layers)
		check(o.Dropout >= 0 && o.Dropout < 1, "dropout %v not in [0, 1)", o.Dropout)
	}
	check(o.Epochs >= 0 && o.Steps >= 0, "epochs %d and steps %d must not be negative", o.Epochs, o.Steps)
	if o.Epochs > 0 || o.Steps > 0 {
		check(o.BatchSize > 0, "batch size %d", o.BatchSize)
		check(o.LR > 0 && !math.IsInf(o.LR, 0), "learning rate %v", o.LR)
		check(o.Warmup >= 0, "warm-up %d", o.Warmup)
		check(o.EvalEvery >= 0, "eval every %d", o.EvalEvery)
	}
	check(o.MaxSource >= 2 && o.MaxTarget >= 2, "token limits %d and %d, want at least 2", o.MaxSource, o.MaxTarget)
	check(o.Beams >= 0, "%d beams", o.Beams)
	check(o.TrainLimit >= 0 && o.TestLimit >= 0 && o.DevLimit >= 0, "negative limits")
	return errors.Join(errs...)
}

// Run trains (or loads and fine-tunes) a model on trainSet, evaluating it
// on dev with score (nil: the dev loss only), and decodes test. log
// receives what the run does.
func Run(ctx context.Context, o Options, trainSet, dev, test []ddtp.Pair, score DevScore, log io.Writer) (*Result, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	if o.TrainLimit > 0 && len(trainSet) > o.TrainLimit {
		trainSet = trainSet[:o.TrainLimit]
	}
	if o.TestLimit > 0 && len(test) > o.TestLimit {
		test = test[:o.TestLimit]
	}
	devDecode := dev
	if o.DevLimit > 0 && len(devDecode) > o.DevLimit {
		devDecode = devDecode[:o.DevLimit]
	}
	if len(test) == 0 {
		return nil, errors.New("no test pairs")
	}
	training := o.Epochs > 0 || o.Steps > 0
	if training && len(trainSet) == 0 {
		return nil, errors.New("no training pairs")
	}
	start := time.Now()
	g := tensor.NewGenerator(o.Seed)
	var (
		m   seq2seq.Model
		tok *tokenize.Tokenizer
		spm *unigram.Model
		err error
	)
	if o.Model == "" {
		fmt.Fprintf(log, "training a %d-piece Unigram tokenizer on %d training pairs\n", o.VocabSize, len(trainSet))
		if spm, err = TrainTokenizer(trainSet, o.VocabSize, o.Seed); err != nil {
			return nil, fmt.Errorf("train the tokenizer: %w", err)
		}
		if tok, err = seq2seq.T5Tokenizer(spm, 0); err != nil {
			return nil, err
		}
		if m, err = newModel(o, spm, g); err != nil {
			return nil, err
		}
	} else {
		fmt.Fprintf(log, "loading %s\n", o.Model)
		d, err := hub.Open(o.Model, hub.Options{})
		if err != nil {
			return nil, err
		}
		if m, err = seq2seq.Load(d); err != nil {
			return nil, err
		}
		if tok, err = seq2seq.LoadTokenizer(d); err != nil {
			return nil, err
		}
		if o.TaskPrefix {
			if o.Prefix, err = taskPrefix(d, o.Task); err != nil {
				return nil, err
			}
			fmt.Fprintf(log, "input prefix %q, from config.json's task_specific_params[%q]\n", o.Prefix, o.Task)
		}
		nn.SetGenerator(m, g)
	}
	if n := m.MaxLen(); n > 0 && (o.MaxSource > n || o.MaxTarget > n) {
		o.MaxSource, o.MaxTarget = min(o.MaxSource, n), min(o.MaxTarget, n)
		fmt.Fprintf(log, "the model takes %d positions: inputs cut to %d tokens, targets to %d\n", n, o.MaxSource, o.MaxTarget)
	}
	res := &Result{Model: m, Tokenizer: tok, Vocab: m.VocabSize()}
	for _, p := range nn.Params(m) {
		res.Params += p.Tensor.Numel()
	}
	fmt.Fprintf(log, "model: %T, %d parameters, vocabulary %d\n", m, res.Params, res.Vocab)

	enc := encoder{tok: tok, prefix: o.Prefix, eos: m.Special().EOS}
	if training {
		src, tgt, err := enc.pairs(trainSet, o.MaxSource, o.MaxTarget)
		if err != nil {
			return nil, fmt.Errorf("training split: %w", err)
		}
		devSrc, devTgt, err := enc.pairs(dev, o.MaxSource, o.MaxTarget)
		if err != nil {
			return nil, fmt.Errorf("dev split: %w", err)
		}
		if res.Train, err = fit(ctx, o, m, g, src, tgt, devSrc, devTgt, devDecode, enc, score, log); err != nil {
			return nil, err
		}
		fmt.Fprintf(log, "trained %d updates (%.1f epochs) in %s, %.0f tokens/s\n",
			res.Train.Steps, res.Train.Epochs, res.Train.Duration.Round(time.Second), res.Train.TokensPerSecond)
	}
	res.TrainTime = time.Since(start)

	for _, p := range test {
		res.Sources = append(res.Sources, p.Input)
		res.References = append(res.References, p.Target)
	}
	t0 := time.Now()
	if res.Greedy, err = decode(ctx, m, enc, res.Sources, o.MaxSource, o.MaxTarget, 1, 64); err != nil {
		return nil, fmt.Errorf("greedy decoding: %w", err)
	}
	res.GreedyTime = time.Since(t0)
	if o.Beams > 1 {
		t0 = time.Now()
		if res.Beam, err = decode(ctx, m, enc, res.Sources, o.MaxSource, o.MaxTarget, o.Beams, 16); err != nil {
			return nil, fmt.Errorf("beam search: %w", err)
		}
		res.BeamTime = time.Since(t0)
	}
	fmt.Fprintf(log, "decoded %d test inputs: greedy in %s", len(test), res.GreedyTime.Round(time.Millisecond))
	if o.Beams > 1 {
		fmt.Fprintf(log, ", %d beams in %s", o.Beams, res.BeamTime.Round(time.Millisecond))
	}
	fmt.Fprintln(log)

	if o.Out != "" {
		if err := seq2seq.SaveDir(o.Out, m, hub.SaveOptions{Tokenizer: tok}); err != nil {
			return nil, err
		}
		if spm != nil {
			if err := spm.SaveFile(filepath.Join(o.Out, seq2seq.SpieceFile)); err != nil {
				return nil, err
			}
		}
		fmt.Fprintf(log, "model saved in %s (load it back with -model %s)\n", o.Out, o.Out)
	}
	return res, nil
}

// newModel returns a new model of o's architecture for the vocabulary of
// spm, initialised from g.
func newModel(o Options, spm *unigram.Model, g *tensor.Generator) (seq2seq.Model, error) {
	pad, eos := spm.PadID(), spm.EosID()
	switch o.Arch {
	case "", "transformer":
		c := seq2seq.TransformerConfig{
			VocabSize: spm.VocabSize(), Dim: o.Dim, Heads: o.Heads, Hidden: o.FF,
			EncoderLayers: o.Layers, DecoderLayers: o.Layers, MaxLen: max(o.MaxSource, o.MaxTarget) + 1,
			Dropout: o.Dropout, NormFirst: true,
			// No <s>: decoding starts from <pad>, as T5's does.
			PadTokenID: pad, BOSTokenID: pad, EOSTokenID: eos, DecoderStart: pad,
		}
		if err := c.Validate(); err != nil {
			return nil, err
		}
		return seq2seq.NewTransformer(c, g), nil
	case "t5":
		c := seq2seq.DefaultT5Config()
		c.VocabSize, c.DModel, c.DKV, c.DFF, c.NumHeads = spm.VocabSize(), o.Dim, o.Dim/o.Heads, o.FF, o.Heads
		c.NumLayers, c.NumDecoderLayers, c.DropoutRate = o.Layers, o.Layers, o.Dropout
		c.PadTokenID, c.EOSTokenID = pad, eos
		c.Architectures = []string{"T5ForConditionalGeneration"}
		if err := c.Validate(); err != nil {
			return nil, err
		}
		return seq2seq.NewT5(c, g), nil
	}
	return nil, fmt.Errorf("architecture %q, want transformer or t5", o.Arch)
}

// TrainTokenizer trains a SentencePiece Unigram model of vocab pieces on
// the inputs and targets of pairs, with T5's special pieces: <pad> (0),
// </s> (1) and <unk> (2), and no <s>.
func TrainTokenizer(pairs []ddtp.Pair, vocab int, seed uint64) (*unigram.Model, error) {
	var text bytes.Buffer
	for _, p := range pairs {
		for _, s := range []string{p.Input, p.Target} {
			for line := range strings.SplitSeq(s, "\n") {
				text.WriteString(line)
				text.WriteByte('\n')
			}
		}
	}
	cfg := unigram.DefaultTrainerConfig()
	cfg.Trainer.VocabSize = int32(vocab)
	cfg.Trainer.PadID, cfg.Trainer.EosID, cfg.Trainer.UnkID, cfg.Trainer.BosID = 0, 1, 2, -1
	cfg.Trainer.HardVocabLimit = false // a small corpus may not fill the vocabulary
	cfg.Seed = seed
	return unigram.Train(&text, cfg)
}

// encoder turns texts into token ids for the model.
type encoder struct {
	tok    *tokenize.Tokenizer
	prefix string
	eos    int
}

// ids encodes the texts (each after the prefix, when withPrefix) and
// cuts each to at most limit tokens, keeping a final </s>.
func (e encoder) ids(texts []string, withPrefix bool, limit int) ([][]int, error) {
	in := texts
	if withPrefix && e.prefix != "" {
		in = make([]string, len(texts))
		for i, t := range texts {
			in[i] = e.prefix + t
		}
	}
	out, err := e.tok.EncodeIDsBatch(in)
	if err != nil {
		return nil, err
	}
	for i, ids := range out {
		if len(ids) == 0 || ids[len(ids)-1] != e.eos {
			ids = append(ids, e.eos) // a tokenizer that does not end with </s>
		}
		if len(ids) > limit {
			ids = append(ids[:limit-1], e.eos)
		}
		out[i] = ids
	}
	return out, nil
}

// pairs encodes the inputs and targets of pairs.
func (e encoder) pairs(pairs []ddtp.Pair, maxSource, maxTarget int) (src, tgt [][]int, err error) {
	var in, out []string
	for _, p := range pairs {
		in = append(in, p.Input)
		out = append(out, p.Target)
	}
	if src, err = e.ids(in, true, maxSource); err != nil {
		return nil, nil, err
	}
	if tgt, err = e.ids(out, false, maxTarget); err != nil {
		return nil, nil, err
	}
	return src, tgt, nil
}

// fit trains m on the encoded pairs with train.Run.
func fit(ctx context.Context, o Options, m seq2seq.Model, g *tensor.Generator, src, tgt, devSrc, devTgt [][]int,
	devDecode []ddtp.Pair, enc encoder, score DevScore, log io.Writer) (*train.Result, error) {
	lengths := make([]int, len(src))
	for i := range src {
		lengths[i] = len(src[i]) + len(tgt[i])
	}
	total := o.Steps
	if total == 0 {
		total = o.Epochs * ((len(src) + o.BatchSize - 1) / o.BatchSize)
	} else if o.Epochs > 0 {
		total = min(total, o.Epochs*((len(src)+o.BatchSize-1)/o.BatchSize))
	}
	opt := optim.New(optim.AdamW{}, optim.DefaultGroups(nn.Trainable(m), o.LR, 0.01)...)
	opt.Schedule = optim.Linear{Warmup: min(o.Warmup, total/2), Total: total}
	opt.ClipNorm = 1
	pad := m.Special().Pad
	gather := func(idx []int, s, t [][]int) (seq2seq.Inputs, error) {
		bs, bt := make([][]int, len(idx)), make([][]int, len(idx))
		for i, j := range idx {
			bs[i], bt[i] = s[j], t[j]
		}
		return seq2seq.Collate(bs, bt, pad)
	}
	var devRefs, devIn []string
	for _, p := range devDecode {
		devIn = append(devIn, p.Input)
		devRefs = append(devRefs, p.Target)
	}
	eval := func(step int) (train.Metrics, error) {
		met := train.Metrics{}
		if len(devSrc) > 0 {
			view := nn.Detached(m)
			nn.Eval(view)
			var sum float64
			var n int
			for i := 0; i < len(devSrc); i += 64 {
				idx := make([]int, 0, 64)
				for j := i; j < min(i+64, len(devSrc)); j++ {
					idx = append(idx, j)
				}
				in, err := gather(idx, devSrc, devTgt)
				if err != nil {
					return nil, err
				}
				tokens := 0
				for _, j := range idx {
					tokens += len(devTgt[j])
				}
				sum += seq2seq.Forward(view, in).Loss.Item() * float64(tokens)
				n += tokens
			}
			met["dev_loss"] = sum / float64(n)
		}
		if score != nil && len(devIn) > 0 {
			hyps, err := decode(ctx, m, enc, devIn, o.MaxSource, o.MaxTarget, 1, 64)
			if err != nil {
				return nil, err
			}
			name, v, err := score(hyps, devRefs)
			if err != nil {
				return nil, err
			}
			met[name] = v
		}
		if o.Progress == nil { // else train.Run prints them with its progress
			fmt.Fprintf(log, "step %d:", step)
			for _, k := range slices.Sorted(maps.Keys(met)) {
				fmt.Fprintf(log, " %s %.4f", k, met[k])
			}
			fmt.Fprintln(log)
		}
		return met, nil
	}
	every := o.EvalEvery
	if every == 0 {
		every = total
	}
	return train.Run(ctx, train.Config{
		Model: m, Optimizer: opt, Generator: g,
		Lengths: lengths, BatchSize: o.BatchSize, Bucket: 8,
		Epochs: o.Epochs, MaxSteps: o.Steps, Seed: o.Seed,
		Loss: func(b train.Batch) (*tensor.Tensor, error) {
			in, err := gather(b.Indices, src, tgt)
			if err != nil {
				return nil, err
			}
			return seq2seq.Forward(m, in).Loss, nil
		},
		Eval: eval, EvalEvery: every,
		Dir: o.Checkpoints, CheckpointEvery: every, Resume: o.Checkpoints != "",
		Name: "train", Progress: o.Progress, Quiet: o.Progress == nil, Plot: o.Plot,
	})
}

// decode generates a target for each text with m: greedily (beams ≤ 1)
// or by beam search, in batches of batch texts of similar length, and
// returns them in the order of texts, without special tokens.
func decode(ctx context.Context, m seq2seq.Model, enc encoder, texts []string, maxSource, maxTarget, beams, batch int) ([]string, error) {
	ids, err := enc.ids(texts, true, maxSource)
	if err != nil {
		return nil, err
	}
	order := make([]int, len(ids))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(ids[a]) - len(ids[b]) })
	out := make([]string, len(texts))
	opts := generate.Options{MaxNewTokens: maxTarget, StopTokens: []int{m.Special().EOS}, PadToken: m.Special().Pad}
	if beams > 1 {
		opts.Beams = beams
	}
	for i := 0; i < len(order); i += batch {
		rows := order[i:min(i+batch, len(order))]
		src := make([][]int, len(rows))
		for k, r := range rows {
			src[k] = ids[r]
		}
		in, err := seq2seq.Collate(src, nil, m.Special().Pad)
		if err != nil {
			return nil, err
		}
		b := seq2seq.Bind(m, in.IDs, in.Mask)
		gen, err := generate.Generate(ctx, b, b.Prompts(), opts)
		if err != nil {
			return nil, err
		}
		for k, r := range rows {
			text, err := enc.tok.Decode(gen[k][0].Tokens, true)
			if err != nil {
				return nil, err
			}
			out[r] = strings.TrimSpace(text)
		}
	}
	return out, nil
}

// WriteFile writes data to path atomically (a temporary file renamed
// into place), creating its folder.
func WriteFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data)
}

// RegisterFlags defines the command-line flags of o's fields on fs, with
// o's values as their defaults; task is the task_specific_params entry
// whose prefix -prefix defaults to with -model (see FineTuneDefaults).
func (o *Options) RegisterFlags(fs *flag.FlagSet, task string) {
	fs.StringVar(&o.Model, "model", o.Model, "fine-tune this Hugging Face T5 checkpoint (folder or org/name) instead of a new model (by default for 1 epoch at -lr 3e-4; -epochs 0 only evaluates it)")
	fs.StringVar(&o.Prefix, "prefix", o.Prefix, fmt.Sprintf("text put before every input (default: none, or with -model the prefix its config.json gives %q, as T5's do)", task))
	fs.StringVar(&o.Out, "out", o.Out, "save the model, predictions.jsonl and scores.json in this folder")
	fs.StringVar(&o.Arch, "arch", o.Arch, "architecture of a new model: transformer or t5")
	fs.IntVar(&o.VocabSize, "vocab", o.VocabSize, "Unigram vocabulary size of a new model")
	fs.IntVar(&o.Dim, "dim", o.Dim, "width of a new model")
	fs.IntVar(&o.FF, "ff", o.FF, "feed-forward width of a new model")
	fs.IntVar(&o.Heads, "heads", o.Heads, "attention heads of a new model")
	fs.IntVar(&o.Layers, "layers", o.Layers, "encoder and decoder layers of a new model")
	fs.Float64Var(&o.Dropout, "dropout", o.Dropout, "dropout rate of a new model")
	fs.IntVar(&o.Epochs, "epochs", o.Epochs, "passes over the training pairs (with -steps 0 too: evaluate only)")
	fs.IntVar(&o.Steps, "steps", o.Steps, "stop after this many updates (0: the epochs decide)")
	fs.IntVar(&o.BatchSize, "batch", o.BatchSize, "pairs per update")
	fs.Float64Var(&o.LR, "lr", o.LR, "peak learning rate (AdamW, linear warm-up and decay)")
	fs.IntVar(&o.Warmup, "warmup", o.Warmup, "warm-up updates")
	fs.IntVar(&o.MaxSource, "maxsrc", o.MaxSource, "most tokens of an input")
	fs.IntVar(&o.MaxTarget, "maxtgt", o.MaxTarget, "most tokens of a target, trained or generated")
	fs.IntVar(&o.Beams, "beams", o.Beams, "beam width of the beam search (0 or 1: greedy only)")
	fs.IntVar(&o.EvalEvery, "eval-every", o.EvalEvery, "updates between evaluations on the dev split (0: at the end only)")
	fs.IntVar(&o.TrainLimit, "train-pairs", o.TrainLimit, "use the first n training pairs only (0: all)")
	fs.IntVar(&o.TestLimit, "test-pairs", o.TestLimit, "decode the first n test pairs only (0: all)")
	fs.IntVar(&o.DevLimit, "dev-pairs", o.DevLimit, "decode the first n dev pairs at each evaluation (0: all)")
	fs.Uint64Var(&o.Seed, "seed", o.Seed, "random seed")
	fs.StringVar(&o.Checkpoints, "checkpoints", o.Checkpoints, "folder of resumable training checkpoints")
	fs.StringVar(&o.Plot, "plot", o.Plot, "write the training curves to this PNG")
}

// taskPrefix returns the prefix that the config.json of d gives task in
// its task_specific_params ("" when there is none).
func taskPrefix(d *hub.Dir, task string) (string, error) {
	var c struct {
		Tasks map[string]struct {
			Prefix string `json:"prefix"`
		} `json:"task_specific_params"`
	}
	if err := d.DecodeConfig(&c); err != nil {
		return "", err
	}
	return c.Tasks[task].Prefix, nil
}

// FineTuneDefaults adapts o to fine-tuning a pre-trained checkpoint
// (o.Model set), for the settings the user did not give (set holds the
// names of the flags given): the checkpoint's own prefix for task (see
// Options.TaskPrefix), one epoch, and a learning rate of 3e-4 (the
// defaults of a new model are far too high for a pre-trained one).
// Without o.Model it does nothing.
func (o *Options) FineTuneDefaults(set map[string]bool, task string) {
	if o.Model == "" {
		return
	}
	if !set["prefix"] {
		o.TaskPrefix, o.Task = true, task
	}
	if !set["epochs"] && !set["steps"] {
		o.Epochs, o.Steps = 1, 0
	}
	if !set["lr"] {
		o.LR = 3e-4
	}
}
