package quiz

import (
	"embed"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// The databases, as Debian's bsdgames ships them.
//
//go:embed data/africa data/america data/asia data/europe data/state data/elements data/collectives data/babies data/sexes
var dataFS embed.FS

// Relation is a kind of fact, with its question and its answer sentence.
type Relation struct {
	Name     string
	Question string // with %s for the subject
	Answer   string // with %[1]s for the subject, %[2]s for the object
}

// The relations of the facts.
var (
	Capital    = &Relation{"capital", "What is the capital of %s?", "The capital of %[1]s is %[2]s."}
	Abbrev     = &Relation{"abbreviation", "What is the postal abbreviation of %s?", "The abbreviation of %[1]s is %[2]s."}
	Flower     = &Relation{"state flower", "What is the state flower of %s?", "The state flower of %[1]s is the %[2]s."}
	Symbol     = &Relation{"element symbol", "What is the chemical symbol of %s?", "The symbol of %[1]s is %[2]s."}
	Number     = &Relation{"atomic number", "What is the atomic number of %s?", "The atomic number of %[1]s is %[2]s."}
	Collective = &Relation{"collective noun", "What do you call a group of %s?", "A group of %[1]s is called a %[2]s."}
	Baby       = &Relation{"young animal", "What is a baby %s called?", "A baby %[1]s is called a %[2]s."}
	Female     = &Relation{"feminine", "What is the feminine of %s?", "The feminine of %[1]s is %[2]s."}
)

// Fact is one fact: its relation, its subject, its object in canonical
// form, and every form of the object accepted as correct.
type Fact struct {
	Rel             *Relation
	Subject, Object string
	Golds           []string
}

// Question returns the fact's question.
func (f Fact) Question() string { return fmt.Sprintf(f.Rel.Question, f.Subject) }

// Answer returns the fact's answer sentence.
func (f Fact) Answer() string { return fmt.Sprintf(f.Rel.Answer, f.Subject, f.Object) }

// FollowUp asks the fact's question as a follow-up of a question of the
// same relation ("And Peru?", variant 0, or "What about Peru?"): its
// meaning comes from the question before.
func (f Fact) FollowUp(variant int) string {
	if variant%2 == 0 {
		return "And " + f.Subject + "?"
	}
	return "What about " + f.Subject + "?"
}

// Form reports whether reply is the relation's answer sentence about the
// fact's subject, whatever object it names.
func (f Fact) Form(reply string) bool {
	pre, suf, _ := strings.Cut(fmt.Sprintf(f.Rel.Answer, f.Subject, "\x00"), "\x00")
	return strings.HasPrefix(reply, pre) && strings.HasSuffix(reply, suf) && len(reply) > len(pre)+len(suf)
}

// Correct reports whether reply is the answer sentence naming one of the
// accepted objects (case aside).
func (f Fact) Correct(reply string) bool {
	if !f.Form(reply) {
		return false
	}
	pre, suf, _ := strings.Cut(fmt.Sprintf(f.Rel.Answer, f.Subject, "\x00"), "\x00")
	return f.Accepts(reply[len(pre) : len(reply)-len(suf)])
}

// Accepts reports whether object is one of the accepted objects (case
// aside).
func (f Fact) Accepts(object string) bool {
	for _, g := range f.Golds {
		if strings.EqualFold(g, object) {
			return true
		}
	}
	return false
}

// Facts reads the shipped databases into facts, one per subject and
// relation, in a fixed order: the capitals of the countries of Africa,
// the Americas, Asia and Europe, then of the US states with their postal
// abbreviations and flowers, the elements' symbols and atomic numbers,
// collective nouns, young animals and feminine forms. A subject with
// several alternatives ("actors|soldiers") gives a fact for each where
// they are distinct things (collectives, young animals); a subject found
// twice keeps its first object and accepts the objects of both.
func Facts() ([]Fact, error) {
	var facts []Fact
	seen := map[string]int{}
	add := func(rel *Relation, subject Field, object Field) {
		obj := object.Canonical()
		if obj == "" || obj == "gok" { // "god only knows": no answer
			return
		}
		golds := object.Forms(64)
		var subjects []string
		if rel == Collective || rel == Baby {
			for _, s := range subject {
				subjects = append(subjects, Field{s}.Canonical())
			}
		} else {
			subjects = []string{subject.Canonical()}
		}
		for _, s := range subjects {
			if len(s) < 2 {
				continue
			}
			key := rel.Name + "\x00" + strings.ToLower(s)
			if i, ok := seen[key]; ok {
				for _, g := range golds {
					if !slices.Contains(facts[i].Golds, g) {
						facts[i].Golds = append(facts[i].Golds, g)
					}
				}
				continue
			}
			seen[key] = len(facts)
			facts = append(facts, Fact{Rel: rel, Subject: s, Object: obj, Golds: slices.Clone(golds)})
		}
	}
	read := func(name string, fields int) ([]Item, error) {
		b, err := dataFS.ReadFile("data/" + name)
		if err != nil {
			return nil, err
		}
		items, err := Parse(string(b))
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
			add(Capital, it[0], it[1])
		}
	}
	items, err := read("state", 4)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		add(Capital, it[0], it[1])
		add(Abbrev, it[0], it[2])
		add(Flower, it[0], it[3])
	}
	if items, err = read("elements", 4); err != nil {
		return nil, err
	}
	for _, it := range items {
		add(Symbol, it[3], it[0])
		add(Number, it[3], it[1])
	}
	if items, err = read("collectives", 2); err != nil {
		return nil, err
	}
	for _, it := range items {
		add(Collective, it[0], it[1])
	}
	if items, err = read("babies", 2); err != nil {
		return nil, err
	}
	for _, it := range items {
		add(Baby, it[1], it[0])
	}
	if items, err = read("sexes", 2); err != nil {
		return nil, err
	}
	for _, it := range items {
		add(Female, it[0], it[1])
	}
	return facts, nil
}

// Split holds out a fraction of each relation's facts (at least one),
// chosen with seed, and returns the other facts and the held-out ones,
// each in relation order.
func Split(facts []Fact, heldOut float64, seed uint64) (rest, held []Fact) {
	rng := rand.New(rand.NewPCG(seed, 0xfac7))
	byRel := map[*Relation][]Fact{}
	var order []*Relation
	for _, f := range facts {
		if byRel[f.Rel] == nil {
			order = append(order, f.Rel)
		}
		byRel[f.Rel] = append(byRel[f.Rel], f)
	}
	for _, r := range order {
		fs := slices.Clone(byRel[r])
		rng.Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
		n := max(1, int(heldOut*float64(len(fs))+0.5))
		held = append(held, fs[:n]...)
		rest = append(rest, fs[n:]...)
	}
	return rest, held
}
