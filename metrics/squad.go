package metrics

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SQuADNormalize normalizes an answer as the official SQuAD evaluation
// scripts (v1.1 and v2.0) do: lowercase, remove ASCII punctuation, remove
// the articles a, an and the as whole words, and collapse whitespace.
// Invalid UTF-8 becomes U+FFFD first.
func SQuADNormalize(s string) string {
	s = pyLower(strings.ToValidUTF8(s, "\uFFFD"))
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if !isASCIIPunct(s[i]) {
			b.WriteByte(s[i])
		}
	}
	s = removeArticles(b.String())
	return strings.Join(pySplit(s, nil), " ")
}

// removeArticles replaces every whole word a, an or the with a space, as
// re.sub(r'\b(a|an|the)\b', ' ', text) does with Python's Unicode \w.
func removeArticles(s string) string {
	var b strings.Builder
	prevWord := false
	for i := 0; i < len(s); {
		if !prevWord {
			if n := articleAt(s, i); n > 0 {
				b.WriteByte(' ')
				i += n
				prevWord = true // the article ended with a letter
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		b.WriteString(s[i : i+size])
		prevWord = isPyWord(r) && !(r == utf8.RuneError && size == 1)
		i += size
	}
	return b.String()
}

// articleAt returns the length of an article starting at s[i] and followed
// by a word boundary, or 0.
func articleAt(s string, i int) int {
	for _, a := range [...]string{"a", "an", "the"} {
		if strings.HasPrefix(s[i:], a) {
			j := i + len(a)
			if j == len(s) {
				return len(a)
			}
			r, size := utf8.DecodeRuneInString(s[j:])
			if !isPyWord(r) || r == utf8.RuneError && size == 1 {
				return len(a)
			}
		}
	}
	return 0
}

// isPyWord is Python's \w for str patterns: letters, numbers and '_'.
func isPyWord(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// squadTokens returns the normalized tokens of s.
func squadTokens(s string) []string {
	return pySplit(SQuADNormalize(s), nil)
}

// SQuADExactMatch returns 1 when the normalized prediction equals one of
// the normalized gold answers, else 0.
func SQuADExactMatch(prediction string, golds []string) float64 {
	p := SQuADNormalize(prediction)
	for _, g := range golds {
		if SQuADNormalize(g) == p {
			return 1
		}
	}
	return 0
}

// SQuADF1 returns the best token-level F1 of the prediction over the gold
// answers, as the v1.1 script computes it (0 when no token is shared, also
// when both sides are empty).
func SQuADF1(prediction string, golds []string) float64 {
	best := 0.0
	pt := squadTokens(prediction)
	for _, g := range golds {
		best = max(best, tokenF1(pt, squadTokens(g), false))
	}
	return best
}

// SQuADv2F1 is SQuADF1 with the v2.0 script's rule for unanswerable
// questions: when the prediction or the gold answer has no token, F1 is 1
// if both have none and 0 otherwise. Pass []string{""} as golds for a
// question without an answer.
func SQuADv2F1(prediction string, golds []string) float64 {
	best := 0.0
	pt := squadTokens(prediction)
	for _, g := range golds {
		best = max(best, tokenF1(pt, squadTokens(g), true))
	}
	return best
}

func tokenF1(pred, gold []string, v2 bool) float64 {
	if v2 && (len(pred) == 0 || len(gold) == 0) {
		if len(pred) == len(gold) {
			return 1
		}
		return 0
	}
	counts := make(map[string]int, len(gold))
	for _, g := range gold {
		counts[g]++
	}
	same := 0
	for _, p := range pred {
		if counts[p] > 0 {
			counts[p]--
			same++
		}
	}
	if same == 0 {
		return 0
	}
	precision := 1.0 * float64(same) / float64(len(pred))
	recall := 1.0 * float64(same) / float64(len(gold))
	return (2 * precision * recall) / (precision + recall)
}

// SQuADScore holds corpus exact match and F1, in percent.
type SQuADScore struct {
	ExactMatch, F1 float64
}

// SQuAD scores predictions against their gold answers as the v1.1 script's
// evaluate does: the mean over questions of the best exact match and F1,
// times 100. golds[i] are the gold answers of predictions[i].
func SQuAD(predictions []string, golds [][]string) (SQuADScore, error) {
	return squadCorpus(predictions, golds, false)
}

// SQuADv2 is SQuAD with the v2.0 script's rules: gold answers that
// normalize to nothing are dropped, a question left without gold answers
// expects the empty answer, and F1 follows [SQuADv2F1].
func SQuADv2(predictions []string, golds [][]string) (SQuADScore, error) {
	return squadCorpus(predictions, golds, true)
}

func squadCorpus(predictions []string, golds [][]string, v2 bool) (SQuADScore, error) {
	if len(predictions) != len(golds) {
		return SQuADScore{}, fmt.Errorf("%w: %d predictions but %d gold answer sets", ErrLengthMismatch, len(predictions), len(golds))
	}
	if len(predictions) == 0 {
		return SQuADScore{}, fmt.Errorf("%w: no questions to score", ErrEmpty)
	}
	var em, f1 float64
	for i, p := range predictions {
		g := golds[i]
		if v2 {
			var kept []string
			for _, a := range g {
				if SQuADNormalize(a) != "" {
					kept = append(kept, a)
				}
			}
			if len(kept) == 0 {
				kept = []string{""}
			}
			g = kept
			em += SQuADExactMatch(p, g)
			f1 += SQuADv2F1(p, g)
			continue
		}
		if len(g) == 0 {
			return SQuADScore{}, fmt.Errorf("%w: question %d has no gold answer", ErrNoReference, i+1)
		}
		em += SQuADExactMatch(p, g)
		f1 += SQuADF1(p, g)
	}
	n := float64(len(predictions))
	return SQuADScore{ExactMatch: 100.0 * em / n, F1: 100.0 * f1 / n}, nil
}
