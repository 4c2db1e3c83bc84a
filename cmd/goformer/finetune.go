package main

import (
	"context"
	"io"
	"os"
	"os/signal"

	_ "github.com/goformer/goformer/cuda" // registers the GPU backend for -device cuda
	"github.com/goformer/goformer/examples/finetune/finetune"
)

func init() {
	register(command{
		name:    "finetune",
		summary: "fine-tune a BERT checkpoint into a text classifier and compare it with training from scratch",
		run:     runFinetune,
	})
}

// runFinetune fine-tunes as examples/finetune does.
func runFinetune(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("finetune", stderr)
	var o finetune.Options
	fs.StringVar(&o.Model, "model", "", "Hugging Face BERT directory or hub name (default: the shipped pre-trained BERT)")
	fs.StringVar(&o.Data, "data", "", "CSV or TSV file of text,label (default: the shipped sentiment sentences)")
	fs.Float64Var(&o.Test, "test", 0.2, "fraction of -data held out for testing")
	fs.StringVar(&o.Freeze, "freeze", "", "comma-separated name patterns frozen while fine-tuning (default: the embeddings and the bottom half of the layers from six layers up, nothing below)")
	fs.IntVar(&o.HeadEpochs, "head-epochs", 2, "epochs training the head alone on the frozen encoder")
	fs.IntVar(&o.Epochs, "epochs", 4, "epochs fine-tuning the top layers and the head")
	fs.Float64Var(&o.LR, "lr", 3e-4, "peak learning rate of fine-tuning")
	fs.Float64Var(&o.HeadLR, "head-lr", 1e-3, "peak learning rate of the head-only phase")
	fs.Float64Var(&o.ScratchLR, "scratch-lr", 1e-3, "peak learning rate of the from-scratch model")
	fs.IntVar(&o.BatchSize, "batch", 32, "sentences per batch")
	fs.IntVar(&o.MaxSteps, "steps", 0, "cap every training phase at this many updates (a quick run)")
	fs.StringVar(&o.Device, "device", "cpu", "cpu, or cuda[:N]")
	fs.StringVar(&o.Out, "out", "finetuned-model", "folder the fine-tuned model is saved to")
	fs.StringVar(&o.Plot, "plot", "", "write the fine-tuning curves to this PNG")
	fs.BoolVar(&o.NoScratch, "no-scratch", false, "skip the from-scratch comparison")
	fs.Uint64Var(&o.Seed, "seed", 1, "random seed")
	quiet := fs.Bool("q", false, "no progress bars")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected arguments %q", fs.Args())
	}
	if !*quiet {
		o.Progress = stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	_, err := finetune.Run(ctx, o, stdout)
	return err
}
