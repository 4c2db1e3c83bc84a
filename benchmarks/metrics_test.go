package benchmarks

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/goformer/goformer/metrics"
)

// The metrics benchmarks score 100,000 seeded sentence pairs. The words
// come from the State of the Union sentences of metrics/testdata (public
// domain), drawn with a Zipf-like law; each hypothesis is a seeded
// perturbation of its reference (dropped, swapped, replaced, repeated words
// and punctuation changes), so the n-gram statistics look like MT output.
// benchmarks/reference/metrics_compare.sh writes the same pairs to a file
// (TestMetricsWritePairs) and times nltk and a Python rouge-score port on
// them, alternating with these benchmarks.

const (
	metricsPairCount = 100_000
	metricsSeed      = 2024
)

var (
	metricsOnce  sync.Once
	metricsHyps  []string
	metricsRefs  []string
	metricsBytes int64
)

// metricsVocabulary returns the distinct words of the fixture sentences,
// most frequent first.
func metricsVocabulary(tb testing.TB) []string {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("..", "metrics", "testdata", "rouge_score.json"))
	if err != nil {
		tb.Fatalf("read vocabulary source: %v", err)
	}
	var fx struct {
		Cases []struct {
			Target     string   `json:"target"`
			Targets    []string `json:"targets"`
			Prediction string   `json:"prediction"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(data, &fx); err != nil {
		tb.Fatalf("decode vocabulary source: %v", err)
	}
	word := regexp.MustCompile(`[A-Za-z][A-Za-z'-]*|[0-9]+`)
	count := map[string]int{}
	for _, c := range fx.Cases {
		for _, s := range append([]string{c.Target, c.Prediction}, c.Targets...) {
			for _, w := range word.FindAllString(s, -1) {
				count[w]++
			}
		}
	}
	words := make([]string, 0, len(count))
	for w := range count {
		words = append(words, w)
	}
	slices.SortFunc(words, func(a, b string) int {
		if count[a] != count[b] {
			return count[b] - count[a]
		}
		return strings.Compare(a, b)
	})
	return words
}

// metricsPairs builds the benchmark corpus once.
func metricsPairs(tb testing.TB) ([]string, []string) {
	metricsOnce.Do(func() {
		vocab := metricsVocabulary(tb)
		rng := rand.New(rand.NewPCG(metricsSeed, 1))
		zipf := rand.NewZipf(rng, 1.1, 2, uint64(len(vocab)-1))
		puncts := []string{",", ",", ";", ":", "-", "--"}
		sentence := func() []string {
			n := 5 + rng.IntN(36)
			ws := make([]string, n)
			for i := range ws {
				ws[i] = vocab[zipf.Uint64()]
				if i > 0 && rng.IntN(12) == 0 {
					ws[i] += puncts[rng.IntN(len(puncts))]
				}
			}
			ws[0] = strings.ToUpper(ws[0][:1]) + ws[0][1:]
			return ws
		}
		metricsHyps = make([]string, metricsPairCount)
		metricsRefs = make([]string, metricsPairCount)
		for i := range metricsRefs {
			ref := sentence()
			hyp := slices.Clone(ref)
			for k := rng.IntN(5); k > 0 && len(hyp) > 1; k-- {
				j := rng.IntN(len(hyp))
				switch rng.IntN(4) {
				case 0: // drop
					hyp = slices.Delete(hyp, j, j+1)
				case 1: // swap with the next word
					if j+1 < len(hyp) {
						hyp[j], hyp[j+1] = hyp[j+1], hyp[j]
					}
				case 2: // replace
					hyp[j] = vocab[zipf.Uint64()]
				case 3: // repeat
					hyp = slices.Insert(hyp, j, hyp[j])
				}
			}
			end := [...]string{".", ".", ".", "?", "!"}
			metricsRefs[i] = strings.Join(ref, " ") + end[rng.IntN(len(end))]
			metricsHyps[i] = strings.Join(hyp, " ") + end[rng.IntN(len(end))]
			metricsBytes += int64(len(metricsRefs[i]) + len(metricsHyps[i]))
		}
	})
	return metricsHyps, metricsRefs
}

// TestMetricsWritePairs writes the benchmark pairs as JSON lines
// {"hyp": ..., "ref": ...} to the file named by GOFORMER_METRICS_PAIRS, for
// the Python reference scripts. It does nothing otherwise.
func TestMetricsWritePairs(t *testing.T) {
	path := os.Getenv("GOFORMER_METRICS_PAIRS")
	if path == "" {
		t.Skip("set GOFORMER_METRICS_PAIRS to write the benchmark pairs")
	}
	hyps, refs := metricsPairs(t)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for i := range hyps {
		if err := enc.Encode(map[string]string{"hyp": hyps[i], "ref": refs[i]}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestMetricsPrintScores prints the scores that the benchmarks compute, so
// that metrics_compare.sh can check them against the Python side.
func TestMetricsPrintScores(t *testing.T) {
	if os.Getenv("GOFORMER_METRICS_PAIRS") == "" {
		t.Skip("set GOFORMER_METRICS_PAIRS to print the benchmark scores")
	}
	hyps, refs := metricsPairs(t)
	refTok, hypTok := metricsSplit(hyps, refs)
	nl, err := metrics.NLTKBLEU{}.Corpus(refTok, hypTok)
	if err != nil {
		t.Fatal(err)
	}
	targets, preds := refs, hyps
	res, err := metricsROUGE.Corpus(targets, preds)
	if err != nil {
		t.Fatal(err)
	}
	mean := metrics.MeanROUGE(res)
	stemmed, err := metrics.ROUGE{Types: metricsROUGE.Types, Stemmer: metrics.PorterStemmer}.Corpus(targets, preds)
	if err != nil {
		t.Fatal(err)
	}
	smean := metrics.MeanROUGE(stemmed)
	fmt.Printf("goformer nltk-corpus_bleu %.17g\n", nl)
	fmt.Printf("goformer rouge-mean-F stem=False rouge1 %.17g rouge2 %.17g rougeL %.17g\n", mean["rouge1"].F, mean["rouge2"].F, mean["rougeL"].F)
	fmt.Printf("goformer rouge-mean-F stem=True rouge1 %.17g rouge2 %.17g rougeL %.17g\n", smean["rouge1"].F, smean["rouge2"].F, smean["rougeL"].F)
}

var metricsROUGE = metrics.ROUGE{Types: []string{"rouge1", "rouge2", "rougeL"}}

// metricsSplit splits the pairs on whitespace, as the nltk script does.
func metricsSplit(hyps, refs []string) ([][][]string, [][]string) {
	refTok := make([][][]string, len(refs))
	hypTok := make([][]string, len(hyps))
	for i := range hyps {
		refTok[i] = [][]string{strings.Fields(refs[i])}
		hypTok[i] = strings.Fields(hyps[i])
	}
	return refTok, hypTok
}

// BenchmarkCorpusBLEU scores the 100k pairs: "nltk" is goformer's
// nltk-compatible corpus_bleu on the same whitespace tokens that nltk gets;
// "sacrebleu" is the full sacreBLEU pipeline (13a tokenization included) on
// one core and on all cores.
func BenchmarkCorpusBLEU(b *testing.B) {
	hyps, refs := metricsPairs(b)
	refTok, hypTok := metricsSplit(hyps, refs)
	refSets := make([][]string, len(refs))
	for i, r := range refs {
		refSets[i] = []string{r}
	}
	b.Run("nltk", func(b *testing.B) {
		b.ReportAllocs()
		cpu := metricsCPUSeconds()
		for b.Loop() {
			if _, err := (metrics.NLTKBLEU{}).Corpus(refTok, hypTok); err != nil {
				b.Fatal(err)
			}
		}
		metricsReport(b, len(hyps), cpu)
	})
	for _, w := range []int{1, 0} {
		name := "sacrebleu/workers=1"
		if w == 0 {
			name = "sacrebleu/workers=all"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			c := metrics.BLEU{Workers: w}
			cpu := metricsCPUSeconds()
			for b.Loop() {
				if _, err := c.Corpus(hyps, refSets); err != nil {
					b.Fatal(err)
				}
			}
			metricsReport(b, len(hyps), cpu)
		})
	}
}

// BenchmarkROUGE scores ROUGE-1, ROUGE-2 and ROUGE-L (rouge-score
// semantics) on the 100k pairs: without stemming on one core and on all
// cores, and with Porter stemming on one core.
func BenchmarkROUGE(b *testing.B) {
	hyps, refs := metricsPairs(b)
	for _, cfg := range []struct {
		name string
		r    metrics.ROUGE
	}{
		{"nostem/workers=1", metrics.ROUGE{Types: metricsROUGE.Types, Workers: 1}},
		{"nostem/workers=all", metricsROUGE},
		{"stem/workers=1", metrics.ROUGE{Types: metricsROUGE.Types, Stemmer: metrics.PorterStemmer, Workers: 1}},
	} {
		b.Run(cfg.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := metricsCPUSeconds()
			for b.Loop() {
				if _, err := cfg.r.Corpus(refs, hyps); err != nil {
					b.Fatal(err)
				}
			}
			metricsReport(b, len(hyps), cpu)
		})
	}
}

// metricsReport reports pairs/s and MB/s, and the process CPU seconds per
// operation when they can be read (the machine is shared, so CPU time is
// steadier than wall time; with several workers it sums their cores).
func metricsReport(b *testing.B, pairs int, cpuStart float64) {
	b.ReportMetric(float64(pairs)*float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
	b.ReportMetric(float64(metricsBytes)*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
	if end := metricsCPUSeconds(); cpuStart >= 0 && end >= 0 {
		b.ReportMetric((end-cpuStart)/float64(b.N), "cpu-s/op")
	}
}

// metricsCPUSeconds returns the user and system CPU time of this process
// from /proc/self/stat (Linux), or -1 where that file does not exist.
func metricsCPUSeconds() float64 {
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return -1
	}
	// The command name may hold spaces; the fields after it are fixed.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return -1
	}
	var utime, stime float64
	if _, err := fmt.Sscan(f[11], &utime); err != nil {
		return -1
	}
	if _, err := fmt.Sscan(f[12], &stime); err != nil {
		return -1
	}
	return (utime + stime) / 100 // USER_HZ is 100 on Linux
}
