package fasttext

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/goformer/goformer/embed/corpus"
)

func TestProgressEndsAtOneHundredPercent(t *testing.T) {
	opt := trainOptions()
	opt.Epochs = 2
	var last Progress
	calls := 0
	opt.Progress = func(p Progress) { last, calls = p, calls+1 }
	var out bytes.Buffer
	opt.ProgressWriter = &out
	m, err := Train(context.Background(), corpus.FromString(strings.Repeat("the cat sat on the mat and the dog ate the bone\n", 300)), opt)
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 || last.Words != last.Total || last.Total != m.Stats().Words || last.Loss != m.Stats().Loss {
		t.Fatalf("%d calls, the last %+v; want one at %d of %d words with loss %v", calls, last, m.Stats().Words, m.Stats().Words, m.Stats().Loss)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if end := lines[len(lines)-1]; !strings.HasPrefix(end, "fasttext 100% ") || !strings.Contains(end, "loss") {
		t.Fatalf("progress ends with %q", end)
	}
}
