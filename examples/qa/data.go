package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/goformer/goformer/examples/chat/quiz"
)

// An example is a question about a short passage whose answer is a span of
// the passage.
type example struct {
	Question, Context string
	// Start and End delimit the answer in Context (bytes, End exclusive).
	Start, End int
	// Golds are the accepted answers: the span's text, and the other
	// forms the quiz database accepts for it.
	Golds []string
}

// Answer returns the answer's text.
func (e example) Answer() string { return e.Context[e.Start:e.End] }

// statement is a way to state a fact in a passage: %[1]s is the subject,
// %[2]s the object.
type statement string

// ask is a way to ask about a fact: the question (with %s for the
// subject, or for the object when reverse), and whether the answer is the
// subject (a reverse question) instead of the object.
type ask struct {
	question string
	reverse  bool
}

// phrasings are the statements and questions of each relation. A passage
// states facts in other words than its question asks them, so that an
// answer is found by matching the subject, not by copying the question.
var phrasings = map[*quiz.Relation]struct {
	statements []statement
	questions  []ask
}{
	quiz.Capital: {
		[]statement{"%[2]s is the capital of %[1]s.", "The capital city of %[1]s is %[2]s.", "%[1]s is governed from its capital, %[2]s."},
		[]ask{{"What is the capital of %s?", false}, {"Which city is the capital of %s?", false}, {"%s is the capital of which country or state?", true}},
	},
	quiz.Abbrev: {
		[]statement{"%[1]s is abbreviated %[2]s.", "The postal code of %[1]s is %[2]s."},
		[]ask{{"What is the postal abbreviation of %s?", false}, {"How is %s abbreviated?", false}},
	},
	quiz.Flower: {
		[]statement{"The state flower of %[1]s is the %[2]s.", "%[1]s chose the %[2]s as its state flower."},
		[]ask{{"What is the state flower of %s?", false}, {"Which flower did %s choose?", false}},
	},
	quiz.Symbol: {
		[]statement{"%[1]s has the chemical symbol %[2]s.", "The symbol %[2]s stands for %[1]s."},
		[]ask{{"What is the symbol of %s?", false}, {"Which element has the symbol %s?", true}},
	},
	quiz.Number: {
		[]statement{"%[1]s has atomic number %[2]s.", "The atomic number of %[1]s is %[2]s."},
		[]ask{{"What is the atomic number of %s?", false}, {"Which element has atomic number %s?", true}},
	},
	quiz.Collective: {
		[]statement{"A group of %[1]s is called a %[2]s.", "We saw a %[2]s of %[1]s."},
		[]ask{{"What is a group of %s called?", false}, {"What do you call many %s together?", false}},
	},
	quiz.Baby: {
		[]statement{"A young %[1]s is called a %[2]s.", "The %[2]s is the young of the %[1]s."},
		[]ask{{"What is a baby %s called?", false}, {"What do we call the young of the %s?", false}},
	},
	quiz.Female: {
		[]statement{"The feminine of %[1]s is %[2]s.", "%[2]s is the female counterpart of %[1]s."},
		[]ask{{"What is the feminine of %s?", false}, {"What is the female form of %s?", false}},
	},
}

// makeExamples builds n examples from facts with seed: each asks about one
// fact (a question phrasing drawn at random) in a passage of facts
// sentences — that fact and facts-1 others, at least one of the same
// relation when there is one, each stated in a phrasing drawn at random,
// in a random order. A passage in which the answer's text or the
// question's key occurs twice, or that keep (when not nil) rejects, is
// drawn again.
//
// With counterfactual set, each passage pairs its subjects with objects
// drawn from other facts of the same relation ("The capital of Peru is
// Oslo."), so that the answer can only be read from the passage, never
// remembered from other examples.
func makeExamples(facts []quiz.Fact, n, per int, seed uint64, counterfactual bool, keep func(example) bool) ([]example, error) {
	if len(facts) < per {
		return nil, fmt.Errorf("%d facts, fewer than the %d of a passage", len(facts), per)
	}
	rng := rand.New(rand.NewPCG(seed, 0x9a))
	byRel := map[*quiz.Relation][]int{}
	for i, f := range facts {
		if _, ok := phrasings[f.Rel]; !ok {
			return nil, fmt.Errorf("no phrasing for the relation %q", f.Rel.Name)
		}
		byRel[f.Rel] = append(byRel[f.Rel], i)
	}
	var out []example
	for tries := 0; len(out) < n; tries++ {
		if tries > 20*n {
			return nil, fmt.Errorf("could not build %d unambiguous examples that fit from %d facts", n, len(facts))
		}
		target := rng.IntN(len(facts))
		chosen := []int{target}
		if peers := byRel[facts[target].Rel]; len(peers) > 1 {
			for {
				p := peers[rng.IntN(len(peers))]
				if p != target {
					chosen = append(chosen, p)
					break
				}
			}
		}
		for len(chosen) < per {
			if p := rng.IntN(len(facts)); !slices.Contains(chosen, p) {
				chosen = append(chosen, p)
			}
		}
		rng.Shuffle(len(chosen), func(i, j int) { chosen[i], chosen[j] = chosen[j], chosen[i] })
		// The facts as the passage states them.
		stated := make(map[int]quiz.Fact, len(chosen))
		for _, i := range chosen {
			g := facts[i]
			if counterfactual {
				peers := byRel[g.Rel]
				o := facts[peers[rng.IntN(len(peers))]]
				g.Object, g.Golds = o.Object, []string{o.Object}
			}
			stated[i] = g
		}

		f := stated[target]
		ph := phrasings[f.Rel]
		q := ph.questions[rng.IntN(len(ph.questions))]
		answer, asked := f.Object, f.Subject
		golds := slices.Clone(f.Golds)
		if q.reverse {
			answer, asked, golds = f.Subject, f.Object, []string{f.Subject}
		}
		var sb strings.Builder
		start := -1
		for k, i := range chosen {
			g := stated[i]
			st := phrasings[g.Rel].statements[rng.IntN(len(phrasings[g.Rel].statements))]
			if k > 0 {
				sb.WriteByte(' ')
			}
			sentence := fmt.Sprintf(string(st), g.Subject, g.Object)
			if i == target {
				// The answer's place in its sentence.
				at := strings.Index(fmt.Sprintf(string(st), mark(f.Subject, q.reverse), mark(f.Object, !q.reverse)), "\x00")
				start = sb.Len() + at
			}
			sb.WriteString(upperFirst(sentence))
		}
		ctx := sb.String()
		if strings.Count(strings.ToLower(ctx), strings.ToLower(answer)) != 1 || strings.Count(strings.ToLower(ctx), strings.ToLower(asked)) != 1 {
			continue // ambiguous: the answer or the question's key occurs twice
		}
		if !strings.EqualFold(ctx[start:start+len(answer)], answer) {
			return nil, fmt.Errorf("internal error: the answer %q is not at %d of %q", answer, start, ctx)
		}
		ex := example{Question: fmt.Sprintf(q.question, asked), Context: ctx, Start: start, End: start + len(answer)}
		ex.Golds = append([]string{ex.Answer()}, golds...)
		if keep != nil && !keep(ex) {
			continue
		}
		out = append(out, ex)
	}
	return out, nil
}

// mark returns s, or when answer a marker of the answer's place followed
// by s's length in filler, so that the marker's position is the answer's.
func mark(s string, answer bool) string {
	if !answer {
		return s
	}
	return "\x00" + strings.Repeat("\x01", len(s)-1)
}

// upperFirst capitalises a sentence's first letter.
func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
