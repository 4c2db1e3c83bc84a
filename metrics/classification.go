package metrics

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Average selects how per-class precision, recall and F are combined, as
// scikit-learn's average parameter does.
type Average int

// The averages of scikit-learn's precision_recall_fscore_support.
const (
	// Micro counts true positives, predictions and supports over all
	// classes; for single-label data it equals accuracy.
	Micro Average = iota
	// Macro is the unweighted mean over classes.
	Macro
	// Weighted is the mean over classes weighted by support.
	Weighted
)

// String returns the scikit-learn name of the average.
func (a Average) String() string {
	switch a {
	case Micro:
		return "micro"
	case Macro:
		return "macro"
	case Weighted:
		return "weighted"
	}
	return "Average(" + strconv.Itoa(int(a)) + ")"
}

// ClassScore is the precision, recall, F-beta and support of one class.
type ClassScore struct {
	Label int
	PRF
	Support int64
}

// ConfusionMatrix counts (true label, predicted label) pairs over the
// sorted union of the labels seen. It is the streaming accumulator of the
// classification metrics: Add batches from several goroutines and read any
// metric at any time. Scores follow scikit-learn 1.2 with zero_division=0,
// to the last bit. The zero value is an empty matrix ready to use.
type ConfusionMatrix struct {
	mu     sync.Mutex
	labels []int
	index  map[int]int
	counts [][]int64 // rows true, columns predicted
}

// NewConfusionMatrix counts the pairs of yTrue and yPred, which must have
// the same length.
func NewConfusionMatrix(yTrue, yPred []int) *ConfusionMatrix {
	c := &ConfusionMatrix{}
	c.Add(yTrue, yPred)
	return c
}

// Add counts more pairs. It panics if the slices differ in length.
func (c *ConfusionMatrix) Add(yTrue, yPred []int) {
	if len(yTrue) != len(yPred) {
		panic(fmt.Sprintf("metrics: ConfusionMatrix.Add: %d true labels but %d predictions", len(yTrue), len(yPred)))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, t := range yTrue {
		c.indexOf(t)
		pi := c.indexOf(yPred[i])
		c.counts[c.index[t]][pi]++ // inserting the predicted label may move t
	}
}

// indexOf returns the row of label l, inserting it in sorted order.
func (c *ConfusionMatrix) indexOf(l int) int {
	if i, ok := c.index[l]; ok {
		return i
	}
	if c.index == nil {
		c.index = map[int]int{}
	}
	pos, _ := slices.BinarySearch(c.labels, l)
	c.labels = slices.Insert(c.labels, pos, l)
	for i := range c.counts {
		c.counts[i] = slices.Insert(c.counts[i], pos, 0)
	}
	c.counts = slices.Insert(c.counts, pos, make([]int64, len(c.labels)))
	for i, lab := range c.labels {
		c.index[lab] = i
	}
	return pos
}

// Labels returns the sorted labels seen so far.
func (c *ConfusionMatrix) Labels() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.labels)
}

// Counts returns a copy of the matrix: rows are true labels and columns
// predicted labels, both in the order of Labels.
func (c *ConfusionMatrix) Counts() [][]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([][]int64, len(c.counts))
	for i, r := range c.counts {
		out[i] = slices.Clone(r)
	}
	return out
}

// Total returns the number of pairs counted.
func (c *ConfusionMatrix) Total() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total()
}

func (c *ConfusionMatrix) total() int64 {
	var n int64
	for _, r := range c.counts {
		for _, v := range r {
			n += v
		}
	}
	return n
}

// Correct returns the number of correct predictions (accuracy_score with
// normalize=False).
func (c *ConfusionMatrix) Correct() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n int64
	for i := range c.counts {
		n += c.counts[i][i]
	}
	return n
}

// Accuracy returns the fraction of correct predictions; NaN when nothing
// was counted (scikit-learn warns and returns NaN too).
func (c *ConfusionMatrix) Accuracy() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ok int64
	for i := range c.counts {
		ok += c.counts[i][i]
	}
	return float64(ok) / float64(c.total())
}

// sums returns per-class true positives, predictions and supports.
func (c *ConfusionMatrix) sums() (tp, pred, true_ []int64) {
	k := len(c.labels)
	tp, pred, true_ = make([]int64, k), make([]int64, k), make([]int64, k)
	for i, r := range c.counts {
		tp[i] = r[i]
		for j, v := range r {
			true_[i] += v
			pred[j] += v
		}
	}
	return tp, pred, true_
}

// prfFrom is scikit-learn's division step: precision and recall are 0 when
// their denominator is 0, and F-beta is 0 when both are.
func prfFrom(tp, pred, true_ int64, beta float64) PRF {
	var p, r float64
	if pred != 0 {
		p = float64(tp) / float64(pred)
	}
	if true_ != 0 {
		r = float64(tp) / float64(true_)
	}
	return PRF{p, r, fbeta(p, r, beta)}
}

func fbeta(p, r, beta float64) float64 {
	if math.IsInf(beta, 1) {
		return r
	}
	b2 := beta * beta
	denom := b2*p + r
	if denom == 0 {
		denom = 1
	}
	return (1 + b2) * p * r / denom
}

// PerClass returns precision, recall, F-beta and support for each label,
// as precision_recall_fscore_support(average=None, beta=beta) does.
func (c *ConfusionMatrix) PerClass(beta float64) []ClassScore {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.perClass(beta)
}

func (c *ConfusionMatrix) perClass(beta float64) []ClassScore {
	tp, pred, tr := c.sums()
	out := make([]ClassScore, len(c.labels))
	for i, l := range c.labels {
		out[i] = ClassScore{Label: l, PRF: prfFrom(tp[i], pred[i], tr[i], beta), Support: tr[i]}
	}
	return out
}

// Averaged returns precision, recall and F-beta averaged over all labels.
func (c *ConfusionMatrix) Averaged(avg Average, beta float64) PRF {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.averaged(avg, beta)
}

func (c *ConfusionMatrix) averaged(avg Average, beta float64) PRF {
	switch avg {
	case Micro:
		tp, pred, tr := c.sums()
		var a, b, d int64
		for i := range tp {
			a += tp[i]
			b += pred[i]
			d += tr[i]
		}
		return prfFrom(a, b, d, beta)
	case Macro, Weighted:
	default:
		panic("metrics: unknown Average " + avg.String())
	}
	pc := c.perClass(beta)
	k := len(pc)
	ps, rs, fs := make([]float64, k), make([]float64, k), make([]float64, k)
	for i, s := range pc {
		ps[i], rs[i], fs[i] = s.Precision, s.Recall, s.F
	}
	if avg == Macro {
		n := float64(k)
		return PRF{npSum(ps) / n, npSum(rs) / n, npSum(fs) / n}
	}
	ws := make([]float64, k)
	var sup int64
	for i, s := range pc {
		ws[i] = float64(s.Support)
		sup += s.Support
	}
	if sup == 0 {
		// No samples at all: scikit-learn gives zero_division (0) for all three.
		return PRF{}
	}
	scl := npSum(ws)
	wavg := func(x []float64) float64 {
		prod := make([]float64, k)
		for i := range x {
			prod[i] = x[i] * ws[i]
		}
		return npSum(prod) / scl
	}
	return PRF{wavg(ps), wavg(rs), wavg(fs)}
}

// Binary returns precision, recall and F-beta of the positive class, as
// average='binary' does. It is an error when more than two labels were seen.
func (c *ConfusionMatrix) Binary(posLabel int, beta float64) (PRF, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.labels) > 2 {
		return PRF{}, fmt.Errorf("%w: binary average over %d labels %v", ErrBadOption, len(c.labels), c.labels)
	}
	if len(c.labels) == 2 && !slices.Contains(c.labels, posLabel) {
		return PRF{}, fmt.Errorf("%w: positive label %d is not one of %v", ErrBadOption, posLabel, c.labels)
	}
	i, ok := c.index[posLabel]
	if !ok {
		return PRF{}, nil
	}
	tp, pred, tr := c.sums()
	return prfFrom(tp[i], pred[i], tr[i], beta), nil
}

// MatthewsCorrCoef returns the multiclass Matthews correlation coefficient,
// computed as scikit-learn's matthews_corrcoef does; 0 when undefined.
func (c *ConfusionMatrix) MatthewsCorrCoef() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, pred, tr := c.sums()
	var correct, n float64
	for i := range c.counts {
		correct += float64(c.counts[i][i])
	}
	var dotTP, dotPP, dotTT float64
	for i := range pred {
		n += float64(pred[i])
		dotTP += float64(tr[i]) * float64(pred[i])
		dotPP += float64(pred[i]) * float64(pred[i])
		dotTT += float64(tr[i]) * float64(tr[i])
	}
	covYtYp := correct*n - dotTP
	covYpYp := n*n - dotPP
	covYtYt := n*n - dotTT
	if covYpYp*covYtYt == 0 {
		return 0
	}
	return covYtYp / math.Sqrt(covYtYt*covYpYp)
}

// Report formats per-class precision, recall, F1 and support, and the
// accuracy, macro and weighted averages, exactly as scikit-learn's
// classification_report prints them. names, when not nil, gives a display
// name for each label in the order of Labels.
func (c *ConfusionMatrix) Report(names []string, digits int) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if names == nil {
		for _, l := range c.labels {
			names = append(names, strconv.Itoa(l))
		}
	}
	if len(names) != len(c.labels) {
		return "", fmt.Errorf("%w: %d names for %d labels", ErrLengthMismatch, len(names), len(c.labels))
	}
	width := max(len("weighted avg"), digits)
	for _, n := range names {
		width = max(width, utf8.RuneCountInString(n))
	}
	pad := func(s string, w int) string {
		if n := utf8.RuneCountInString(s); n < w {
			return strings.Repeat(" ", w-n) + s
		}
		return s
	}
	num := func(x float64) string { return pad(strconv.FormatFloat(x, 'f', digits, 64), 9) }
	var b strings.Builder
	b.WriteString(pad("", width) + " ")
	for _, h := range []string{"precision", "recall", "f1-score", "support"} {
		b.WriteString(" " + pad(h, 9))
	}
	b.WriteString("\n\n")
	pc := c.perClass(1)
	var total, tp int64
	for i, s := range pc {
		total += s.Support
		tp += c.counts[i][i]
	}
	// scikit-learn's multilabel_confusion_matrix falls back to float zeros
	// when no prediction is right, and the supports then print as floats.
	sup := func(n int64) string {
		if tp == 0 {
			return strconv.FormatInt(n, 10) + ".0"
		}
		return strconv.FormatInt(n, 10)
	}
	row := func(name string, s PRF, support int64) {
		b.WriteString(pad(name, width) + " ")
		b.WriteString(" " + num(s.Precision) + " " + num(s.Recall) + " " + num(s.F))
		b.WriteString(" " + pad(sup(support), 9) + "\n")
	}
	for i, s := range pc {
		row(names[i], s.PRF, s.Support)
	}
	b.WriteString("\n")
	micro := c.averaged(Micro, 1)
	b.WriteString(pad("accuracy", width) + " " + " " + pad("", 9) + " " + pad("", 9))
	b.WriteString(" " + num(micro.F) + " " + pad(sup(total), 9) + "\n")
	row("macro avg", c.averaged(Macro, 1), total)
	row("weighted avg", c.averaged(Weighted, 1), total)
	return b.String(), nil
}

// Accuracy returns the fraction of predictions equal to the true label
// (accuracy_score); NaN for empty input. It panics if the lengths differ.
func Accuracy(yTrue, yPred []int) float64 {
	if len(yTrue) != len(yPred) {
		panic(fmt.Sprintf("metrics: Accuracy: %d true labels but %d predictions", len(yTrue), len(yPred)))
	}
	ok := 0
	for i := range yTrue {
		if yTrue[i] == yPred[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(yTrue))
}

// PrecisionRecallF returns averaged precision, recall and F-beta over the
// labels of yTrue and yPred (precision_recall_fscore_support).
func PrecisionRecallF(yTrue, yPred []int, avg Average, beta float64) PRF {
	return NewConfusionMatrix(yTrue, yPred).Averaged(avg, beta)
}

// F1 returns the averaged F1 score (f1_score).
func F1(yTrue, yPred []int, avg Average) float64 {
	return PrecisionRecallF(yTrue, yPred, avg, 1).F
}

// MatthewsCorrCoef returns the Matthews correlation coefficient of the
// predictions (matthews_corrcoef).
func MatthewsCorrCoef(yTrue, yPred []int) float64 {
	return NewConfusionMatrix(yTrue, yPred).MatthewsCorrCoef()
}

// TopKAccuracy returns the fraction of rows whose true class (0..C-1) is
// among the k highest scores of the row, as top_k_accuracy_score with
// labels 0..C-1 does: ties rank the higher class index first. It returns an
// error for ragged scores or a class outside 0..C-1.
func TopKAccuracy(yTrue []int, scores [][]float64, k int) (float64, error) {
	if len(yTrue) != len(scores) {
		return 0, fmt.Errorf("%w: %d labels but %d score rows", ErrLengthMismatch, len(yTrue), len(scores))
	}
	if k < 1 {
		return 0, fmt.Errorf("%w: top-k accuracy with k = %d", ErrBadOption, k)
	}
	if len(yTrue) == 0 {
		return math.NaN(), nil
	}
	nc := len(scores[0])
	hits := 0
	for i, row := range scores {
		if len(row) != nc {
			return 0, fmt.Errorf("%w: score row %d has %d classes, row 1 has %d", ErrLengthMismatch, i+1, len(row), nc)
		}
		t := yTrue[i]
		if t < 0 || t >= nc {
			return 0, fmt.Errorf("%w: label %d of row %d is outside 0..%d", ErrBadOption, t, i+1, nc-1)
		}
		// Rank of the true class: classes that sort after it in a stable
		// descending order of scores with ties broken by higher index.
		above := 0
		for j, s := range row {
			if s > row[t] || s == row[t] && j > t {
				above++
			}
		}
		if above < k {
			hits++
		}
	}
	return float64(hits) / float64(len(yTrue)), nil
}

// TopKAccuracyBinary is top_k_accuracy_score for binary labels 0/1 with
// one score per row (the positive class): with k = 1 a row is predicted
// positive when its score is above 0.5 if all scores lie in [0, 1], above 0
// otherwise; with k >= 2 every row is a hit.
func TopKAccuracyBinary(yTrue []int, scores []float64, k int) (float64, error) {
	if len(yTrue) != len(scores) {
		return 0, fmt.Errorf("%w: %d labels but %d scores", ErrLengthMismatch, len(yTrue), len(scores))
	}
	if k < 1 {
		return 0, fmt.Errorf("%w: top-k accuracy with k = %d", ErrBadOption, k)
	}
	if len(yTrue) == 0 {
		return math.NaN(), nil
	}
	if k >= 2 {
		return 1, nil
	}
	lo, hi := slices.Min(scores), slices.Max(scores)
	threshold := 0.0
	if lo >= 0 && hi <= 1 {
		threshold = 0.5
	}
	hits := 0
	for i, s := range scores {
		pred := 0
		if s > threshold {
			pred = 1
		}
		if yTrue[i] != 0 && yTrue[i] != 1 {
			return 0, fmt.Errorf("%w: binary label %d in row %d", ErrBadOption, yTrue[i], i+1)
		}
		if pred == yTrue[i] {
			hits++
		}
	}
	return float64(hits) / float64(len(yTrue)), nil
}

// npSum adds a contiguous float64 array in the order numpy's pairwise
// summation does, so that means match numpy to the bit.
func npSum(a []float64) float64 {
	n := len(a)
	if n < 8 {
		s := 0.0
		for _, x := range a {
			s += x
		}
		return s
	}
	if n <= 128 {
		var r [8]float64
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			for j := 0; j < 8; j++ {
				r[j] += a[i+j]
			}
		}
		s := (r[0] + r[1]) + (r[2] + r[3]) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			s += a[i]
		}
		return s
	}
	n2 := n / 2
	n2 -= n2 % 8
	return npSum(a[:n2]) + npSum(a[n2:])
}
