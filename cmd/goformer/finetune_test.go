package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goformer/goformer/examples/finetune/data"
	"github.com/goformer/goformer/tensor"
)

func TestTrainAndFinetuneShort(t *testing.T) {
	dir := t.TempDir()
	// goformer train on a little text from standard input.
	lines := strings.Split(string(data.SentimentTrain), "\n")[1:201]
	var text []string
	for _, l := range lines {
		text = append(text, strings.Split(l, "\t")[0])
	}
	model := filepath.Join(dir, "bert")
	out, errs, code := runCmd(t, strings.Join(text, "\n"), "train", "-q", "-text", "-", "-only-text", "-out", model,
		"-vocab", "300", "-hidden", "16", "-layers", "1", "-heads", "2", "-maxlen", "32", "-epochs", "1", "-batch", "16")
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "epoch 1: held-out perplexity") {
		t.Errorf("train output:\n%s", out)
	}
	// goformer finetune of that model on a small labelled file.
	tsv := filepath.Join(dir, "small.tsv")
	if err := os.WriteFile(tsv, []byte(strings.Join(strings.Split(string(data.SentimentTrain), "\n")[:101], "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code = runCmd(t, "", "finetune", "-q", "-model", model, "-data", tsv, "-steps", "2", "-out", filepath.Join(dir, "ft"))
	if code != 0 {
		t.Fatalf("finetune: exit %d: %s", code, errs)
	}
	for _, want := range []string{"majority class", "same model, from scratch", "pre-trained, fine-tuned", "macro avg"} {
		if !strings.Contains(out, want) {
			t.Errorf("finetune output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "ft", "model.safetensors")); err != nil {
		t.Error(err)
	}
}

func TestTrainAndFinetuneBadUsage(t *testing.T) {
	for _, args := range [][]string{
		{"train", "-arch", "lstm"},
		{"train", "-only-text"},
		{"train", "extra"},
		{"finetune", "extra"},
	} {
		if _, _, code := runCmd(t, "", args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	if tensor.Available(tensor.CUDA(0)) != nil {
		_, errs, code := runCmd(t, "", "finetune", "-device", "cuda")
		if code != 1 || !strings.Contains(errs, "device cuda:0") {
			t.Errorf("finetune -device cuda without a GPU: exit %d, %q", code, errs)
		}
	}
}
