package glove

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
	"github.com/google/go-cmp/cmp/cmpopts"
)

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

// bruteCount counts co-occurrences the slow, obvious way.
func bruteCount(t *testing.T, text string, v *corpus.Vocab, window int, asym, flat bool) map[[2]int32]float64 {
	t.Helper()
	m := map[[2]int32]float64{}
	for _, line := range strings.Split(text, "\n") {
		var ids []int32
		for _, w := range strings.Fields(line) {
			if id := v.IDString(w); id >= 0 {
				ids = append(ids, id)
			}
		}
		for p := range ids {
			for k := 1; k <= window && p-k >= 0; k++ {
				x := 1 / float64(k)
				if flat {
					x = 1
				}
				m[[2]int32{ids[p-k], ids[p]}] += x
				if !asym {
					m[[2]int32{ids[p], ids[p-k]}] += x
				}
			}
		}
	}
	return m
}

func collect(t *testing.T, c *Cooccurrences) map[[2]int32]float64 {
	t.Helper()
	m := map[[2]int32]float64{}
	var prev Record
	first := true
	err := c.Each(func(r Record) error {
		if !first && (r.I < prev.I || r.I == prev.I && r.J <= prev.J) {
			return fmt.Errorf("records out of order: %v after %v", r, prev)
		}
		first, prev = false, r
		m[[2]int32{r.I, r.J}] = float64(r.X)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCountMatchesBruteForceInMemoryAndWithSpills(t *testing.T) {
	text := topicText(1, 300) + "rare words here\n"
	v, err := corpus.Count(context.Background(), corpus.FromString(text), corpus.CountOptions{MinCount: 2})
	if err != nil {
		t.Fatal(err)
	}
	approx := cmpopts.EquateApprox(1e-6, 1e-4)
	for _, c := range []struct {
		name       string
		opt        CountOptions
		asym, flat bool
	}{
		{"symmetric, weighted, in memory", CountOptions{Window: 3}, false, false},
		{"asymmetric", CountOptions{Window: 3, Asymmetric: true}, true, false},
		{"unweighted", CountOptions{Window: 5, NoDistanceWeighting: true}, false, true},
		{"spilling to many runs", CountOptions{Window: 4, MemoryBytes: 2000, TempDir: t.TempDir()}, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			co, err := Count(context.Background(), corpus.FromString(text), v, c.opt)
			if err != nil {
				t.Fatal(err)
			}
			defer co.Close()
			want := bruteCount(t, text, v, c.opt.Window, c.asym, c.flat)
			if diff := cmp.Diff(want, collect(t, co), approx); diff != "" {
				t.Errorf("(-brute +Count)\n%s", diff)
			}
		})
	}
}

func testOptions() Options {
	opt := DefaultOptions()
	opt.Dim = 16
	opt.Window = 5
	opt.MinCount = 1
	opt.Epochs = 30
	opt.XMax = 10
	opt.Threads = 2
	if raceEnabled {
		opt.Threads = 1
	}
	return opt
}

func TestTrainLearnsTopicsAndCostFalls(t *testing.T) {
	for _, mem := range []int64{0, 4096} {
		t.Run(fmt.Sprintf("memory %d", mem), func(t *testing.T) {
			opt := testOptions()
			opt.MemoryBytes = mem
			opt.TempDir = t.TempDir()
			var costs []float64
			opt.Progress = func(_ int, c float64) { costs = append(costs, c) }
			m, err := Train(context.Background(), corpus.FromString(topicText(2, 2000)), opt)
			if err != nil {
				t.Fatal(err)
			}
			if !(costs[len(costs)-1] < costs[0]/2) {
				t.Errorf("cost went from %.4f to %.4f, want it at least halved", costs[0], costs[len(costs)-1])
			}
			tab := m.Vectors()
			same, all := 0, 0
			for _, w := range tab.Words {
				ns, _ := tab.Nearest(w, 5)
				for _, n := range ns {
					all++
					if n.Word[:2] == w[:2] {
						same++
					}
				}
			}
			if p := float64(same) / float64(all); p < 0.95 {
				t.Errorf("topic purity %.2f, want ≥ 0.95", p)
			}
			for _, x := range m.W {
				if math.IsNaN(float64(x)) {
					t.Fatal("NaN in parameters")
				}
			}
		})
	}
}

func TestOneThreadIsReproducible(t *testing.T) {
	opt := testOptions()
	opt.Threads = 1
	opt.Epochs = 3
	text := corpus.FromString(topicText(3, 300))
	a, err := Train(context.Background(), text, opt)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Train(context.Background(), text, opt)
	if !cmp.Equal(a.W, b.W) {
		t.Error("two runs with one seed differ")
	}
}

func TestBadInputGivesErrors(t *testing.T) {
	for name, modify := range map[string]func(*Options){
		"zero dim":          func(o *Options) { o.Dim = 0 },
		"zero window":       func(o *Options) { o.Window = 0 },
		"zero xmax":         func(o *Options) { o.XMax = 0 },
		"zero lr":           func(o *Options) { o.LR = 0 },
		"zero epochs":       func(o *Options) { o.Epochs = 0 },
		"negative lr":       func(o *Options) { o.LR = -1 },
		"NaN lr":            func(o *Options) { o.LR = math.NaN() },
		"NaN xmax":          func(o *Options) { o.XMax = math.NaN() },
		"negative alpha":    func(o *Options) { o.Alpha = -1 },
		"negative threads":  func(o *Options) { o.Threads = -3 },
		"negative memory":   func(o *Options) { o.MemoryBytes = -1 },
		"negative mincount": func(o *Options) { o.MinCount = -1 },
		"negative maxvocab": func(o *Options) { o.MaxVocab = -1 },
	} {
		opt := testOptions()
		modify(&opt)
		if _, err := Train(context.Background(), corpus.FromString("a b\n"), opt); !errors.Is(err, ErrOptions) {
			t.Errorf("%s: err = %v, want ErrOptions", name, err)
		}
	}
	opt := testOptions()
	if _, err := Train(context.Background(), corpus.FromString(""), opt); !errors.Is(err, corpus.ErrEmpty) {
		t.Errorf("empty text: err = %v, want corpus.ErrEmpty", err)
	}
	// One word per line: a vocabulary but no co-occurrences.
	if _, err := Train(context.Background(), corpus.FromString("a\nb\n"), opt); !errors.Is(err, corpus.ErrEmpty) {
		t.Errorf("no pairs: err = %v, want corpus.ErrEmpty", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Train(ctx, corpus.FromString(topicText(4, 100)), opt); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v, want context.Canceled", err)
	}
}
