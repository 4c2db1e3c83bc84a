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
// -vectors initialises the word embeddings from pre-trained word vectors
// (examples/pretrain/vectors/fetch.sh writes GloVe's); with -vocab 12000
// -freeze-embeddings -float16 it made examples/finetune/model, the
// checkpoint examples/finetune starts from (the exact command is in
// examples/finetune/model/README.md).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/goformer/goformer/examples/pretrain/pretrain"
)

func main() {
	var o pretrain.Options
	arch := flag.String("arch", "bert", "bert (masked LM, WordPiece) or gpt (causal LM, byte-level BPE)")
	o.RegisterFlags(flag.CommandLine)
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
