package word2vec

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/goformer/goformer/embed/corpus"
)

func TestProgressEndsAtOneHundredPercent(t *testing.T) {
	opt := testOptions(2)
	opt.Epochs = 2
	var last Progress
	calls := 0
	opt.Progress = func(p Progress) { last, calls = p, calls+1 }
	var out bytes.Buffer
	opt.ProgressWriter = &out
	m, err := Train(context.Background(), corpus.FromString(topicText(3, 300)), opt)
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 || last.Words != last.Total || last.Total != m.Words || last.Loss != m.Loss {
		t.Fatalf("%d calls, the last %+v; want one at %d of %d words with loss %v", calls, last, m.Words, m.Words, m.Loss)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if end := lines[len(lines)-1]; !strings.HasPrefix(end, "word2vec 100% ") || !strings.Contains(end, "loss") {
		t.Fatalf("progress ends with %q", end)
	}
}
