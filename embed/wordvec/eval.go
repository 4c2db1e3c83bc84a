package wordvec

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// EvalOptions control the evaluations.
type EvalOptions struct {
	// Restrict limits the vocabulary to the first Restrict words (the most
	// frequent in a trained table), as word2vec's compute-accuracy and
	// gensim do (0: the whole table).
	Restrict int
	// CaseSensitive compares words as written; by default words are
	// lower-cased, and a lower-cased word maps to the first row that
	// lower-cases to it.
	CaseSensitive bool
	// Method ranks analogy answers (default CosAdd).
	Method Method
}

// Section is the score of one ": name" section of an analogy file.
type Section struct {
	Name    string
	Correct int
	Total   int // questions asked (all four words known)
	Skipped int // questions with an unknown word
}

// AnalogyResult is the score of an analogy file.
type AnalogyResult struct {
	Sections []Section
	Correct  int
	Total    int
	Skipped  int
}

// Accuracy is Correct/Total (0 when nothing was asked).
func (r AnalogyResult) Accuracy() float64 {
	if r.Total == 0 {
		return 0
	}
	return float64(r.Correct) / float64(r.Total)
}

// evalView maps (possibly lower-cased) words to rows of the restricted table.
type evalView struct {
	t     *Table
	index map[string]int
	fold  bool
}

func newEvalView(t *Table, opt EvalOptions) evalView {
	t = t.Head(opt.Restrict)
	v := evalView{t: t, index: t.index, fold: !opt.CaseSensitive}
	if v.fold {
		v.index = make(map[string]int, t.Len())
		for i, w := range t.Words {
			lw := strings.ToLower(w)
			if _, dup := v.index[lw]; !dup {
				v.index[lw] = i
			}
		}
	}
	return v
}

func (v evalView) lookup(w string) (int, bool) {
	if v.fold {
		w = strings.ToLower(w)
	}
	i, ok := v.index[w]
	return i, ok
}

// EvalAnalogies scores the table on analogy questions in the word2vec
// questions-words.txt form: lines ": section" open a section, other lines
// hold four words "a b c d" meaning a is to b as c is to d. A question is
// right when the best word other than a, b and c is d. Questions with an
// unknown word are skipped and counted. A line that is neither gives an
// error naming it.
func EvalAnalogies(t *Table, questions io.Reader, opt EvalOptions) (AnalogyResult, error) {
	v := newEvalView(t, opt)
	var res AnalogyResult
	sc := bufio.NewScanner(questions)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	line := 0
	sec := -1
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if strings.HasPrefix(text, ":") {
			res.Sections = append(res.Sections, Section{Name: strings.TrimSpace(text[1:])})
			sec = len(res.Sections) - 1
			continue
		}
		f := strings.Fields(text)
		if len(f) != 4 {
			return res, fmt.Errorf("%w: analogy line %d: %d words, want 4", ErrFormat, line, len(f))
		}
		if sec < 0 {
			res.Sections = append(res.Sections, Section{Name: ""})
			sec = 0
		}
		var idx [4]int
		known := true
		for n, w := range f {
			i, ok := v.lookup(w)
			idx[n] = i
			known = known && ok
		}
		s := &res.Sections[sec]
		if !known {
			s.Skipped++
			res.Skipped++
			continue
		}
		s.Total++
		res.Total++
		best := v.t.analogyRows([3]int{idx[0], idx[1], idx[2]}, 1, opt.Method)
		if len(best) == 1 && best[0].Index == idx[3] {
			s.Correct++
			res.Correct++
		}
	}
	if err := sc.Err(); err != nil {
		return res, fmt.Errorf("wordvec: read analogies: %w", err)
	}
	return res, nil
}

// SimilarityResult is the agreement of a table with word-similarity ratings.
type SimilarityResult struct {
	// Spearman is the rank correlation of the cosines with the ratings.
	Spearman float64
	// Pearson is the linear correlation of the cosines with the ratings.
	Pearson float64
	// Pairs is the number of pairs scored; Skipped had an unknown word.
	Pairs, Skipped int
}

// EvalSimilarity scores the table on a word-similarity file: lines
// "word1 word2 rating" separated by tabs or spaces; lines starting with '#'
// are comments. Pairs with an unknown word are skipped and counted.
func EvalSimilarity(t *Table, ratings io.Reader, opt EvalOptions) (SimilarityResult, error) {
	v := newEvalView(t, opt)
	u := v.t.units()
	d := v.t.Dim
	var res SimilarityResult
	var human, model []float64
	sc := bufio.NewScanner(ratings)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Fields(text)
		if len(f) != 3 {
			return res, fmt.Errorf("%w: similarity line %d: %d fields, want word1 word2 rating", ErrFormat, line, len(f))
		}
		r, err := strconv.ParseFloat(f[2], 64)
		if err != nil || math.IsNaN(r) || math.IsInf(r, 0) {
			return res, fmt.Errorf("%w: similarity line %d: rating %q is not a number", ErrFormat, line, f[2])
		}
		i, ok1 := v.lookup(f[0])
		j, ok2 := v.lookup(f[1])
		if !ok1 || !ok2 {
			res.Skipped++
			continue
		}
		var dot float64
		for k := range d {
			dot += float64(u[i*d+k]) * float64(u[j*d+k])
		}
		human = append(human, r)
		model = append(model, dot)
	}
	if err := sc.Err(); err != nil {
		return res, fmt.Errorf("wordvec: read similarities: %w", err)
	}
	res.Pairs = len(human)
	res.Pearson = Pearson(human, model)
	res.Spearman = Spearman(human, model)
	return res, nil
}

// Pearson returns the linear correlation of x and y (NaN if either is
// constant or they have fewer than two values). It panics if the lengths
// differ.
func Pearson(x, y []float64) float64 {
	if len(x) != len(y) {
		panic(fmt.Sprintf("wordvec.Pearson: lengths %d and %d differ", len(x), len(y)))
	}
	n := float64(len(x))
	if len(x) < 2 {
		return math.NaN()
	}
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= n
	my /= n
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return math.NaN()
	}
	return sxy / math.Sqrt(sxx*syy)
}

// Spearman returns the rank correlation of x and y, with tied values given
// their average rank (as scipy.stats.spearmanr).
func Spearman(x, y []float64) float64 {
	return Pearson(ranks(x), ranks(y))
}

func ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case x[a] < x[b]:
			return -1
		case x[a] > x[b]:
			return 1
		}
		return 0
	})
	r := make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && x[idx[j+1]] == x[idx[i]] {
			j++
		}
		avg := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			r[idx[k]] = avg
		}
		i = j + 1
	}
	return r
}
