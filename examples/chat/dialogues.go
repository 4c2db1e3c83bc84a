package main

import (
	"math/rand/v2"

	"github.com/goformer/goformer/examples/chat/quiz"
	"github.com/goformer/goformer/models/generate/chat"
)

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
func dialogues(facts []quiz.Fact, rounds int, seed uint64) [][]chat.Message {
	rng := rand.New(rand.NewPCG(seed, 0xd1a1))
	var out [][]chat.Message
	for range rounds {
		// Group facts of one relation together so that follow-ups occur.
		order := rng.Perm(len(facts))
		byRel := map[*quiz.Relation][]int{}
		var rels []*quiz.Relation
		for _, i := range order {
			r := facts[i].Rel
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
					q := facts[i].Question()
					if k > 0 && rng.IntN(3) > 0 {
						q = facts[i].FollowUp(rng.IntN(2))
					}
					conv = append(conv, chat.Message{Role: "user", Content: q}, chat.Message{Role: "assistant", Content: facts[i].Answer()})
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
