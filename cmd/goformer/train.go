package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/goformer/goformer/examples/pretrain/pretrain"
)

func init() {
	register(command{
		name:    "train",
		summary: "pre-train a small BERT (masked LM) or GPT (causal LM) on shipped or given text, with its own tokenizer",
		run:     runTrain,
	})
}

// runTrain pre-trains a BERT or a GPT as examples/pretrain does and
// writes it in the Hugging Face layout.
func runTrain(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("train", stderr)
	var o pretrain.Options
	arch := fs.String("arch", "bert", "bert (masked LM, WordPiece) or gpt (causal LM, byte-level BPE)")
	text := fs.String("text", "", "also train on this text file (- for standard input), one sentence a line")
	only := fs.Bool("only-text", false, "train on -text alone, without the shipped corpus")
	fs.StringVar(&o.Out, "out", "pretrained-bert", "output folder (Hugging Face layout)")
	fs.IntVar(&o.Epochs, "epochs", 8, "passes over the corpus")
	fs.IntVar(&o.MaxSteps, "steps", 0, "stop after this many updates (0: the epochs decide)")
	fs.IntVar(&o.BatchSize, "batch", 32, "sentences per batch")
	fs.Float64Var(&o.LR, "lr", 1e-3, "peak learning rate")
	fs.IntVar(&o.VocabSize, "vocab", 4000, "WordPiece vocabulary size")
	fs.IntVar(&o.Hidden, "hidden", 128, "hidden size")
	fs.IntVar(&o.Layers, "layers", 2, "transformer layers")
	fs.IntVar(&o.Heads, "heads", 2, "attention heads")
	fs.IntVar(&o.MaxLen, "maxlen", 64, "longest sequence in tokens")
	fs.Uint64Var(&o.Seed, "seed", 1, "random seed")
	fs.StringVar(&o.Dir, "checkpoints", "", "folder of resumable checkpoints")
	fs.StringVar(&o.Plot, "plot", "", "write the curves to this PNG")
	quiet := fs.Bool("q", false, "no progress bar")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected arguments %q", fs.Args())
	}
	if *only && *text == "" {
		return usageErrorf("-only-text needs -text")
	}
	if *text != "" {
		lines, err := readLines(*text, stdin)
		if err != nil {
			return err
		}
		for _, l := range lines {
			if l = strings.TrimSpace(l); l != "" {
				o.Texts = append(o.Texts, l)
			}
		}
		o.NoDefaultText = *only
	}
	if !*quiet {
		o.Progress = stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	run := pretrain.BERT
	switch *arch {
	case "bert":
	case "gpt":
		run = pretrain.GPT
	default:
		return usageErrorf("-arch %q: want bert or gpt", *arch)
	}
	_, err := run(ctx, o, stdout)
	return err
}
