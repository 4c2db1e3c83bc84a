package main

import (
	"embed"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/goformer/goformer/models/generate/chat"
)

// The quiz databases of BSD quiz(6), from Debian's bsdgames package (see
// data/README.md).
//
//go:embed data/africa data/america data/asia data/europe data/state data/elements data/collectives data/babies data/sexes
var quizFS embed.FS

// relation is a kind of question, with the answer's wording.
type relation struct {
	name     string
	question string // with %s for the subject
	answer   string // with %[1]s for the subject, %[2]s for the object
}

var (
	relCapital    = &relation{"capital", "What is the capital of %s?", "The capital of %[1]s is %[2]s."}
	relAbbrev     = &relation{"abbreviation", "What is the postal abbreviation of %s?", "The abbreviation of %[1]s is %[2]s."}
	relFlower     = &relation{"state flower", "What is the state flower of %s?", "The state flower of %[1]s is the %[2]s."}
	relSymbol     = &relation{"element symbol", "What is the chemical symbol of %s?", "The symbol of %[1]s is %[2]s."}
	relNumber     = &relation{"atomic number", "What is the atomic number of %s?", "The atomic number of %[1]s is %[2]s."}
	relCollective = &relation{"collective noun", "What do you call a group of %s?", "A group of %[1]s is called a %[2]s."}
	relBaby       = &relation{"young animal", "What is a baby %s called?", "A baby %[1]s is called a %[2]s."}
	relFemale     = &relation{"feminine", "What is the feminine of %s?", "The feminine of %[1]s is %[2]s."}
)

// fact is one question with its answer: the object's canonical form, and
// every form accepted as correct.
type fact struct {
	rel             *relation
	subject, object string
	golds           []string
}

func (f fact) question() string { return fmt.Sprintf(f.rel.question, f.subject) }
func (f fact) answer() string   { return fmt.Sprintf(f.rel.answer, f.subject, f.object) }

// followUp asks the fact's question as a follow-up of a question of the
// same relation ("And Peru?"): the relation comes from the context.
func (f fact) followUp(variant int) string {
	if variant%2 == 0 {
		return "And " + f.subject + "?"
	}
	return "What about " + f.subject + "?"
}

// form reports whether reply is the relation's answer sentence for the
// fact's subject, whatever object it names.
func (f fact) form(reply string) bool {
	pre, suf, _ := strings.Cut(fmt.Sprintf(f.rel.answer, f.subject, "\x00"), "\x00")
	return strings.HasPrefix(reply, pre) && strings.HasSuffix(reply, suf) && len(reply) > len(pre)+len(suf)
}

// correct reports whether reply is the answer sentence naming one of the
// accepted objects.
func (f fact) correct(reply string) bool {
	if !f.form(reply) {
		return false
	}
	pre, suf, _ := strings.Cut(fmt.Sprintf(f.rel.answer, f.subject, "\x00"), "\x00")
	obj := strings.ToLower(reply[len(pre) : len(reply)-len(suf)])
	for _, g := range f.golds {
		if strings.ToLower(g) == obj {
			return true
		}
	}
	return false
}

// loadFacts reads the shipped quiz databases into facts, one per subject
// and relation, in a fixed order.
func loadFacts() ([]fact, error) {
	var facts []fact
	seen := map[string]int{}
	add := func(rel *relation, subject field, object field) {
		obj := object.canonical()
		if obj == "" || obj == "gok" { // "god only knows": no answer
			return
		}
		golds := object.forms(64)
		// Each alternative of the subject ("actors|soldiers") is a
		// subject of its own; abbreviations in capitals are left out.
		var subjects []string
		if rel == relCollective || rel == relBaby {
			for _, s := range subject {
				subjects = append(subjects, field{s}.canonical())
			}
		} else {
			subjects = []string{subject.canonical()}
		}
		for _, s := range subjects {
			if len(s) < 2 {
				continue
			}
			key := rel.name + "\x00" + strings.ToLower(s)
			if i, ok := seen[key]; ok {
				for _, g := range golds {
					if !slices.Contains(facts[i].golds, g) {
						facts[i].golds = append(facts[i].golds, g)
					}
				}
				continue
			}
			seen[key] = len(facts)
			facts = append(facts, fact{rel: rel, subject: s, object: obj, golds: slices.Clone(golds)})
		}
	}
	read := func(name string, fields int) ([]quizItem, error) {
		b, err := quizFS.ReadFile("data/" + name)
		if err != nil {
			return nil, err
		}
		items, err := parseQuiz(string(b))
		if err != nil {
			return nil, fmt.Errorf("quiz %s: %w", name, err)
		}
		for _, it := range items {
			if len(it) < fields {
				return nil, fmt.Errorf("quiz %s: an item with %d fields, want %d", name, len(it), fields)
			}
		}
		return items, nil
	}
	for _, name := range []string{"africa", "america", "asia", "europe"} {
		items, err := read(name, 2)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			add(relCapital, it[0], it[1])
		}
	}
	items, err := read("state", 4)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		add(relCapital, it[0], it[1])
		add(relAbbrev, it[0], it[2])
		add(relFlower, it[0], it[3])
	}
	if items, err = read("elements", 4); err != nil {
		return nil, err
	}
	for _, it := range items {
		add(relSymbol, it[3], it[0])
		add(relNumber, it[3], it[1])
	}
	if items, err = read("collectives", 2); err != nil {
		return nil, err
	}
	for _, it := range items {
		add(relCollective, it[0], it[1])
	}
	if items, err = read("babies", 2); err != nil {
		return nil, err
	}
	for _, it := range items {
		add(relBaby, it[1], it[0])
	}
	if items, err = read("sexes", 2); err != nil {
		return nil, err
	}
	for _, it := range items {
		add(relFemale, it[0], it[1])
	}
	return facts, nil
}

// splitFacts holds out a fraction of each relation's facts (at least one),
// chosen with seed, and returns the training and held-out facts.
func splitFacts(facts []fact, heldOut float64, seed uint64) (trainFacts, held []fact) {
	rng := rand.New(rand.NewPCG(seed, 0xfac7))
	byRel := map[*relation][]fact{}
	var order []*relation
	for _, f := range facts {
		if byRel[f.rel] == nil {
			order = append(order, f.rel)
		}
		byRel[f.rel] = append(byRel[f.rel], f)
	}
	for _, r := range order {
		fs := slices.Clone(byRel[r])
		rng.Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
		n := max(1, int(heldOut*float64(len(fs))+0.5))
		held = append(held, fs[:n]...)
		trainFacts = append(trainFacts, fs[n:]...)
	}
	return trainFacts, held
}

// Small talk the model learns besides the facts.
var smallTalk = [][2]string{
	{"Hello!", "Hello! Ask me about capitals, US states, chemical elements or animals."},
	{"Hi", "Hello! Ask me about capitals, US states, chemical elements or animals."},
	{"Who are you?", "I am a tiny language model trained on quiz questions."},
	{"What can you do?", "I answer quiz questions about capitals, US states, chemical elements and animals."},
	{"Thanks!", "You are welcome."},
	{"Thank you", "You are welcome."},
	{"Bye", "Goodbye!"},
}

// dialogues makes training conversations from facts: rounds passes over
// the facts in a random order, each fact asked once per pass, grouped
// into conversations of one to three questions; a question that follows
// one of the same relation is often asked as a follow-up ("And Peru?"),
// whose meaning comes from the turn before. Some conversations open or
// close with small talk.
func dialogues(facts []fact, rounds int, seed uint64) [][]chat.Message {
	rng := rand.New(rand.NewPCG(seed, 0xd1a1))
	var out [][]chat.Message
	for range rounds {
		// Group facts of one relation together so that follow-ups occur.
		order := rng.Perm(len(facts))
		byRel := map[*relation][]int{}
		var rels []*relation
		for _, i := range order {
			r := facts[i].rel
			if byRel[r] == nil {
				rels = append(rels, r)
			}
			byRel[r] = append(byRel[r], i)
		}
		var convs [][]chat.Message
		for _, r := range rels {
			idx := byRel[r]
			for len(idx) > 0 {
				n := min(len(idx), 1+rng.IntN(3))
				var conv []chat.Message
				for k, i := range idx[:n] {
					q := facts[i].question()
					if k > 0 && rng.IntN(3) > 0 {
						q = facts[i].followUp(rng.IntN(2))
					}
					conv = append(conv, chat.Message{Role: "user", Content: q}, chat.Message{Role: "assistant", Content: facts[i].answer()})
				}
				idx = idx[n:]
				if rng.IntN(8) == 0 {
					st := smallTalk[rng.IntN(4)]
					conv = append([]chat.Message{{Role: "user", Content: st[0]}, {Role: "assistant", Content: st[1]}}, conv...)
				}
				if rng.IntN(8) == 0 {
					st := smallTalk[4+rng.IntN(3)]
					conv = append(conv, chat.Message{Role: "user", Content: st[0]}, chat.Message{Role: "assistant", Content: st[1]})
				}
				convs = append(convs, conv)
			}
		}
		rng.Shuffle(len(convs), func(i, j int) { convs[i], convs[j] = convs[j], convs[i] })
		out = append(out, convs...)
	}
	return out
}
