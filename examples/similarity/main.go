// Command similarity finds the nearest neighbours of sentences by their
// embeddings from a BERT-family model (models/bert's Model.Embed, mean or
// [CLS] pooling, unit length so that a dot product is the cosine).
//
// Usage:
//
//	go run ./examples/similarity                        # the evaluation below, and examples
//	go run ./examples/similarity -query "Great phone, works well." [-k 5]
//	go run ./examples/similarity -model DIR|org/name [-pooling mean|cls|pooled]
//
// The sentences are the UCI Sentiment Labelled Sentences shipped with
// examples/finetune (review sentences from Amazon, IMDb and Yelp, each
// labelled positive or negative): the 2,382 training sentences are the
// index and the 597 test sentences the queries. With -query the program
// prints the sentences of the whole set nearest to the query.
//
// Without -query it measures how well the embeddings group sentences of
// the same sentiment — the label of the nearest indexed sentence (1-NN),
// and the majority of the ten nearest (10-NN), against the query's true
// label — for the model with mean and [CLS] pooling, for the same
// architecture untrained (random weights: what the pre-training adds),
// for a TF-IDF bag of words (the classic baseline), and against the
// majority class; then shows the neighbours of a few test sentences.
//
// Without -model it uses the small BERT that examples/pretrain
// pre-trained with the masked-LM objective on the State of the Union
// addresses and these training sentences (without their labels), its word
// embeddings started from GloVe's vectors: 2 layers, width 100, shipped in
// examples/finetune/model. It was never trained to make sentence
// embeddings, so expect them to group sentences by their words more than
// by their meaning. Measured with the defaults (10 s at load average 2 on
// 2 cores): 1-NN / 10-NN accuracy 64.5% / 70.2% with mean pooling and
// 59.5% / 62.8% with [CLS] pooling, above the untrained network (61.3% /
// 60.5%) and below TF-IDF (74.2% / 80.7%); the majority class gives 48.4%.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/goformer/goformer/examples/finetune/data"
	"github.com/goformer/goformer/examples/finetune/finetune"
	"github.com/goformer/goformer/examples/internal/shipped"
	"github.com/goformer/goformer/examples/internal/textbatch"
	"github.com/goformer/goformer/metrics"
	"github.com/goformer/goformer/models/bert"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tokenize"
)

type config struct {
	model, pooling, query string
	k                     int
	examples              int
	seed                  uint64
	// limit, when positive, keeps the first limit sentences of each split
	// (the short mode the tests run).
	limit int
}

func main() {
	c := config{}
	flag.StringVar(&c.model, "model", "", "a BERT model directory or Hugging Face name (org/name); empty: the shipped BERT")
	flag.StringVar(&c.pooling, "pooling", "mean", "mean, cls or pooled (the pooler's output, for checkpoints that have one)")
	flag.StringVar(&c.query, "query", "", "print the sentences nearest to this one (else: the evaluation)")
	flag.IntVar(&c.k, "k", 5, "neighbours to print")
	flag.IntVar(&c.examples, "examples", 3, "test sentences whose neighbours the evaluation prints")
	flag.Uint64Var(&c.seed, "seed", 1, "seed of the untrained control model")
	flag.Parse()
	if _, err := run(context.Background(), c, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "similarity:", err)
		os.Exit(1)
	}
}

// encoder embeds sentences with a BERT model.
type encoder struct {
	model  *bert.Model
	tok    *tokenize.Tokenizer
	maxLen int
}

// embed returns one unit vector per text.
func (e *encoder) embed(texts []string, pooling bert.Pooling) ([][]float32, error) {
	view := nn.Detached(e.model)
	pad, _ := e.tok.TokenToID("[PAD]")
	out := make([][]float32, 0, len(texts))
	const batch = 64
	for s := 0; s < len(texts); s += batch {
		seqs, err := textbatch.Encode(e.tok, texts[s:min(s+batch, len(texts))], e.maxLen, true) // [SEP] kept at the end
		if err != nil {
			return nil, err
		}
		rows := make([]int, len(seqs))
		for r := range rows {
			rows[r] = r
		}
		ids, mask := textbatch.Collate(seqs, rows, pad)
		v := view.Embed(bert.Input{IDs: ids, Mask: mask}, bert.EmbedOptions{Pooling: pooling, Normalize: true})
		flat, h := v.Float32s(), v.Dim(1)
		for r := range seqs {
			out = append(out, flat[r*h:(r+1)*h])
		}
	}
	return out, nil
}

// neighbour is an indexed sentence and its similarity to a query.
type neighbour struct {
	Index int
	Score float64
}

// nearest returns the k vectors of index most similar to q (by dot
// product: cosine for unit vectors), best first.
func nearest(q []float32, index [][]float32, k int) []neighbour {
	all := make([]neighbour, len(index))
	for i, v := range index {
		s := 0.0
		for j := range q {
			s += float64(q[j]) * float64(v[j])
		}
		all[i] = neighbour{i, s}
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].Score > all[b].Score })
	return all[:min(k, len(all))]
}

// knnAccuracy returns the accuracy of the 1-NN and 10-NN (majority, ties
// to the nearer) labels of queries against their labels.
func knnAccuracy(queries, index [][]float32, qLabels, iLabels []int, classes int) (acc1, acc10 float64) {
	p1 := make([]int, len(queries))
	p10 := make([]int, len(queries))
	for i, q := range queries {
		nn := nearest(q, index, 10)
		p1[i] = iLabels[nn[0].Index]
		votes := make([]int, classes)
		for _, n := range nn {
			votes[iLabels[n.Index]]++
		}
		best := iLabels[nn[0].Index]
		for c, v := range votes {
			if v > votes[best] {
				best = c
			}
		}
		p10[i] = best
	}
	return metrics.Accuracy(qLabels, p1), metrics.Accuracy(qLabels, p10)
}

// tfidf returns unit TF-IDF vectors of texts over the vocabulary of index
// (scikit-learn's smooth idf: ln((1+n)/(1+df)) + 1; lower-cased words).
func tfidf(index, texts []string) [][]float32 {
	word := regexp.MustCompile(`[\p{L}\p{N}']+`)
	words := func(s string) []string { return word.FindAllString(strings.ToLower(s), -1) }
	vocab := map[string]int{}
	var df []int
	for _, s := range index {
		seen := map[string]bool{}
		for _, w := range words(s) {
			if _, ok := vocab[w]; !ok {
				vocab[w] = len(df)
				df = append(df, 0)
			}
			if !seen[w] {
				seen[w] = true
				df[vocab[w]]++
			}
		}
	}
	n := float64(len(index))
	out := make([][]float32, len(texts))
	for i, s := range texts {
		v := make([]float32, len(df))
		for _, w := range words(s) {
			if j, ok := vocab[w]; ok {
				v[j] += float32(math.Log((1+n)/(1+float64(df[j]))) + 1)
			}
		}
		norm := 0.0
		for _, x := range v {
			norm += float64(x) * float64(x)
		}
		if norm > 0 {
			for j := range v {
				v[j] /= float32(math.Sqrt(norm))
			}
		}
		out[i] = v
	}
	return out
}

// report is what the evaluation measured.
type report struct {
	Rows     []row
	Majority float64
	Index    int
	Queries  int
}

// row is one method's nearest-neighbour accuracies.
type row struct {
	Name          string
	Acc1, Acc10   float64
	EmbedDuration time.Duration
}

func run(ctx context.Context, c config, w io.Writer) (*report, error) {
	pooling, err := bert.ParsePooling(c.pooling)
	if err != nil {
		return nil, err
	}
	d, cleanup, err := shipped.OpenBERT(c.model)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	m, _, err := bert.LoadDir[*bert.Model](d, bert.Options{})
	if err != nil {
		return nil, err
	}
	if pooling == bert.Pooled && m.Pooler == nil {
		return nil, errors.New("-pooling pooled: the checkpoint has no pooler")
	}
	tok, err := d.Tokenizer()
	if err != nil {
		return nil, err
	}
	enc := &encoder{model: m, tok: tok, maxLen: m.Config.MaxPositionEmbeddings}
	trainSet, err := finetune.ParseLabelled(data.SentimentTrain, ".tsv")
	if err != nil {
		return nil, err
	}
	testSet, err := finetune.ParseLabelled(data.SentimentTest, ".tsv")
	if err != nil {
		return nil, err
	}
	if !slices.Equal(trainSet.Labels, testSet.Labels) {
		return nil, fmt.Errorf("the splits' labels differ: %q and %q", trainSet.Labels, testSet.Labels)
	}
	index, iLabels := texts(trainSet, c.limit)
	queries, qLabels := texts(testSet, c.limit)
	fmt.Fprintf(w, "model %s: BERT, %d layers, width %d; %d indexed sentences, %d test sentences\n",
		modelName(c.model), m.Config.NumHiddenLayers, m.Config.HiddenSize, len(index), len(queries))

	if c.query != "" {
		all := append(slices.Clone(index), queries...)
		labels := append(slices.Clone(iLabels), qLabels...)
		vecs, err := enc.embed(append([]string{c.query}, all...), pooling)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(w, "nearest to %q (%s pooling):\n", c.query, pooling)
		for _, n := range nearest(vecs[0], vecs[1:], c.k) {
			fmt.Fprintf(w, "  %.3f  [%s] %s\n", n.Score, trainSet.Labels[labels[n.Index]], all[n.Index])
		}
		return nil, nil
	}

	rep := &report{Index: len(index), Queries: len(queries)}
	counts := make([]int, len(trainSet.Labels))
	for _, l := range iLabels {
		counts[l]++
	}
	maj := slices.Index(counts, slices.Max(counts))
	rep.Majority = metrics.Accuracy(qLabels, slices.Repeat([]int{maj}, len(qLabels)))

	untrained := &encoder{model: bert.New(m.Config, tensor.NewGenerator(c.seed)), tok: tok, maxLen: enc.maxLen}
	var shown [][]float32
	for _, v := range []struct {
		name string
		enc  *encoder
		pool bert.Pooling
	}{
		{"BERT, mean pooling", enc, bert.Mean},
		{"BERT, [CLS] pooling", enc, bert.CLS},
		{"same BERT untrained, mean pooling", untrained, bert.Mean},
	} {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		start := time.Now()
		vi, err := v.enc.embed(index, v.pool)
		if err != nil {
			return nil, err
		}
		vq, err := v.enc.embed(queries, v.pool)
		if err != nil {
			return nil, err
		}
		r := row{Name: v.name, EmbedDuration: time.Since(start)}
		r.Acc1, r.Acc10 = knnAccuracy(vq, vi, qLabels, iLabels, len(trainSet.Labels))
		rep.Rows = append(rep.Rows, r)
		if v.enc == enc && v.pool == pooling && shown == nil {
			shown = append(vq, vi...)
		}
	}
	start := time.Now()
	ti, tq := tfidf(index, index), tfidf(index, queries)
	r := row{Name: "TF-IDF bag of words", EmbedDuration: time.Since(start)}
	r.Acc1, r.Acc10 = knnAccuracy(tq, ti, qLabels, iLabels, len(trainSet.Labels))
	rep.Rows = append(rep.Rows, r)

	fmt.Fprintln(w, "sentiment of the nearest indexed sentences against the test sentence's own:")
	fmt.Fprintf(w, "  %-36s %7s %7s %9s\n", "", "1-NN", "10-NN", "embed")
	for _, r := range rep.Rows {
		fmt.Fprintf(w, "  %-36s %6.1f%% %6.1f%% %8.2fs\n", r.Name, 100*r.Acc1, 100*r.Acc10, r.EmbedDuration.Seconds())
	}
	fmt.Fprintf(w, "  %-36s %6.1f%%\n", "majority class ("+trainSet.Labels[maj]+")", 100*rep.Majority)

	if shown != nil {
		vq, vi := shown[:len(queries)], shown[len(queries):]
		for i := range min(c.examples, len(queries)) {
			q := i * len(queries) / max(c.examples, 1)
			fmt.Fprintf(w, "nearest to the test sentence %q (%s):\n", queries[q], trainSet.Labels[qLabels[q]])
			for _, n := range nearest(vq[q], vi, 3) {
				fmt.Fprintf(w, "  %.3f  [%s] %s\n", n.Score, trainSet.Labels[iLabels[n.Index]], index[n.Index])
			}
		}
	}
	return rep, nil
}

// texts returns the sentences and labels of d, the first limit of them
// when limit is positive.
func texts(d *finetune.Data, limit int) ([]string, []int) {
	ex := d.Examples
	if limit > 0 && limit < len(ex) {
		ex = ex[:limit]
	}
	t := make([]string, len(ex))
	l := make([]int, len(ex))
	for i, e := range ex {
		t[i], l[i] = e.Text, e.Label
	}
	return t, l
}

func modelName(name string) string {
	if name == "" {
		return "examples/finetune/model (shipped)"
	}
	return name
}
