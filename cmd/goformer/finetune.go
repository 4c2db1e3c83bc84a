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
	o.RegisterFlags(fs)
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
