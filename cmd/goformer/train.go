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
	o.RegisterFlags(fs)
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
