// Command finetune fine-tunes a pre-trained BERT into a sentence
// classifier and shows what pre-training bought. With no flags it loads
// the small BERT shipped in examples/finetune/model (pre-trained by
// examples/pretrain) and the UCI sentiment sentences shipped in
// examples/finetune/data, trains the classification head on the frozen
// encoder, then unfreezes the top layers, and prints accuracy, macro-F1
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
	"github.com/goformer/goformer/tensor"
)

// cacheLimit bounds the memory the tensor buffer cache keeps for reuse.
const cacheLimit = 512 << 20

func main() {
	var o finetune.Options
	flag.StringVar(&o.Model, "model", "", "Hugging Face BERT directory or hub name (default: the shipped pre-trained BERT)")
	flag.StringVar(&o.Data, "data", "", "CSV or TSV file of text,label (default: the shipped sentiment sentences)")
	flag.Float64Var(&o.Test, "test", 0.2, "fraction of -data held out for testing")
	flag.StringVar(&o.Freeze, "freeze", "", "comma-separated name patterns frozen while fine-tuning (default: the embeddings and the bottom half of the layers from six layers up, nothing below)")
	flag.IntVar(&o.HeadEpochs, "head-epochs", 2, "epochs training the head alone on the frozen encoder")
	flag.IntVar(&o.Epochs, "epochs", 4, "epochs fine-tuning the top layers and the head")
	flag.Float64Var(&o.LR, "lr", 3e-4, "peak learning rate of fine-tuning")
	flag.Float64Var(&o.HeadLR, "head-lr", 1e-3, "peak learning rate of the head-only phase")
	flag.Float64Var(&o.ScratchLR, "scratch-lr", 1e-3, "peak learning rate of the from-scratch model")
	flag.IntVar(&o.BatchSize, "batch", 32, "sentences per batch")
	flag.StringVar(&o.Device, "device", "cpu", "cpu, or cuda[:N] for an NVIDIA GPU")
	flag.StringVar(&o.Out, "out", "finetuned-model", "folder the fine-tuned model is saved to")
	flag.StringVar(&o.Plot, "plot", "", "write the fine-tuning curves to this PNG")
	flag.BoolVar(&o.NoScratch, "no-scratch", false, "skip training the from-scratch comparison")
	flag.Uint64Var(&o.Seed, "seed", 1, "random seed")
	flag.Parse()
	o.Progress = os.Stderr
	// Batches of varying length allocate buffers of many sizes: bound the
	// tensor buffer cache so that it does not keep every size it saw.
	tensor.SetCacheLimit(cacheLimit)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if _, err := finetune.Run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "finetune:", err)
		os.Exit(1)
	}
}
