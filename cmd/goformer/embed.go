package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/goformer/goformer/embed/corpus"
	"github.com/goformer/goformer/embed/fasttext"
	"github.com/goformer/goformer/embed/glove"
	"github.com/goformer/goformer/embed/sotu"
	"github.com/goformer/goformer/embed/word2vec"
	"github.com/goformer/goformer/embed/wordvec"
)

func init() {
	register(command{
		name:    "embed",
		summary: "word embeddings: train word2vec/fastText/GloVe, neighbors, analogy, eval",
		usage:   embedUsage,
		subs: []subcommand{
			{name: "train", run: embedTrain},
			{name: "neighbors", aliases: []string{"neighbours"}, run: embedNeighbors},
			{name: "analogy", run: embedAnalogy},
			{name: "eval", run: embedEval},
		},
	})
}

const embedUsage = `usage: goformer embed <subcommand> [flags]

subcommands:
  train      train word2vec, fastText or GloVe vectors on a text file
  neighbors  nearest words by cosine (words as arguments or one per line on stdin)
  analogy    a is to b as c is to ?
  eval       analogy accuracy and similarity correlation

Vectors files: text (.vec/.txt, word2vec/fastText/GloVe forms), word2vec
binary (.bin), or a fastText .bin model (told by its magic number; unknown
words then get vectors from their character n-grams).
Run 'goformer embed <subcommand> -h' for its flags.
`

func embedTrain(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("embed train", stderr)
	method := fs.String("method", "word2vec", "word2vec, fasttext or glove")
	arch := fs.String("arch", "skipgram", "skipgram or cbow (word2vec, fasttext)")
	loss := fs.String("loss", "ns", "ns (negative sampling) or hs (hierarchical softmax; word2vec)")
	input := fs.String("input", "", "training text: whitespace-separated words, one sentence a line (required)")
	output := fs.String("output", "", "vectors file to write: .vec/.txt text or .bin (required); for fasttext .bin writes a fastText model")
	dim := fs.Int("dim", 100, "vector length")
	window := fs.Int("window", 5, "context window (glove: 15 unless given)")
	neg := fs.Int("neg", 5, "negative samples (word2vec, fasttext)")
	epochs := fs.Int("epochs", 5, "passes over the data (glove: 15 unless given)")
	minCount := fs.Int64("min-count", 5, "drop words seen fewer times")
	maxVocab := fs.Int("max-vocab", 0, "keep only the most frequent words (0: all)")
	sample := fs.Float64("sample", 1e-3, "sub-sampling threshold, 0 for none (fasttext: 1e-4 unless given)")
	lr := fs.Float64("lr", 0.025, "starting learning rate (cbow, fasttext and glove: 0.05 unless given)")
	minn := fs.Int("minn", 3, "shortest character n-gram (fasttext)")
	maxn := fs.Int("maxn", 6, "longest character n-gram, 0 for none (fasttext)")
	bucket := fs.Int("bucket", 2_000_000, "n-gram buckets (fasttext)")
	xmax := fs.Float64("x-max", 100, "weighting cutoff (glove)")
	memory := fs.Int64("memory-mb", 256, "memory bound for co-occurrence counting in MiB (glove)")
	threads := fs.Int("threads", 0, "training threads (0: all cores)")
	seed := fs.Uint64("seed", 1, "random seed")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected arguments %q", fs.Args())
	}
	if *input == "" || *output == "" {
		return badUsage(errors.New("-input and -output are required"), fs.Usage)
	}
	// A flag given on the command line is passed on as it is, for the
	// library to accept or reject; one left out keeps the method's default.
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	setInt := func(dst *int, name string, v int) {
		if given[name] {
			*dst = v
		}
	}
	setFloat := func(dst *float64, name string, v float64) {
		if given[name] {
			*dst = v
		}
	}
	if *memory < 0 || *memory > 1<<40 {
		return usageErrorf("-memory-mb %d is outside 0..2^40", *memory)
	}
	// Progress goes to stderr: a bar with the rate and the time left on a
	// terminal, plain lines elsewhere, ending at 100 %.
	var progress io.Writer = stderr
	if *quiet {
		progress = nil
	}
	// common passes on the flags that every method takes.
	type fields struct {
		dim, window, epochs, maxVocab, threads *int
		lr                                     *float64
		minCount                               *int64
		seed                                   *uint64
		progress                               *io.Writer
	}
	common := func(f fields) {
		setInt(f.dim, "dim", *dim)
		setInt(f.window, "window", *window)
		setInt(f.epochs, "epochs", *epochs)
		setInt(f.maxVocab, "max-vocab", *maxVocab)
		setInt(f.threads, "threads", *threads)
		setFloat(f.lr, "lr", *lr)
		*f.minCount, *f.seed, *f.progress = *minCount, *seed, progress
	}
	for name, methods := range map[string]string{
		"arch": "word2vec fasttext", "loss": "word2vec fasttext", "neg": "word2vec fasttext", "sample": "word2vec fasttext",
		"minn": "fasttext", "maxn": "fasttext", "bucket": "fasttext", "x-max": "glove", "memory-mb": "glove",
	} {
		if given[name] && !slices.Contains(strings.Fields(methods), *method) {
			return usageErrorf("-%s does not apply to -method %s", name, *method)
		}
	}
	// train runs the chosen method on the text once its options are valid.
	var train func(ctx context.Context, text *corpus.Text) (*wordvec.Table, error)
	var valid error
	switch *method {
	case "word2vec":
		opt := word2vec.DefaultOptions()
		switch *arch {
		case "skipgram":
		case "cbow":
			opt.Arch, opt.LR = word2vec.CBOW, 0.05
		default:
			return usageErrorf("unknown -arch %q (skipgram or cbow)", *arch)
		}
		switch *loss {
		case "ns":
		case "hs":
			opt.Loss = word2vec.HierarchicalSoftmax
		default:
			return usageErrorf("unknown -loss %q (ns or hs)", *loss)
		}
		common(fields{&opt.Dim, &opt.Window, &opt.Epochs, &opt.MaxVocab, &opt.Threads, &opt.LR, &opt.MinCount, &opt.Seed, &opt.ProgressWriter})
		setInt(&opt.Negative, "neg", *neg)
		setFloat(&opt.Sample, "sample", *sample)
		valid = opt.Validate()
		train = func(ctx context.Context, text *corpus.Text) (*wordvec.Table, error) {
			m, err := word2vec.Train(ctx, text, opt)
			if err != nil {
				return nil, err
			}
			if !*quiet {
				fmt.Fprintf(stderr, "%d words, %.0f words/s, loss %.4f\n", m.Vocab.Len(), float64(m.Words)/m.Elapsed.Seconds(), m.Loss)
			}
			return m.Vectors(), nil
		}
	case "fasttext":
		opt := fasttext.DefaultOptions()
		switch *arch {
		case "skipgram":
		case "cbow":
			opt.Model = fasttext.CBOW
		default:
			return usageErrorf("unknown -arch %q (skipgram or cbow)", *arch)
		}
		if *loss != "ns" {
			return usageErrorf("fasttext trains with -loss ns only")
		}
		common(fields{&opt.Dim, &opt.Window, &opt.Epochs, &opt.MaxVocab, &opt.Threads, &opt.LR, &opt.MinCount, &opt.Seed, &opt.ProgressWriter})
		setInt(&opt.Negative, "neg", *neg)
		setFloat(&opt.Sample, "sample", *sample)
		setInt(&opt.MinN, "minn", *minn)
		setInt(&opt.MaxN, "maxn", *maxn)
		setInt(&opt.Bucket, "bucket", *bucket)
		valid = opt.Validate()
		train = func(ctx context.Context, text *corpus.Text) (*wordvec.Table, error) {
			m, err := fasttext.Train(ctx, text, opt)
			if err != nil {
				return nil, err
			}
			if !*quiet {
				st := m.Stats()
				fmt.Fprintf(stderr, "%d words, %.0f words/s, loss %.4f\n", m.NWords, float64(st.Words)/st.Elapsed.Seconds(), st.Loss)
			}
			if strings.HasSuffix(*output, ".bin") {
				return nil, fasttext.Save(*output, m)
			}
			return m.Vectors(), nil
		}
	case "glove":
		opt := glove.DefaultOptions()
		common(fields{&opt.Dim, &opt.Window, &opt.Epochs, &opt.MaxVocab, &opt.Threads, &opt.LR, &opt.MinCount, &opt.Seed, &opt.ProgressWriter})
		setFloat(&opt.XMax, "x-max", *xmax)
		opt.MemoryBytes = *memory << 20
		valid = opt.Validate()
		train = func(ctx context.Context, text *corpus.Text) (*wordvec.Table, error) {
			m, err := glove.Train(ctx, text, opt)
			if err != nil {
				return nil, err
			}
			if !*quiet {
				fmt.Fprintf(stderr, "%d words, cost %.6f\n", m.Vocab.Len(), m.Cost)
			}
			return m.Vectors(), nil
		}
	default:
		return usageErrorf("unknown -method %q (word2vec, fasttext or glove)", *method)
	}
	if valid != nil {
		return badUsage(valid, nil)
	}
	text, err := corpus.Open(*input)
	if err != nil {
		return err
	}
	defer text.Close()
	table, err := train(context.Background(), text)
	if err != nil || table == nil {
		return err
	}
	return wordvec.Save(*output, table, *method == "glove" && strings.HasSuffix(*output, ".txt"))
}

// vectors is a loaded vectors file; ft is set for a fastText model, whose
// unknown words still get vectors.
type vectors struct {
	table *wordvec.Table
	ft    *fasttext.Model
}

func loadVectors(path string) (vectors, error) {
	f, err := os.Open(path)
	if err != nil {
		return vectors{}, err
	}
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	f.Close()
	if fasttext.IsModel(head[:n]) {
		m, err := fasttext.Load(path)
		if err != nil {
			return vectors{}, err
		}
		return vectors{table: m.Vectors(), ft: m}, nil
	}
	t, err := wordvec.Load(path)
	if err != nil {
		return vectors{}, err
	}
	return vectors{table: t}, nil
}

// vector returns a unit query vector for word and the row to leave out.
func (v vectors) vector(word string) ([]float32, int, error) {
	if i, ok := v.table.Index(word); ok {
		return v.table.Row(i), i, nil
	}
	if v.ft != nil {
		if vec := v.ft.WordVector(word); wordvec.Cosine(vec, vec) != 0 {
			return vec, -1, nil
		}
	}
	return nil, -1, fmt.Errorf("%w: %q", wordvec.ErrUnknownWord, word)
}

func embedNeighbors(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("embed neighbors", stderr)
	path := fs.String("vectors", "", "vectors file (required)")
	k := fs.Int("k", 10, "how many neighbours")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *path == "" {
		return badUsage(errors.New("-vectors is required"), fs.Usage)
	}
	v, err := loadVectors(*path)
	if err != nil {
		return err
	}
	words := fs.Args()
	if len(words) == 0 {
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			if w := strings.TrimSpace(sc.Text()); w != "" {
				words = append(words, w)
			}
		}
		if err := sc.Err(); err != nil {
			return err
		}
	}
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	for _, word := range words {
		q, self, err := v.vector(word)
		if err != nil {
			fmt.Fprintf(w, "%s\t(unknown word)\n", word)
			continue
		}
		var ex []int
		if self >= 0 {
			ex = []int{self}
		}
		fmt.Fprintf(w, "%s\n", word)
		for _, n := range v.table.NearestTo(q, *k, ex...) {
			fmt.Fprintf(w, "\t%-20s %.4f\n", n.Word, n.Score)
		}
	}
	return nil
}

func embedAnalogy(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("embed analogy", stderr)
	path := fs.String("vectors", "", "vectors file (required)")
	k := fs.Int("k", 5, "how many answers")
	method := fs.String("method", "add", "add (3CosAdd) or mul (3CosMul)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *path == "" || fs.NArg() != 3 {
		return badUsage(errors.New("want -vectors and three words: a b c (a is to b as c is to ?)"), fs.Usage)
	}
	m, err := parseMethod(*method)
	if err != nil {
		return err
	}
	v, err := loadVectors(*path)
	if err != nil {
		return err
	}
	a := fs.Args()
	ns, err := v.table.Analogy(a[0], a[1], a[2], *k, m)
	if err != nil {
		return err
	}
	for _, n := range ns {
		fmt.Fprintf(stdout, "%-20s %.4f\n", n.Word, n.Score)
	}
	return nil
}

func parseMethod(s string) (wordvec.Method, error) {
	switch s {
	case "add", "3cosadd":
		return wordvec.CosAdd, nil
	case "mul", "3cosmul":
		return wordvec.CosMul, nil
	}
	return 0, usageErrorf("unknown -method %q (add or mul)", s)
}

func embedEval(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("embed eval", stderr)
	path := fs.String("vectors", "", "vectors file (required)")
	analogies := fs.String("analogies", "", "questions-words.txt-style file (default: the built-in State of the Union questions)")
	similarity := fs.String("similarity", "", "word-similarity file: word1 word2 rating (default: the built-in ratings)")
	restrict := fs.Int("restrict", 0, "answer only among the first N words (0: all)")
	method := fs.String("method", "add", "analogy method: add (3CosAdd) or mul (3CosMul)")
	sections := fs.Bool("sections", false, "print each analogy section")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *path == "" {
		return badUsage(errors.New("-vectors is required"), fs.Usage)
	}
	m, err := parseMethod(*method)
	if err != nil {
		return err
	}
	v, err := loadVectors(*path)
	if err != nil {
		return err
	}
	opt := wordvec.EvalOptions{Restrict: *restrict, Method: m}
	open := func(name, builtin string) (io.Reader, func(), error) {
		if name == "" {
			return strings.NewReader(builtin), func() {}, nil
		}
		f, err := os.Open(name)
		if err != nil {
			return nil, nil, err
		}
		return f, func() { f.Close() }, nil
	}
	r, done, err := open(*analogies, sotu.Analogies)
	if err != nil {
		return err
	}
	ar, err := wordvec.EvalAnalogies(v.table, r, opt)
	done()
	if err != nil {
		return err
	}
	if *sections {
		for _, s := range ar.Sections {
			acc := 0.0
			if s.Total > 0 {
				acc = float64(s.Correct) / float64(s.Total)
			}
			fmt.Fprintf(stdout, "  %-28s %6.2f%%  (%d/%d, %d skipped)\n", s.Name, 100*acc, s.Correct, s.Total, s.Skipped)
		}
	}
	fmt.Fprintf(stdout, "analogy accuracy   %.2f%%  (%d/%d, %d skipped, %v)\n", 100*ar.Accuracy(), ar.Correct, ar.Total, ar.Skipped, m)
	r, done, err = open(*similarity, sotu.Similarity)
	if err != nil {
		return err
	}
	sr, err := wordvec.EvalSimilarity(v.table, r, opt)
	done()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "similarity Spearman %.4f  Pearson %.4f  (%d pairs, %d skipped)\n", sr.Spearman, sr.Pearson, sr.Pairs, sr.Skipped)
	return nil
}
