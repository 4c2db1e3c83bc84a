//go:build long

package metrics

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestCrossCheckWithLocalPythonTools compares nltk BLEU (all eight
// smoothing methods, sentence and corpus level) and the classification
// metrics with the tools themselves, on thousands of seeded random inputs
// chosen to hit the edge cases: tiny vocabularies, very short sentences,
// empty hypotheses, several references, absent classes. It needs Debian's
// /usr/bin/python3 with python3-nltk and python3-sklearn, and skips
// otherwise. Run: go test -tags long -run CrossCheck ./metrics/
func TestCrossCheckWithLocalPythonTools(t *testing.T) {
	const py = "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	rng := rand.New(rand.NewPCG(77, 78))
	words := []string{"a", "b", "c", "d", "the", "cat", ".", ","}
	sent := func(maxLen int) []string {
		s := make([]string, rng.IntN(maxLen+1))
		for i := range s {
			s[i] = words[rng.IntN(3+rng.IntN(len(words)-2))]
		}
		return s
	}
	type pair struct {
		Refs [][]string `json:"refs"`
		Hyp  []string   `json:"hyp"`
	}
	type corpus struct {
		Refs [][][]string `json:"refs"`
		Hyps [][]string   `json:"hyps"`
	}
	type labels struct {
		YTrue []int `json:"y_true"`
		YPred []int `json:"y_pred"`
	}
	var req struct {
		NLTK       []pair   `json:"nltk"`
		NLTKCorpus []corpus `json:"nltk_corpus"`
		SKLearn    []labels `json:"sklearn"`
	}
	for i := 0; i < 3000; i++ {
		p := pair{Hyp: sent(9)}
		for k := 1 + rng.IntN(3); k > 0; k-- {
			r := sent(9)
			if len(r) == 0 {
				r = []string{"a"}
			}
			p.Refs = append(p.Refs, r)
		}
		req.NLTK = append(req.NLTK, p)
	}
	for i := 0; i < 300; i++ {
		var c corpus
		for j := 1 + rng.IntN(6); j > 0; j-- {
			p := req.NLTK[rng.IntN(len(req.NLTK))]
			c.Refs = append(c.Refs, p.Refs)
			c.Hyps = append(c.Hyps, p.Hyp)
		}
		req.NLTKCorpus = append(req.NLTKCorpus, c)
	}
	for i := 0; i < 500; i++ {
		n, k := 1+rng.IntN(60), 2+rng.IntN(12)
		l := labels{YTrue: make([]int, n), YPred: make([]int, n)}
		for j := range l.YTrue {
			l.YTrue[j] = rng.IntN(k)
			l.YPred[j] = rng.IntN(k)
			if rng.IntN(2) == 0 {
				l.YPred[j] = l.YTrue[j]
			}
		}
		req.SKLearn = append(req.SKLearn, l)
	}
	in, _ := json.Marshal(req)
	cmd := exec.Command(py, filepath.Join("testdata", "crosscheck.py"))
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("reference script: %v\n%s", err, stderr.String())
	}
	var resp struct {
		NLTK       [][]json.RawMessage          `json:"nltk"`
		NLTKCorpus [][]json.RawMessage          `json:"nltk_corpus"`
		SKLearn    []map[string]json.RawMessage `json:"sklearn"`
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	var ex exactness
	errorsSeen := 0
	kinds := map[string]int{}
	check := func(what string, got float64, gerr error, raw json.RawMessage) {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(raw, &e) == nil && e.Error != "" {
			errorsSeen++
			kinds[e.Error]++
			if gerr == nil {
				t.Errorf("%s: got %v, nltk raised %s", what, got, e.Error)
			}
			return
		}
		var want float64
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatalf("%s: %v in %s", what, err, raw)
		}
		if gerr != nil {
			t.Errorf("%s: error %v, nltk %v", what, gerr, want)
			return
		}
		ex.see(got, want)
		if !closeTo(got, want, 1e-12*max(1, want)) {
			t.Errorf("%s: %.17g, nltk %.17g", what, got, want)
		}
	}
	for i, p := range req.NLTK {
		for m := 0; m < 8; m++ {
			got, err := NLTKBLEU{Smoothing: NLTKSmoothing(m)}.Sentence(p.Refs, p.Hyp)
			check("sentence "+itoa36(i)+" method"+itoa36(m), got, err, resp.NLTK[i][m])
		}
	}
	for i, c := range req.NLTKCorpus {
		for m := 0; m < 8; m++ {
			got, err := NLTKBLEU{Smoothing: NLTKSmoothing(m)}.Corpus(c.Refs, c.Hyps)
			check("corpus "+itoa36(i)+" method"+itoa36(m), got, err, resp.NLTKCorpus[i][m])
		}
	}
	ex.log(t, "nltk BLEU cross-check")
	t.Logf("nltk raised %d errors, all reproduced: %v", errorsSeen, kinds)
	for i, l := range req.SKLearn {
		r := resp.SKLearn[i]
		cm := NewConfusionMatrix(l.YTrue, l.YPred)
		var acc, mcc float64
		json.Unmarshal(r["accuracy"], &acc)
		json.Unmarshal(r["mcc"], &mcc)
		if cm.Accuracy() != acc || cm.MatthewsCorrCoef() != mcc {
			t.Errorf("labels %d: accuracy %v mcc %v, scikit-learn %v %v", i, cm.Accuracy(), cm.MatthewsCorrCoef(), acc, mcc)
		}
		for _, a := range []Average{Micro, Macro, Weighted} {
			var w [4]float64
			var b2 float64
			json.Unmarshal(r[a.String()], &w)
			json.Unmarshal(r[a.String()+"_b2"], &b2)
			g := cm.Averaged(a, 1)
			if g.Precision != w[0] || g.Recall != w[1] || g.F != w[2] || g.F != w[3] || cm.Averaged(a, 2).F != b2 {
				t.Errorf("labels %d %s: %+v (F2 %v), scikit-learn %v (F2 %v)", i, a, g, cm.Averaged(a, 2).F, w, b2)
			}
		}
	}
}
