package glove

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/goformer/goformer/embed/corpus"
)

func TestProgressCoversCountingAndTrainingToOneHundredPercent(t *testing.T) {
	opt := testOptions()
	opt.Epochs = 3
	var out bytes.Buffer
	opt.ProgressWriter = &out
	if _, err := Train(context.Background(), corpus.FromString(topicText(4, 300)), opt); err != nil {
		t.Fatal(err)
	}
	var count, train string
	for _, l := range strings.Split(out.String(), "\n") {
		switch {
		case strings.HasPrefix(l, "glove count "):
			count = l
		case strings.HasPrefix(l, "glove train "):
			train = l
		}
	}
	if !strings.HasPrefix(count, "glove count 100% ") || !strings.Contains(count, "pairs") {
		t.Errorf("counting ends with %q", count)
	}
	if !strings.HasPrefix(train, "glove train 100% ") || !strings.Contains(train, "epoch 3/3") {
		t.Errorf("training ends with %q", train)
	}
}

func TestCountAloneReportsItsProgress(t *testing.T) {
	text := corpus.FromString(topicText(4, 100))
	v, err := corpus.Count(context.Background(), text, corpus.CountOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	c, err := Count(context.Background(), text, v, CountOptions{Window: 3, ProgressWriter: &out})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	want := "glove count 100% " + itoa(v.Tokens) + "/" + itoa(v.Tokens) + " words"
	if !strings.HasPrefix(strings.TrimSpace(out.String()), want) {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
