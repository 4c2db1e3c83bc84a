// Package finetune fine-tunes a pre-trained BERT checkpoint (any Hugging
// Face BERT directory) into a sentence classifier, and measures what the
// pre-training bought: it trains the classification head on a frozen
// encoder, then the encoder with it (every layer of a model under six
// layers, such as the shipped one; the top half of a deeper one), and
// compares the result with the same model trained from scratch and with
// the majority-class baseline, by accuracy, macro-F1 and per-class report
// on a held-out test set. It is the library behind
// `go run ./examples/finetune` and `goformer finetune`.
package finetune

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/goformer/goformer/examples/finetune/data"
	"github.com/goformer/goformer/examples/internal/shipped"
	"github.com/goformer/goformer/examples/internal/textbatch"
	"github.com/goformer/goformer/models/bert"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/optim"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tokenize"
	"github.com/goformer/goformer/train"
)

// Options configures a fine-tuning run. Zero fields take the defaults.
type Options struct {
	// Model is a Hugging Face BERT directory or hub name; empty: the
	// shipped checkpoint.
	Model string
	// Data is a CSV or TSV file of text and label; empty: the shipped
	// sentiment sentences (with their own test split). A file given here
	// is split by Test, stratified, with Seed.
	Data string
	Test float64
	// Freeze is the comma-separated list of name patterns (as
	// nn.FreezeMatching takes them) frozen in the second phase; by
	// default, for models of six layers or more, the embeddings and the
	// bottom half of the layers, and nothing for smaller ones.
	Freeze string
	// HeadEpochs train the head on the frozen encoder; Epochs then train
	// what Freeze leaves unfrozen (and the from-scratch model for both
	// together).
	HeadEpochs, Epochs int
	// LR is the peak learning rate of the second phase, HeadLR of the
	// first, ScratchLR of the from-scratch model (each with a linear
	// warm-up over a tenth of the steps, then linear decay); BatchSize
	// and MaxLen shape the batches.
	LR, HeadLR, ScratchLR float64
	BatchSize             int
	MaxLen                int
	// MaxSteps, when positive, caps every training phase (a quick run).
	MaxSteps int
	// NoScratch skips the from-scratch comparison.
	NoScratch bool
	// Device is "cpu" (default) or "cuda" / "cuda:N".
	Device string
	// Out receives the fine-tuned model (Hugging Face layout); empty:
	// "finetuned-model".
	Out string
	// Plot, when set, receives the curves of the fine-tuning as PNG.
	Plot string
	Seed uint64
	// Progress receives the progress bars (os.Stderr in the program).
	Progress io.Writer
}

func (o *Options) defaults() {
	if o.Test == 0 {
		o.Test = 0.2
	}
	if o.HeadEpochs == 0 {
		o.HeadEpochs = 2
	}
	if o.Epochs == 0 {
		o.Epochs = 4
	}
	if o.LR == 0 {
		o.LR = 1e-3
	}
	if o.HeadLR == 0 {
		o.HeadLR = 1e-2
	}
	if o.ScratchLR == 0 {
		o.ScratchLR = 1e-3
	}
	if o.BatchSize == 0 {
		o.BatchSize = 32
	}
	if o.MaxLen == 0 {
		o.MaxLen = 64
	}
	if o.Out == "" {
		o.Out = "finetuned-model"
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
}

// Result holds the scores of every model on the test set.
type Result struct {
	Majority, Before, Head, FineTuned, Scratch Score
	Labels                                     []string
	Train, Test                                int
	Frozen                                     []string // the patterns frozen in the second phase
	Duration                                   time.Duration
	Out                                        string
}

// Run fine-tunes as o says and writes its report to w.
func Run(ctx context.Context, o Options, w io.Writer) (*Result, error) {
	o.defaults()
	start := time.Now()
	dev, err := tensor.ParseDevice(o.Device)
	if o.Device == "" {
		dev, err = tensor.CPU, nil
	}
	if err != nil {
		return nil, err
	}
	if err := tensor.Available(dev); err != nil {
		return nil, fmt.Errorf("device %s: %w", dev, err)
	}
	trainSet, testSet, err := loadData(o)
	if err != nil {
		return nil, err
	}
	dir, cleanup, err := shipped.OpenBERT(o.Model)
	if err != nil {
		if o.Model != "" {
			return nil, fmt.Errorf("model %s: %w", o.Model, err)
		}
		return nil, err
	}
	defer cleanup()
	tok, err := dir.Tokenizer()
	if err != nil {
		return nil, fmt.Errorf("model %s: tokenizer: %w", o.Model, err)
	}
	model, _, err := bert.LoadDir[*bert.ForSequenceClassification](dir, bert.Options{Seed: o.Seed, NumLabels: len(trainSet.Labels)})
	if err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	cfg := model.Bert.Config
	maxLen := min(o.MaxLen, cfg.MaxPositionEmbeddings)
	pad := cfg.PadTokenID
	trainSeqs, err := textbatch.Encode(tok, trainSet.Texts(), maxLen, true)
	if err != nil {
		return nil, err
	}
	testSeqs, err := textbatch.Encode(tok, testSet.Texts(), maxLen, true)
	if err != nil {
		return nil, err
	}
	trainY, testY := trainSet.Targets(), testSet.Targets()
	res := &Result{Labels: trainSet.Labels, Train: len(trainSeqs), Test: len(testSeqs), Out: o.Out}
	name := o.Model
	if name == "" {
		name = "the shipped pre-trained BERT (examples/finetune/model)"
	}
	fmt.Fprintf(w, "fine-tuning %s: %d layers, hidden %d, %.2fM parameters, on %s\n", name, cfg.NumHiddenLayers, cfg.HiddenSize, float64(nn.NumParams(model))/1e6, dev)
	fmt.Fprintf(w, "data: %d training and %d test sentences, labels %s\n\n", res.Train, res.Test, strings.Join(trainSet.Labels, ", "))

	maj := majority(trainY, len(trainSet.Labels))
	majPred := make([]int, len(testY))
	for i := range majPred {
		majPred[i] = maj
	}
	res.Majority = score("majority class", testY, majPred, trainSet.Labels)

	r := &runner{o: o, dev: dev, pad: pad, trainSeqs: trainSeqs, testSeqs: testSeqs, trainY: trainY, testY: testY, labels: trainSet.Labels}
	model = nn.To(model, dev)
	res.Before = r.score("pre-trained, before fine-tuning", model)

	// Phase 1: the head alone, on the frozen encoder.
	nn.Freeze(model.Bert.Embeddings)
	nn.Freeze(model.Bert.Encoder)
	if err := r.fit(ctx, model, "head only", o.HeadEpochs, o.HeadLR, w, ""); err != nil {
		return nil, err
	}
	res.Head = r.score("pre-trained, encoder frozen (head only)", model)

	// Phase 2: the top layers too.
	nn.Unfreeze(model)
	patterns := defaultFreeze(cfg.NumHiddenLayers)
	if o.Freeze != "" {
		patterns = strings.Split(o.Freeze, ",")
	}
	if len(patterns) > 0 {
		if _, err := nn.FreezeMatching(model, patterns...); err != nil {
			return nil, fmt.Errorf("freeze %q: %w", strings.Join(patterns, ","), err)
		}
	}
	res.Frozen = patterns
	if err := r.fit(ctx, model, "fine-tune", o.Epochs, o.LR, w, o.Plot); err != nil {
		return nil, err
	}
	res.FineTuned = r.score("pre-trained, fine-tuned", model)
	nn.Unfreeze(model)
	if err := save(o.Out, nn.To(model, tensor.CPU), tok); err != nil {
		return nil, err
	}

	if !o.NoScratch {
		scratch := bert.NewForSequenceClassification(cfg.WithLabels(len(trainSet.Labels)), tensor.NewGenerator(o.Seed+1))
		scratch = nn.To(scratch, dev)
		if err := r.fit(ctx, scratch, "from scratch", o.HeadEpochs+o.Epochs, o.ScratchLR, w, ""); err != nil {
			return nil, err
		}
		res.Scratch = r.score("same model, from scratch", scratch)
	}
	res.Duration = time.Since(start)

	fmt.Fprintln(w)
	scores := []Score{res.Majority}
	if !o.NoScratch {
		scores = append(scores, res.Scratch)
	}
	scores = append(scores, res.Before, res.Head, res.FineTuned)
	printTable(w, scores)
	frozen := "nothing"
	if len(patterns) > 0 {
		frozen = strings.Join(patterns, ", ")
	}
	fmt.Fprintf(w, "\nper class, before fine-tuning:\n%s\nper class, after fine-tuning (%s frozen):\n%s\n", res.Before.Report, frozen, res.FineTuned.Report)
	fmt.Fprintf(w, "fine-tuned model saved to %s; %.1fs in all\n", o.Out, res.Duration.Seconds())
	return res, nil
}

// defaultFreeze returns what stays frozen while fine-tuning: for models
// of six layers or more, the embeddings and the bottom half of the layers;
// smaller models (the shipped one has two) train every layer.
func defaultFreeze(layers int) []string {
	if layers < 6 {
		return nil
	}
	p := []string{"bert.embeddings"}
	for i := 0; i < layers/2; i++ {
		p = append(p, fmt.Sprintf("bert.encoder.layer.%d", i))
	}
	return p
}

type runner struct {
	o                   Options
	dev                 tensor.Device
	pad                 int
	trainSeqs, testSeqs [][]int
	trainY, testY       []int
	labels              []string
}

// fit trains the trainable parameters of m for the given epochs.
func (r *runner) fit(ctx context.Context, m *bert.ForSequenceClassification, name string, epochs int, lr float64, w io.Writer, plot string) error {
	params := nn.Trainable(m)
	if len(params) == 0 {
		return fmt.Errorf("%s: every parameter is frozen", name)
	}
	perEpoch := (len(r.trainSeqs) + r.o.BatchSize - 1) / r.o.BatchSize
	total := epochs * perEpoch
	if r.o.MaxSteps > 0 {
		total = min(total, r.o.MaxSteps)
	}
	opt := optim.New(optim.AdamW{}, optim.DefaultGroups(params, lr, 0.01)...)
	opt.Schedule = optim.Linear{Warmup: total / 10, Total: total}
	opt.ClipNorm = 1
	gen := tensor.NewGenerator(r.o.Seed + 7)
	nn.SetGenerator(m, gen)
	ys := make([]int32, len(r.trainY))
	for i, y := range r.trainY {
		ys[i] = int32(y)
	}
	_, err := train.Run(ctx, train.Config{
		Model: m, Optimizer: opt, Generator: gen,
		Lengths: textbatch.Lengths(r.trainSeqs), BatchSize: r.o.BatchSize, Bucket: 10,
		Epochs: epochs, MaxSteps: r.o.MaxSteps, Seed: r.o.Seed,
		Loss: func(b train.Batch) (*tensor.Tensor, error) {
			ids, mask := textbatch.Collate(r.trainSeqs, b.Indices, r.pad)
			y := make([]int32, len(b.Indices))
			for i, j := range b.Indices {
				y[i] = ys[j]
			}
			// The step's activations are released when its scope closes.
			in := bert.Input{}
			in.IDs, in.Mask, in.TypeIDs = textbatch.Scoped(b.Scope, r.dev, ids, mask)
			return m.Loss(m.Forward(in), b.Scope.Use(tensor.FromSlice(y).To(r.dev))), nil
		},
		Eval: func(int) (train.Metrics, error) {
			s := r.score("", m)
			return train.Metrics{"accuracy": s.Accuracy, "macro_f1": s.MacroF1}, nil
		},
		EvalEvery: perEpoch,
		Name:      name, Progress: r.o.Progress, Plot: plot,
	})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// predict returns the predicted class of every test sentence.
func (r *runner) predict(m *bert.ForSequenceClassification) []int {
	view := nn.Detached(m)
	nn.Eval(view)
	idx := make([]int, len(r.testSeqs))
	for i := range idx {
		idx[i] = i
	}
	out := make([]int, 0, len(idx))
	for s := 0; s < len(idx); s += 64 {
		ids, mask := textbatch.Collate(r.testSeqs, idx[s:min(s+64, len(idx))], r.pad)
		sc := tensor.NewScope()
		in := bert.Input{}
		in.IDs, in.Mask, in.TypeIDs = textbatch.Scoped(sc, r.dev, ids, mask)
		pred := view.Forward(in).ArgMax(1).Int32s()
		sc.Close()
		for _, p := range pred {
			out = append(out, int(p))
		}
	}
	return out
}

func (r *runner) score(name string, m *bert.ForSequenceClassification) Score {
	return score(name, r.testY, r.predict(m), r.labels)
}

// loadData returns the training and test sets.
func loadData(o Options) (trainSet, testSet *Data, err error) {
	if o.Data == "" {
		if trainSet, err = ParseLabelled(data.SentimentTrain, ".tsv"); err != nil {
			return nil, nil, err
		}
		if testSet, err = ParseLabelled(data.SentimentTest, ".tsv"); err != nil {
			return nil, nil, err
		}
		return trainSet, testSet, testSet.Relabel(trainSet.Labels)
	}
	if o.Test <= 0 || o.Test >= 1 {
		return nil, nil, fmt.Errorf("test fraction %v, want it in (0, 1)", o.Test)
	}
	all, err := ReadLabelled(o.Data)
	if err != nil {
		return nil, nil, err
	}
	trainSet, testSet = all.Split(o.Test, o.Seed)
	if len(trainSet.Examples) == 0 || len(testSet.Examples) == 0 {
		return nil, nil, fmt.Errorf("%s: %d examples are too few to split", o.Data, len(all.Examples))
	}
	return trainSet, testSet, nil
}

// save writes the fine-tuned classifier in the Hugging Face layout, with
// vocab.txt beside the tokenizer.json bert.Save writes.
func save(dir string, m *bert.ForSequenceClassification, tok *tokenize.Tokenizer) error {
	if err := bert.Save(dir, m, tok); err != nil {
		return fmt.Errorf("save %s: %w", dir, err)
	}
	wp, ok := tok.Model.(tokenize.WordPiece)
	if !ok {
		return errors.New("save: the tokenizer is not WordPiece")
	}
	f, err := os.Create(filepath.Join(dir, "vocab.txt"))
	if err != nil {
		return err
	}
	if err := wp.Model.WriteVocab(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// RegisterFlags defines the command-line flags of o's fields on fs, with
// the defaults that Run gives a zero Options.
func (o *Options) RegisterFlags(fs *flag.FlagSet) {
	var d Options
	d.defaults()
	fs.StringVar(&o.Model, "model", "", "Hugging Face BERT directory or hub name (default: the shipped pre-trained BERT)")
	fs.StringVar(&o.Data, "data", "", "CSV or TSV file of text,label (default: the shipped sentiment sentences)")
	fs.Float64Var(&o.Test, "test", d.Test, "fraction of -data held out for testing")
	fs.StringVar(&o.Freeze, "freeze", "", "comma-separated name patterns frozen while fine-tuning (default: the embeddings and the bottom half of the layers from six layers up, nothing below)")
	fs.IntVar(&o.HeadEpochs, "head-epochs", d.HeadEpochs, "epochs training the head alone on the frozen encoder")
	fs.IntVar(&o.Epochs, "epochs", d.Epochs, "epochs fine-tuning the top layers and the head")
	fs.Float64Var(&o.LR, "lr", d.LR, "peak learning rate of fine-tuning")
	fs.Float64Var(&o.HeadLR, "head-lr", d.HeadLR, "peak learning rate of the head-only phase")
	fs.Float64Var(&o.ScratchLR, "scratch-lr", d.ScratchLR, "peak learning rate of the from-scratch model")
	fs.IntVar(&o.BatchSize, "batch", d.BatchSize, "sentences per batch")
	fs.IntVar(&o.MaxSteps, "steps", 0, "cap every training phase at this many updates (a quick run)")
	fs.StringVar(&o.Device, "device", "cpu", "cpu, or cuda[:N] for an NVIDIA GPU")
	fs.StringVar(&o.Out, "out", d.Out, "folder the fine-tuned model is saved to")
	fs.StringVar(&o.Plot, "plot", "", "write the fine-tuning curves to this PNG")
	fs.BoolVar(&o.NoScratch, "no-scratch", false, "skip training the from-scratch comparison")
	fs.Uint64Var(&o.Seed, "seed", d.Seed, "random seed")
}
