package metrics

import (
	"errors"
	"strconv"
	"sync"
	"testing"
)

type sklearnPRF struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	F1Score   float64 `json:"f1_via_f1_score"`
	FBetaHalf float64 `json:"fbeta_0.5"`
	FBeta2    float64 `json:"fbeta_2"`
}

type sklearnPerClass struct {
	Precision []float64 `json:"precision"`
	Recall    []float64 `json:"recall"`
	F1        []float64 `json:"f1"`
	FBetaHalf []float64 `json:"fbeta_0.5"`
	FBeta2    []float64 `json:"fbeta_2"`
	Support   []float64 `json:"support"`
	Labels    []int     `json:"labels"`
}

type sklearnFixture struct {
	Cases []struct {
		ID       string    `json:"id"`
		NClasses int       `json:"n_classes"`
		YTrue    []int     `json:"y_true"`
		YPred    []int     `json:"y_pred"`
		YScore   jsonScore `json:"y_score"`
		Results  struct {
			Accuracy        float64            `json:"accuracy"`
			AccuracyCount   int64              `json:"accuracy_count"`
			ConfusionMatrix [][]int64          `json:"confusion_matrix"`
			CMLabels        []int              `json:"confusion_matrix_labels"`
			MCC             float64            `json:"matthews_corrcoef"`
			TopK            map[string]float64 `json:"top_k_accuracy"`
			PRF             struct {
				Binary   *sklearnPRF     `json:"binary"`
				Micro    sklearnPRF      `json:"micro"`
				Macro    sklearnPRF      `json:"macro"`
				Weighted sklearnPRF      `json:"weighted"`
				PerClass sklearnPerClass `json:"per_class"`
			} `json:"prf"`
		} `json:"results"`
	} `json:"cases"`
}

// jsonScore holds y_score: a list of probabilities per row, or one
// positive-class score per row for binary sets.
type jsonScore struct {
	rows [][]float64
	flat []float64
}

func (j *jsonScore) UnmarshalJSON(b []byte) error {
	if err := jsonUnmarshal(b, &j.rows); err == nil {
		return nil
	}
	j.rows = nil
	return jsonUnmarshal(b, &j.flat)
}

// same demands bit equality: scikit-learn's classification metrics are
// reproduced exactly.
func same(t *testing.T, what string, got, want float64) {
	t.Helper()
	if got != want {
		t.Errorf("%s: %.17g, scikit-learn %.17g", what, got, want)
	}
}

func TestClassificationMatchesScikitLearnExactly(t *testing.T) {
	var fx sklearnFixture
	loadFixture(t, "sklearn_classification.json", &fx)
	for _, tc := range fx.Cases {
		t.Run(tc.ID, func(t *testing.T) {
			r := tc.Results
			cm := NewConfusionMatrix(tc.YTrue, tc.YPred)
			same(t, "accuracy", cm.Accuracy(), r.Accuracy)
			same(t, "Accuracy", Accuracy(tc.YTrue, tc.YPred), r.Accuracy)
			if cm.Correct() != r.AccuracyCount {
				t.Errorf("correct %d, scikit-learn %d", cm.Correct(), r.AccuracyCount)
			}
			same(t, "mcc", cm.MatthewsCorrCoef(), r.MCC)
			labels, counts := cm.Labels(), cm.Counts()
			if len(labels) != len(r.CMLabels) {
				t.Fatalf("labels %v, scikit-learn %v", labels, r.CMLabels)
			}
			for i := range counts {
				for j := range counts[i] {
					if counts[i][j] != r.ConfusionMatrix[i][j] {
						t.Fatalf("confusion matrix %v, scikit-learn %v", counts, r.ConfusionMatrix)
					}
				}
			}
			check := func(name string, got func(beta float64) PRF, want sklearnPRF) {
				g := got(1)
				same(t, name+" precision", g.Precision, want.Precision)
				same(t, name+" recall", g.Recall, want.Recall)
				same(t, name+" f1", g.F, want.F1)
				same(t, name+" f1_score", g.F, want.F1Score)
				same(t, name+" fbeta 0.5", got(0.5).F, want.FBetaHalf)
				same(t, name+" fbeta 2", got(2).F, want.FBeta2)
			}
			for _, a := range []struct {
				avg  Average
				want sklearnPRF
			}{{Micro, r.PRF.Micro}, {Macro, r.PRF.Macro}, {Weighted, r.PRF.Weighted}} {
				check(a.avg.String(), func(b float64) PRF { return cm.Averaged(a.avg, b) }, a.want)
			}
			if r.PRF.Binary != nil {
				check("binary", func(b float64) PRF {
					s, err := cm.Binary(1, b)
					if err != nil {
						t.Fatal(err)
					}
					return s
				}, *r.PRF.Binary)
			}
			pc := r.PRF.PerClass
			for _, beta := range []float64{1, 0.5, 2} {
				got := cm.PerClass(beta)
				for i, s := range got {
					if s.Label != pc.Labels[i] || float64(s.Support) != pc.Support[i] {
						t.Fatalf("class %d: label %d support %d, scikit-learn %d %v", i, s.Label, s.Support, pc.Labels[i], pc.Support[i])
					}
					same(t, "per-class precision", s.Precision, pc.Precision[i])
					same(t, "per-class recall", s.Recall, pc.Recall[i])
					want := map[float64][]float64{1: pc.F1, 0.5: pc.FBetaHalf, 2: pc.FBeta2}[beta]
					same(t, "per-class fbeta "+strconv.FormatFloat(beta, 'g', -1, 64), s.F, want[i])
				}
			}
			for ks, want := range r.TopK {
				k, _ := strconv.Atoi(ks)
				var got float64
				var err error
				if tc.YScore.rows != nil {
					got, err = TopKAccuracy(tc.YTrue, tc.YScore.rows, k)
				} else {
					got, err = TopKAccuracyBinary(tc.YTrue, tc.YScore.flat, k)
				}
				if err != nil {
					t.Fatal(err)
				}
				same(t, "top-"+ks+" accuracy", got, want)
			}
		})
	}
}

func TestTopKAccuracyBreaksTiesTowardsTheHigherClass(t *testing.T) {
	// numpy's stable argsort reversed: among equal scores the higher class
	// index ranks first, so class 2 is top-1 here and class 0 is not.
	scores := [][]float64{{0.5, 0.2, 0.5}, {0.5, 0.2, 0.5}}
	got, err := TopKAccuracy([]int{2, 0}, scores, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got != 0.5 {
		t.Errorf("top-1 = %v, want 0.5", got)
	}
}

func TestClassificationBadInput(t *testing.T) {
	if _, err := TopKAccuracy([]int{0}, [][]float64{{1, 2}, {1, 2}}, 1); !errors.Is(err, ErrLengthMismatch) {
		t.Errorf("rows mismatch: %v", err)
	}
	if _, err := TopKAccuracy([]int{0, 1}, [][]float64{{1, 2}, {1}}, 1); !errors.Is(err, ErrLengthMismatch) {
		t.Errorf("ragged rows: %v", err)
	}
	if _, err := TopKAccuracy([]int{5}, [][]float64{{1, 2}}, 1); !errors.Is(err, ErrBadOption) {
		t.Errorf("label out of range: %v", err)
	}
	if _, err := NewConfusionMatrix([]int{0, 1, 2}, []int{0, 1, 2}).Binary(1, 1); !errors.Is(err, ErrBadOption) {
		t.Errorf("binary over three labels: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("mismatched label slices did not panic")
		}
	}()
	NewConfusionMatrix([]int{0}, []int{0, 1})
}

func TestConfusionMatrixAddsBatchesFromManyGoroutines(t *testing.T) {
	var cm ConfusionMatrix
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				cm.Add([]int{g % 3, 1}, []int{1, 1})
			}
		}()
	}
	wg.Wait()
	if cm.Total() != 1600 {
		t.Errorf("total %d, want 1600", cm.Total())
	}
	if got := cm.Labels(); len(got) != 3 {
		t.Errorf("labels %v, want 0 1 2", got)
	}
}

func TestNpSumFollowsNumpyPairwiseOrder(t *testing.T) {
	// For 9 values numpy adds eight partial sums then the ninth; plain
	// left-to-right addition gives a different last bit here.
	a := []float64{1e16, 1, 1, 1, 1, 1, 1, 1, 1}
	want := ((1e16 + 1.0) + (1.0 + 1.0)) + ((1.0 + 1.0) + (1.0 + 1.0)) + 1.0
	if got := npSum(a); got != want {
		t.Errorf("npSum = %.17g, want %.17g", got, want)
	}
	if npSum(nil) != 0 {
		t.Error("npSum of nothing is not 0")
	}
}

func TestReportMatchesScikitLearnClassificationReport(t *testing.T) {
	var fx struct {
		Cases []struct {
			ID     string   `json:"id"`
			YTrue  []int    `json:"y_true"`
			YPred  []int    `json:"y_pred"`
			Digits int      `json:"digits"`
			Names  []string `json:"names"`
			Report string   `json:"report"`
		} `json:"cases"`
	}
	loadFixture(t, "sklearn_report.json", &fx)
	for _, tc := range fx.Cases {
		got, err := NewConfusionMatrix(tc.YTrue, tc.YPred).Report(tc.Names, tc.Digits)
		if err != nil {
			t.Fatalf("%s: %v", tc.ID, err)
		}
		if got != tc.Report {
			t.Errorf("%s:\ngot\n%s\nscikit-learn\n%s", tc.ID, got, tc.Report)
		}
	}
	if _, err := NewConfusionMatrix([]int{0, 1}, []int{0, 1}).Report([]string{"one"}, 2); !errors.Is(err, ErrLengthMismatch) {
		t.Errorf("too few names: %v", err)
	}
}
