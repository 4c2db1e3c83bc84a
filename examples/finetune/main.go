// Command finetune fine-tunes a pre-trained BERT into a sentence
// classifier and shows what pre-training bought. With no flags it loads
// the small BERT shipped in examples/finetune/model (pre-trained by
// examples/pretrain) and the UCI sentiment sentences shipped in
// examples/finetune/data, trains the classification head on the frozen
// encoder, then every layer, and prints accuracy, macro-F1
// and the per-class report before and after, next to the same model
// trained from scratch and the majority-class baseline. It saves the
// fine-tuned model in the Hugging Face layout.
//
// Usage:
//
//	go run ./examples/finetune [-model DIR|org/name] [-data FILE] [-freeze PATTERN]
//	                           [-epochs N] [-lr RATE] [-device cpu|cuda] [-out DIR]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	_ "github.com/goformer/goformer/cuda" // registers the GPU backend for -device cuda

	"github.com/goformer/goformer/examples/finetune/finetune"
)

func main() {
	var o finetune.Options
	o.RegisterFlags(flag.CommandLine)
	flag.Parse()
	o.Progress = os.Stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if _, err := finetune.Run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "finetune:", err)
		os.Exit(1)
	}
}
