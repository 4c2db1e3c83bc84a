// Command pretrain pre-trains a small BERT with the masked-language-model
// objective (-arch bert, the default) or a small GPT-2 causal language
// model (-arch gpt) on text shipped in the repository — the State of the
// Union addresses 1945–2016 and the sentences of examples/finetune's
// training split, without their labels — with a WordPiece (BERT) or
// byte-level BPE (GPT) tokenizer trained on the same text, and reports the
// perplexity of held-out sentences after every epoch. It writes the model
// in the Hugging Face layout (config.json, model.safetensors, and the
// tokenizer as vocab.txt and tokenizer.json).
//
// Usage:
//
//	go run ./examples/pretrain [-arch bert|gpt] [-out DIR] [-epochs 8] [-seed 1] [flags]
//
// With its defaults it made examples/finetune/model, the checkpoint
// examples/finetune starts from (see examples/finetune/model/README.md).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/goformer/goformer/examples/pretrain/pretrain"
	"github.com/goformer/goformer/tensor"
)

// cacheLimit bounds the memory the tensor buffer cache keeps for reuse.
var cacheLimit int64 = 512 << 20

func main() {
	var o pretrain.Options
	arch := flag.String("arch", "bert", "bert (masked LM, WordPiece) or gpt (causal LM, byte-level BPE)")
	flag.StringVar(&o.Out, "out", "pretrained-bert", "output folder (Hugging Face layout)")
	flag.IntVar(&o.Epochs, "epochs", 8, "passes over the corpus")
	flag.IntVar(&o.MaxSteps, "steps", 0, "stop after this many updates (0: the epochs decide)")
	flag.IntVar(&o.BatchSize, "batch", 32, "sentences per batch")
	flag.Float64Var(&o.LR, "lr", 1e-3, "peak learning rate (AdamW, linear warm-up and decay)")
	flag.IntVar(&o.VocabSize, "vocab", 4000, "WordPiece vocabulary size")
	flag.IntVar(&o.Hidden, "hidden", 128, "hidden size")
	flag.IntVar(&o.Layers, "layers", 2, "transformer layers")
	flag.IntVar(&o.Heads, "heads", 2, "attention heads")
	flag.IntVar(&o.MaxLen, "maxlen", 64, "longest sequence in tokens")
	flag.Uint64Var(&o.Seed, "seed", 1, "random seed")
	flag.BoolVar(&o.SaveFloat16, "float16", false, "store the weights as float16 (half the size)")
	flag.StringVar(&o.From, "from", "", "continue pre-training this BERT folder (its tokenizer and sizes) instead of starting afresh")
	flag.StringVar(&o.Dir, "checkpoints", "", "folder of resumable checkpoints (none when empty)")
	flag.StringVar(&o.Plot, "plot", "", "write the loss and perplexity curves to this PNG")
	flag.Int64Var(&cacheLimit, "cache-limit", cacheLimit, "bytes the tensor buffer cache may keep (-1: no bound)")
	text := flag.String("text", "", "also train on this text file, one sentence a line")
	only := flag.Bool("only-text", false, "train on -text alone, without the shipped corpus")
	flag.Parse()
	if *text != "" {
		b, err := os.ReadFile(*text)
		if err != nil {
			fmt.Fprintln(os.Stderr, "pretrain:", err)
			os.Exit(1)
		}
		for _, l := range strings.Split(string(b), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				o.Texts = append(o.Texts, l)
			}
		}
		o.NoDefaultText = *only
	}
	o.Progress = os.Stderr
	// Batches of varying length allocate buffers of many sizes: bound the
	// tensor buffer cache so that it does not keep every size it saw.
	tensor.SetCacheLimit(cacheLimit)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	run := pretrain.BERT
	switch *arch {
	case "bert":
	case "gpt":
		run = pretrain.GPT
	default:
		fmt.Fprintf(os.Stderr, "pretrain: -arch %q, want bert or gpt\n", *arch)
		os.Exit(2)
	}
	if _, err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "pretrain:", err)
		os.Exit(1)
	}
}
