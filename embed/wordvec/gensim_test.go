package wordvec

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/goformer/goformer/embed/sotu"
)

// gensimScores is testdata/gensim_scores.json, written by generate.py.
type gensimScores struct {
	Analogies300000 struct {
		Accuracy       float64
		Correct, Total int
	} `json:"analogies_300000"`
	Analogies1000 struct {
		Accuracy       float64
		Correct, Total int
	} `json:"analogies_1000"`
	Predictions [][5]string
	Similarity  struct {
		Pearson, Spearman float64
		OOVPercent        float64 `json:"oov_percent"`
	}
}

func loadGensim(t *testing.T) (*Table, gensimScores) {
	t.Helper()
	tab, err := Load("testdata/sample.vec")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("testdata/gensim_scores.json")
	if err != nil {
		t.Fatal(err)
	}
	var g gensimScores
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	return tab, g
}

func TestEvaluationMatchesGensim(t *testing.T) {
	tab, g := loadGensim(t)
	for _, c := range []struct {
		restrict       int
		correct, total int
	}{
		{0, g.Analogies300000.Correct, g.Analogies300000.Total},
		{1000, g.Analogies1000.Correct, g.Analogies1000.Total},
	} {
		res, err := EvalAnalogies(tab, strings.NewReader(sotu.Analogies), EvalOptions{Restrict: c.restrict})
		if err != nil {
			t.Fatal(err)
		}
		if res.Correct != c.correct || res.Total != c.total {
			t.Errorf("restrict %d: %d/%d correct, gensim %d/%d", c.restrict, res.Correct, res.Total, c.correct, c.total)
		}
	}
	sim, err := EvalSimilarity(tab, strings.NewReader(sotu.Similarity), EvalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(sim.Spearman-g.Similarity.Spearman) > 1e-6 || math.Abs(sim.Pearson-g.Similarity.Pearson) > 1e-6 {
		t.Errorf("Spearman %v Pearson %v, gensim %v %v", sim.Spearman, sim.Pearson, g.Similarity.Spearman, g.Similarity.Pearson)
	}
	if oov := 100 * float64(sim.Skipped) / float64(sim.Skipped+sim.Pairs); math.Abs(oov-g.Similarity.OOVPercent) > 1e-9 {
		t.Errorf("%.3f%% of pairs skipped, gensim %.3f%%", oov, g.Similarity.OOVPercent)
	}
}

func TestAnalogyAnswersMatchGensimQuestionByQuestion(t *testing.T) {
	tab, g := loadGensim(t)
	if len(g.Predictions) < 1000 {
		t.Fatalf("only %d predictions in the fixture", len(g.Predictions))
	}
	for _, m := range []Method{CosAdd, CosMul} {
		differ := 0
		for _, p := range g.Predictions {
			ns, err := tab.Analogy(p[0], p[1], p[2], 1, m)
			if err != nil {
				t.Fatal(err)
			}
			want := p[3]
			if m == CosMul {
				want = p[4]
			}
			if ns[0].Word != want {
				differ++
				if differ <= 3 {
					t.Logf("%v: %s:%s::%s:? ours %q, gensim %q", m, p[0], p[1], p[2], ns[0].Word, want)
				}
			}
		}
		// float32 rounding may swap near-ties; allow a handful.
		if differ > len(g.Predictions)/400 {
			t.Errorf("%v: %d of %d answers differ from gensim", m, differ, len(g.Predictions))
		}
	}
}
