package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/goformer/goformer/models/bert"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/serve"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tokenize"
)

func init() {
	register(command{
		name:    "embed-text",
		summary: "sentence embeddings with a BERT model (a directory or org/name)",
		run:     runEmbedText,
	})
}

const embedTextHelp = `usage: goformer embed-text -model DIR|org/name [flags] [text ...]

Embeds each text (the arguments, or one text per line of stdin) with a BERT
model: a Hugging Face directory or a repository name found in (or
downloaded into) the local Hugging Face cache. Sentence-transformers models
(all-MiniLM-L6-v2, ...) pool and normalize as their 1_Pooling and
modules.json say unless the flags do; other models mean-pool.

Output formats: jsonl, one {"text": ..., "embedding": [...]} a line; tsv,
the text then the values, tab-separated; sim, the matrix of cosine
similarities between the texts.

flags:
`

func runEmbedText(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("embed-text", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, embedTextHelp); fs.PrintDefaults() }
	model := fs.String("model", "", "model directory or hub repository org/name (required)")
	pooling := fs.String("pooling", "", "mean, cls or pooled (default: the model's pooling config, else mean)")
	normalize := fs.Bool("normalize", false, "scale embeddings to unit length (default: as the model's modules.json says)")
	format := fs.String("format", "jsonl", "jsonl, tsv or sim")
	batch := fs.Int("batch", 32, "texts per forward pass")
	maxLen := fs.Int("max-len", 0, "truncate texts to this many tokens (0: the model's limit)")
	offline := fs.Bool("offline", false, "never download; use the local cache only")
	revision := fs.String("revision", "", "hub revision: branch, tag or commit (default main)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *model == "" {
		return badUsage(errors.New("-model is required"), fs.Usage)
	}
	switch *format {
	case "jsonl", "tsv", "sim":
	default:
		return badUsage(fmt.Errorf("-format %q: want jsonl, tsv or sim", *format), fs.Usage)
	}
	if *batch <= 0 || *maxLen < 0 {
		return badUsage(errors.New("-batch must be positive and -max-len not negative"), fs.Usage)
	}
	var pool bert.Pooling
	if *pooling != "" {
		p, err := bert.ParsePooling(*pooling)
		if err != nil {
			return badUsage(err, fs.Usage)
		}
		pool = p
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	texts := fs.Args()
	if len(texts) == 0 {
		sc := bufio.NewScanner(stdin)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			texts = append(texts, sc.Text())
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("read stdin: %w", err)
		}
	}
	if len(texts) == 0 {
		return badUsage(errors.New("no texts: give them as arguments or on stdin"), fs.Usage)
	}

	// serve.LoadEmbedder reads what a sentence-transformers model says of
	// its pooling, normalization and longest input.
	e, err := serve.LoadEmbedder(*model, hub.Options{Offline: *offline, Revision: *revision})
	if err != nil {
		return err
	}
	opts := bert.EmbedOptions{Pooling: e.Pooling, Normalize: e.Normalize}
	if set["pooling"] {
		opts.Pooling = pool
	}
	if set["normalize"] {
		opts.Normalize = *normalize
	}
	limit := e.MaxLen
	if *maxLen > 0 {
		limit = min(limit, *maxLen)
	}
	embs, err := embedTexts(e.Model, e.Tokenizer, texts, opts, limit, *batch)
	if err != nil {
		return err
	}
	return writeEmbeddings(stdout, *format, texts, embs)
}

// embedTexts runs the texts through m in batches, each padded to its
// longest text, and returns one embedding per text.
func embedTexts(m *bert.Model, tok *tokenize.Tokenizer, texts []string, o bert.EmbedOptions, maxLen, batch int) ([][]float32, error) {
	tok.Padding = nil // padded here, to each batch's longest text
	if maxLen > 0 {
		tok.Truncation = &tokenize.Truncation{MaxLength: maxLen}
	}
	var out [][]float32
	for lo := 0; lo < len(texts); lo += batch {
		hi := min(lo+batch, len(texts))
		encs, err := tok.EncodeBatch(texts[lo:hi])
		if err != nil {
			return nil, err
		}
		n := 0
		for _, e := range encs {
			n = max(n, e.Len())
		}
		if n == 0 {
			n = 1
		}
		b := len(encs)
		ids, types, mask := make([]int32, b*n), make([]int32, b*n), make([]int32, b*n)
		for i, e := range encs {
			for j := range e.Len() {
				ids[i*n+j], types[i*n+j], mask[i*n+j] = int32(e.IDs[j]), int32(e.TypeIDs[j]), int32(e.AttentionMask[j])
			}
			if e.Len() == 0 {
				mask[i*n] = 1 // an empty text: one padding token, so that the mean is defined
			}
		}
		e := m.Embed(bert.Input{
			IDs: tensor.FromSlice(ids, b, n), TypeIDs: tensor.FromSlice(types, b, n), Mask: tensor.FromSlice(mask, b, n),
		}, o)
		v := e.Float32s()
		d := e.Dim(1)
		for i := range b {
			out = append(out, v[i*d:(i+1)*d])
		}
	}
	return out, nil
}

func writeEmbeddings(w io.Writer, format string, texts []string, embs [][]float32) error {
	bw := bufio.NewWriter(w)
	switch format {
	case "jsonl":
		enc := json.NewEncoder(bw)
		for i, e := range embs {
			if err := enc.Encode(struct {
				Text      string    `json:"text"`
				Embedding []float32 `json:"embedding"`
			}{texts[i], e}); err != nil {
				return err
			}
		}
	case "tsv":
		for i, e := range embs {
			bw.WriteString(strings.NewReplacer("\t", " ", "\n", " ").Replace(texts[i]))
			for _, x := range e {
				bw.WriteByte('\t')
				bw.WriteString(strconv.FormatFloat(float64(x), 'g', -1, 32))
			}
			bw.WriteByte('\n')
		}
	case "sim":
		for i := range embs {
			for j := range embs {
				if j > 0 {
					bw.WriteByte('\t')
				}
				fmt.Fprintf(bw, "%.4f", cosine(embs[i], embs[j]))
			}
			bw.WriteByte('\n')
		}
	}
	return bw.Flush()
}

func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}
