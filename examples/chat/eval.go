package main

import (
	"context"
	"fmt"
	"github.com/goformer/goformer/examples/chat/quiz"
	"io"
	"math/rand/v2"
	"strings"
)

// evalReport scores the quiz model through the chat session itself
// (greedy decoding, a fresh conversation per question).
type evalReport struct {
	// Trained: facts the model was trained on, asked as a first question.
	Trained score
	// HeldOut: facts it never saw, asked as a first question.
	HeldOut score
	// FollowUp: a held-out fact asked as a follow-up ("And Peru?") after
	// a trained question of the same relation; FollowUpTrained the same
	// with a trained fact.
	FollowUp, FollowUpTrained score
	// Turn two of the follow-ups: the mean tokens run through the model
	// (Prefill) against the mean length of the whole prompt (Prompt).
	Prefill, Prompt float64
}

// score counts answers: correct (the answer sentence naming an accepted
// object), in the right form (the relation's answer sentence about the
// right subject, whatever object it names), and correct for the baseline
// (the relation's most frequent object among the training facts).
type score struct {
	N, Correct, Form, Baseline int
}

func (s score) String() string {
	if s.N == 0 {
		return "none"
	}
	pct := func(k int) float64 { return 100 * float64(k) / float64(s.N) }
	return fmt.Sprintf("%5.1f%% correct, %5.1f%% in the right form (baseline %4.1f%%), %d questions", pct(s.Correct), pct(s.Form), pct(s.Baseline), s.N)
}

func (s *score) add(f quiz.Fact, reply, baseline string) {
	s.N++
	if f.Correct(reply) {
		s.Correct++
	}
	if f.Form(reply) {
		s.Form++
	}
	if f.Correct(fmt.Sprintf(f.Rel.Answer, f.Subject, baseline)) {
		s.Baseline++
	}
}

// majority returns each relation's most frequent object among facts.
func majority(facts []quiz.Fact) map[*quiz.Relation]string {
	counts := map[*quiz.Relation]map[string]int{}
	out := map[*quiz.Relation]string{}
	for _, f := range facts {
		if counts[f.Rel] == nil {
			counts[f.Rel] = map[string]int{}
		}
		o := strings.ToLower(f.Object)
		counts[f.Rel][o]++
		if best := out[f.Rel]; counts[f.Rel][o] > counts[f.Rel][best] || best == "" {
			out[f.Rel] = o
		}
	}
	return out
}

// evaluate asks at most n trained facts (a sample drawn with seed) and every
// held-out fact, first alone and then as follow-ups.
func evaluate(ctx context.Context, s *Session, trainFacts, held []quiz.Fact, n int, seed uint64) (*evalReport, error) {
	rng := rand.New(rand.NewPCG(seed, 0xe7a1))
	base := majority(trainFacts)
	sample := trainFacts
	if len(sample) > n {
		sample = make([]quiz.Fact, n)
		for i, k := range rng.Perm(len(trainFacts))[:n] {
			sample[i] = trainFacts[k]
		}
	}
	byRel := map[*quiz.Relation][]quiz.Fact{}
	for _, f := range trainFacts {
		byRel[f.Rel] = append(byRel[f.Rel], f)
	}
	rep := &evalReport{}
	ask := func(sc *score, f quiz.Fact) error {
		s.Reset()
		reply, err := s.Send(ctx, f.Question(), io.Discard)
		if err != nil {
			return err
		}
		sc.add(f, reply, base[f.Rel])
		return nil
	}
	follow := func(sc *score, f quiz.Fact) error {
		s.Reset()
		peers := byRel[f.Rel]
		first := peers[rng.IntN(len(peers))]
		for first.Subject == f.Subject && len(peers) > 1 {
			first = peers[rng.IntN(len(peers))]
		}
		if _, err := s.Send(ctx, first.Question(), io.Discard); err != nil {
			return err
		}
		reply, err := s.Send(ctx, f.FollowUp(rng.IntN(2)), io.Discard)
		if err != nil {
			return err
		}
		rep.Prefill += float64(s.Stats.Prefill)
		rep.Prompt += float64(s.Stats.Reused + s.Stats.Prefill)
		sc.add(f, reply, base[f.Rel])
		return nil
	}
	for _, f := range sample {
		if err := ask(&rep.Trained, f); err != nil {
			return nil, err
		}
	}
	for _, f := range held {
		if err := ask(&rep.HeldOut, f); err != nil {
			return nil, err
		}
		if err := follow(&rep.FollowUp, f); err != nil {
			return nil, err
		}
	}
	for _, f := range sample[:min(len(sample), len(held))] {
		if err := follow(&rep.FollowUpTrained, f); err != nil {
			return nil, err
		}
	}
	if k := float64(rep.FollowUp.N + rep.FollowUpTrained.N); k > 0 {
		rep.Prefill /= k
		rep.Prompt /= k
	}
	s.Reset()
	return rep, nil
}

func (r *evalReport) print(w io.Writer) {
	fmt.Fprintf(w, "trained facts, first question:   %s\n", r.Trained)
	fmt.Fprintf(w, "held-out facts, first question:  %s\n", r.HeldOut)
	fmt.Fprintf(w, "trained facts as a follow-up:    %s\n", r.FollowUpTrained)
	fmt.Fprintf(w, "held-out facts as a follow-up:   %s\n", r.FollowUp)
	fmt.Fprintf(w, "second turns ran %.1f tokens through the model on average, of prompts of %.1f (the rest came from the KV cache)\n", r.Prefill, r.Prompt)
}
