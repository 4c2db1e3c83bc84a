package word2vec

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/goformer/goformer/embed/corpus"
	"github.com/google/go-cmp/cmp"
)

// topicText makes sentences that each draw words from one of four topics,
// so that words of a topic share contexts and should end up near each
// other.
func topicText(seed uint64, sentences int) string {
	r := rand.New(rand.NewPCG(seed, 0))
	var sb strings.Builder
	for range sentences {
		topic := r.IntN(4)
		for i := range 10 {
			if i > 0 {
				sb.WriteByte(' ')
			}
			fmt.Fprintf(&sb, "t%dw%d", topic, r.IntN(12))
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}

func testOptions(threads int) Options {
	opt := DefaultOptions()
	opt.Dim = 24
	opt.Epochs = 5
	opt.MinCount = 1
	opt.Sample = 0
	opt.Threads = threads
	if raceEnabled {
		opt.Threads = 1
	}
	return opt
}

// topicPurity is the share of each word's 5 nearest neighbours that share
// its topic.
func topicPurity(t *testing.T, m *Model) float64 {
	t.Helper()
	tab := m.Vectors()
	same, all := 0, 0
	for _, w := range tab.Words {
		ns, err := tab.Nearest(w, 5)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			all++
			if n.Word[:2] == w[:2] {
				same++
			}
		}
	}
	return float64(same) / float64(all)
}

func TestEveryVariantLearnsTopics(t *testing.T) {
	text := corpus.FromString(topicText(1, 3000))
	for _, arch := range []Arch{SkipGram, CBOW} {
		for _, loss := range []Loss{NegativeSampling, HierarchicalSoftmax} {
			for _, threads := range []int{1, 2} {
				name := fmt.Sprintf("%v %v on %d threads", arch, loss, threads)
				t.Run(name, func(t *testing.T) {
					opt := testOptions(threads)
					opt.Arch, opt.Loss = arch, loss
					if arch == CBOW {
						opt.LR = 0.05
					}
					m, err := Train(context.Background(), text, opt)
					if err != nil {
						t.Fatal(err)
					}
					if m.Vocab.Len() != 48 {
						t.Fatalf("vocabulary has %d words, want 48", m.Vocab.Len())
					}
					if p := topicPurity(t, m); p < 0.95 {
						t.Errorf("topic purity %.2f, want ≥ 0.95", p)
					}
					if m.Words != 5*30000 {
						t.Errorf("processed %d words, want %d", m.Words, 5*30000)
					}
				})
			}
		}
	}
}

func TestLossFallsWithMoreEpochs(t *testing.T) {
	text := corpus.FromString(topicText(2, 2000))
	opt := testOptions(1)
	opt.Epochs = 1
	one, err := Train(context.Background(), text, opt)
	if err != nil {
		t.Fatal(err)
	}
	opt.Epochs = 10
	ten, err := Train(context.Background(), text, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !(ten.Loss < one.Loss) {
		t.Errorf("mean loss after 10 epochs %.3f, not below 1 epoch %.3f", ten.Loss, one.Loss)
	}
}

func TestOneThreadIsReproducible(t *testing.T) {
	text := corpus.FromString(topicText(3, 500))
	opt := testOptions(1)
	opt.Sample = 1e-2
	a, err := Train(context.Background(), text, opt)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Train(context.Background(), text, opt)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a.In, b.In); diff != "" {
		t.Fatal("two runs with one seed differ")
	}
	opt.Seed++
	c, _ := Train(context.Background(), text, opt)
	if cmp.Equal(a.In, c.In) {
		t.Fatal("a different seed gave the same vectors")
	}
}

func TestVocabularyLimits(t *testing.T) {
	text := corpus.FromString("a a a a b b b c c d\n")
	opt := testOptions(1)
	opt.MinCount = 2
	m, err := Train(context.Background(), text, opt)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "b", "c"}, m.Vocab.Words); diff != "" {
		t.Errorf("min count (-want +got)\n%s", diff)
	}
	opt.MaxVocab = 1
	m, err = Train(context.Background(), text, opt)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a"}, m.Vocab.Words); diff != "" {
		t.Errorf("max vocab (-want +got)\n%s", diff)
	}
}

func TestBadOptionsAndInputGiveErrors(t *testing.T) {
	text := corpus.FromString(topicText(4, 10))
	cases := []struct {
		name   string
		modify func(*Options)
	}{
		{"zero dim", func(o *Options) { o.Dim = 0 }},
		{"zero window", func(o *Options) { o.Window = 0 }},
		{"no negatives", func(o *Options) { o.Negative = 0 }},
		{"zero epochs", func(o *Options) { o.Epochs = 0 }},
		{"zero learning rate", func(o *Options) { o.LR = 0 }},
		{"negative sample", func(o *Options) { o.Sample = -1 }},
		{"unknown arch", func(o *Options) { o.Arch = 7 }},
		{"unknown loss", func(o *Options) { o.Loss = 7 }},
		{"negative learning rate", func(o *Options) { o.LR = -1 }},
		{"NaN learning rate", func(o *Options) { o.LR = math.NaN() }},
		{"infinite learning rate", func(o *Options) { o.LR = math.Inf(1) }},
		{"NaN sample", func(o *Options) { o.Sample = math.NaN() }},
		{"negative window", func(o *Options) { o.Window = -5 }},
		{"negative epochs", func(o *Options) { o.Epochs = -1 }},
		{"negative threads", func(o *Options) { o.Threads = -3 }},
		{"negative min count", func(o *Options) { o.MinCount = -1 }},
		{"negative max vocab", func(o *Options) { o.MaxVocab = -1 }},
		{"negative noise power", func(o *Options) { o.NegPower = -0.5 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opt := testOptions(1)
			c.modify(&opt)
			if _, err := Train(context.Background(), text, opt); !errors.Is(err, ErrOptions) {
				t.Fatalf("err = %v, want ErrOptions", err)
			}
		})
	}
	for _, s := range []string{"", "\n\n  \n", "rare words only"} {
		opt := testOptions(1)
		opt.MinCount = 2
		if _, err := Train(context.Background(), corpus.FromString(s), opt); !errors.Is(err, corpus.ErrEmpty) {
			t.Errorf("%q: err = %v, want corpus.ErrEmpty", s, err)
		}
	}
}

func TestOneWordVocabularyTrains(t *testing.T) {
	opt := testOptions(1)
	for _, loss := range []Loss{NegativeSampling, HierarchicalSoftmax} {
		opt.Loss = loss
		if _, err := Train(context.Background(), corpus.FromString("a a a\na a\n"), opt); err != nil {
			t.Errorf("%v: %v", loss, err)
		}
	}
}

func TestTrainingStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	opt := testOptions(1)
	opt.Epochs = 1000
	opt.Progress = func(Progress) {}
	text := corpus.FromString(topicText(5, 5000))
	v, err := corpus.Count(context.Background(), text, corpus.CountOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := TrainVocab(ctx, text, v, opt); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestHuffmanCodesArePrefixFreeAndShortForFrequentWords(t *testing.T) {
	counts := []int64{100, 50, 20, 20, 5, 3, 1}
	h := buildHuffman(counts)
	seen := map[string]int{}
	for w := range counts {
		code := h.code(int32(w))
		pts := h.point(int32(w))
		if len(code) != len(pts) || len(code) == 0 {
			t.Fatalf("word %d: %d bits, %d points", w, len(code), len(pts))
		}
		if pts[0] != int32(len(counts)-2) {
			t.Errorf("word %d: path starts at %d, want the root %d", w, pts[0], len(counts)-2)
		}
		key := fmt.Sprint(code)
		for c, other := range seen {
			if strings.HasPrefix(key[:len(key)-1], c[:len(c)-1]) || strings.HasPrefix(c[:len(c)-1], key[:len(key)-1]) {
				t.Errorf("codes of %d and %d: one is a prefix of the other", w, other)
			}
		}
		seen[key] = w
	}
	if len(h.code(0)) > len(h.code(6)) {
		t.Error("the most frequent word has a longer code than the rarest")
	}
}
