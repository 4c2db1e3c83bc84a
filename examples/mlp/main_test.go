package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestTrainingCutsTheLossTenfold(t *testing.T) {
	var out bytes.Buffer
	res, err := train(&out, config{steps: 150, hidden: 32, points: 100, every: 50, lr: 0.02, seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.last > res.first/10 {
		t.Fatalf("loss fell from %.4f to %.4f, less than tenfold\n%s", res.first, res.last, out.String())
	}
	if res.accuracy < 0.9 {
		t.Fatalf("accuracy %.2f after training", res.accuracy)
	}
	if !strings.Contains(out.String(), "step   50") || !strings.Contains(out.String(), "loss fell from") {
		t.Fatalf("progress missing from the output:\n%s", out.String())
	}
}

func TestTrainingIsReproducible(t *testing.T) {
	c := config{steps: 5, hidden: 8, points: 20, every: 1, lr: 0.01, seed: 3}
	var a, b bytes.Buffer
	ra, _ := train(&a, c)
	rb, _ := train(&b, c)
	if ra != rb {
		t.Fatalf("two runs with seed 3 differ: %+v and %+v", ra, rb)
	}
}

func TestBadSettingsAreRejected(t *testing.T) {
	for _, c := range []config{{steps: 0, hidden: 8, points: 10, lr: 0.1}, {steps: 1, hidden: 8, points: 10, lr: 0}, {steps: 1, hidden: 0, points: 10, lr: 0.1}} {
		if _, err := train(&bytes.Buffer{}, c); err == nil {
			t.Errorf("config %+v accepted", c)
		}
	}
}
