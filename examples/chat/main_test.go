package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goformer/goformer/examples/chat/quiz"

	"github.com/goformer/goformer/models/auto"
	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/generate/chat"
	"github.com/goformer/goformer/models/gpt"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/models/llama"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tokenize"
)

// shortTraining is the quiz model's training cut to a few steps of a
// tiny model: the short mode the tests run.
func shortTraining() trainOptions {
	o := defaultTrainOptions()
	o.Rounds, o.Epochs, o.Steps = 1, 1, 3
	o.Vocab, o.Hidden, o.Layers, o.Heads, o.Context, o.Batch = 300, 32, 1, 2, 128, 8
	return o
}

// TestChatTrainsItsModelAndConversesThroughItsIO runs the program as a
// user does, with scripted turns on its input: it trains the quiz model
// in short mode, loads it back through models/auto, and streams replies.
func TestChatTrainsItsModelAndConversesThroughItsIO(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "quiz")
	c := config{dir: dir, train: shortTraining(), maxNew: 6, temperature: -1, topP: -1, topK: -1, repPen: -1, seed: 1, stats: true}
	in := strings.NewReader("Hello!\nWhat is the capital of France?\n\nAnd Peru?\n/reset\nHi\n/quit\nnever read\n")
	var out, errw bytes.Buffer
	if err := run(context.Background(), c, in, &out, &errw); err != nil {
		t.Fatalf("%v\n%s", err, errw.String())
	}
	for _, f := range []string{"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("the trained model lacks %s", f)
		}
	}
	if got := strings.Count(out.String(), "> "); got != 7 {
		t.Errorf("%d prompts, want 7 (the first, 4 messages, a blank line, /reset):\n%s", got, out.String())
	}
	if !strings.Contains(out.String(), "(new conversation)") {
		t.Errorf("/reset not acknowledged:\n%s", out.String())
	}
	// The stats lines: the second turn reuses the first's tokens, the
	// turn after /reset starts from nothing.
	var stats []string
	for _, l := range strings.Split(errw.String(), "\n") {
		if strings.HasPrefix(l, "[ran ") {
			stats = append(stats, l)
		}
	}
	if len(stats) != 4 {
		t.Fatalf("%d stats lines, want 4:\n%s", len(stats), errw.String())
	}
	if strings.Contains(stats[1], " 0 from the cache") || strings.Contains(stats[2], " 0 from the cache") || !strings.Contains(stats[3], " 0 from the cache") {
		t.Errorf("cache reuse: %q", stats)
	}
	if !strings.Contains(errw.String(), "training a GPT-2") {
		t.Errorf("no training report:\n%s", errw.String())
	}

	// A second run finds the model and does not train again.
	errw.Reset()
	out.Reset()
	if err := run(context.Background(), c, strings.NewReader("Hi\n"), &out, &errw); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(errw.String(), "training") {
		t.Errorf("the saved model was trained again:\n%s", errw.String())
	}
}

// countingModel counts the tokens run through a model.
type countingModel struct {
	generate.Model
	tokens, steps int
}

func (c *countingModel) Step(ids, mask *tensor.Tensor, cache generate.Cache) *tensor.Tensor {
	c.tokens += ids.Dim(1)
	c.steps++
	return c.Model.Step(ids, mask, cache)
}

func (c *countingModel) MaxLen() int { return c.Model.(interface{ MaxLen() int }).MaxLen() }

// tinyModel saves an untrained model of the family with the quiz
// tokenizer and the ChatML template, and loads it through models/auto.
func tinyModel(t *testing.T, family string) *auto.CausalLM {
	t.Helper()
	facts, err := quiz.Facts()
	if err != nil {
		t.Fatal(err)
	}
	convs := dialogues(facts[:60], 1, 1)
	tok, err := quizTokenizer(convs, 300)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, _ := chat.Builtin("chatml")
	dir := t.TempDir()
	eot, _ := tok.TokenToID(endOfText)
	end, _ := tok.TokenToID(imEnd)
	switch family {
	case "gpt2":
		c, _ := gpt.Size("tiny")
		c.VocabSize, c.NPositions, c.NEmbd, c.NLayer, c.NHead = tok.VocabSize(), 96, 32, 2, 2
		c.BosTokenID, c.EosTokenID, c.PadTokenID = eot, end, &eot
		if err := saveChatModel(dir, gpt.NewLMHeadModel(c, tensor.NewGenerator(5)), tok, tmpl); err != nil {
			t.Fatal(err)
		}
	case "llama":
		c, _ := llama.Size("tiny")
		c.VocabSize, c.MaxPositionEmbeddings, c.HiddenSize, c.IntermediateSize = tok.VocabSize(), 96, 32, 64
		c.BosTokenID, c.EosTokenID = []int{eot}, []int{end}
		m := llama.NewForCausalLM(c, tensor.NewGenerator(5))
		if err := m.Save(dir, hub.SaveOptions{Tokenizer: tok}); err != nil {
			t.Fatal(err)
		}
		g, _ := gpt.Size("tiny")
		g.BosTokenID, g.EosTokenID, g.PadTokenID, g.NPositions = eot, end, &eot, 96
		if err := writeTokenizerConfig(dir, g, tmpl); err != nil {
			t.Fatal(err)
		}
	}
	m, err := auto.LoadCausalLM(dir, auto.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestTheSecondTurnRunsOnlyItsNewTokens checks, for GPT-2 and Llama, that
// the second turn does not run the first through the model again, and
// that its reply is the one a fresh computation of the whole prompt
// gives.
func TestTheSecondTurnRunsOnlyItsNewTokens(t *testing.T) {
	for _, family := range []string{"gpt2", "llama"} {
		t.Run(family, func(t *testing.T) {
			m := tinyModel(t, family)
			counter := &countingModel{Model: m.Model}
			m.Model = counter
			s := NewSession(m)
			s.Options.MaxNewTokens = 5
			ctx := context.Background()
			var out bytes.Buffer
			r1, err := s.Send(ctx, "What is the capital of France?", &out)
			if err != nil {
				t.Fatal(err)
			}
			if out.String() != r1 {
				t.Errorf("streamed %q, returned %q", out.String(), r1)
			}
			first := s.Stats
			if first.Reused != 0 || first.Prefill != counter.tokens-first.Generated+1 || first.Rebuilt {
				t.Fatalf("first turn: %+v, %d tokens run", first, counter.tokens)
			}
			cached := len(s.tokens)
			counter.tokens, counter.steps = 0, 0
			r2, err := s.Send(ctx, "And Peru?", &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			st := s.Stats
			if st.Rebuilt || st.Reused != cached || st.Reused < first.Prefill {
				t.Fatalf("second turn did not continue the cache: %+v (cache held %d)", st, cached)
			}
			// The prefill is the pending token and the new message's
			// tokens: far fewer than the whole prompt.
			if st.Prefill >= st.Reused || counter.tokens != st.Prefill+st.Generated-1 {
				t.Fatalf("second turn ran %d tokens (stats %+v)", counter.tokens, st)
			}
			// A fresh computation over the same prompt gives the same reply.
			prompt := s.tokens[:st.Reused+st.Prefill]
			o := s.Options
			fresh, err := generate.Generate(ctx, counter.Model, [][]int{prompt}, o)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := m.Text(fresh[0][0])
			if r2 != want {
				t.Fatalf("second reply %q, a fresh pass gives %q", r2, want)
			}
			if msgs := s.Messages(); len(msgs) != 4 || msgs[3].Content != r2 {
				t.Fatalf("conversation %+v", msgs)
			}
		})
	}
}

func TestTheOldestTurnsGoWhenTheContextIsFull(t *testing.T) {
	m := tinyModel(t, "gpt2")
	s := NewSession(m)
	s.Options.MaxNewTokens = 4
	s.Context = 70
	s.System = "Be brief."
	ctx := context.Background()
	dropped := false
	for i := range 8 {
		if _, err := s.Send(ctx, "What is the capital of France?", &bytes.Buffer{}); err != nil {
			t.Fatalf("turn %d: %v", i, err)
		}
		if s.Stats.Dropped > 0 {
			dropped = true
			if !s.Stats.Rebuilt || s.Stats.Reused != 0 {
				t.Fatalf("turn %d dropped messages but kept the cache: %+v", i, s.Stats)
			}
		}
		if n := s.Stats.Reused + s.Stats.Prefill + s.Options.MaxNewTokens; n > s.Context {
			t.Fatalf("turn %d uses %d tokens, over the context of %d", i, n, s.Context)
		}
	}
	if !dropped {
		t.Fatal("eight turns fit a context of 70 tokens")
	}
	if msgs := s.Messages(); msgs[0].Role != "user" || len(msgs) >= 16 {
		t.Fatalf("conversation after dropping: %d messages", len(msgs))
	}
	if _, err := s.Send(ctx, strings.Repeat("capital ", 80), &bytes.Buffer{}); !errors.Is(err, ErrTooLong) {
		t.Fatalf("a message longer than the context: %v", err)
	}
}

func TestModelsWithoutAChatTemplateGetAPlainOne(t *testing.T) {
	m := tinyModel(t, "gpt2")
	m.Chat = nil
	s := NewSession(m)
	if err := configure(s, config{temperature: -1, topP: -1, topK: -1, repPen: -1, maxNew: 5}); err != nil {
		t.Fatal(err)
	}
	text, err := m.Chat.Render([]chat.Message{{Role: "user", Content: "Hi"}, {Role: "assistant", Content: " Hello."}, {Role: "user", Content: "Bye"}}, chat.Options{AddGenerationPrompt: true})
	if err != nil {
		t.Fatal(err)
	}
	if text != "User: Hi\nAssistant: Hello.\nUser: Bye\nAssistant:" {
		t.Fatalf("plain form %q", text)
	}
	if len(s.Options.StopStrings) != 1 || s.Options.StopStrings[0] != "\n" {
		t.Fatalf("stop strings %q", s.Options.StopStrings)
	}
	if _, err := s.Send(context.Background(), "Hi", &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if err := configure(s, config{template: "no-such-template"}); err == nil {
		t.Fatal("an unknown template was accepted")
	}
	if err := configure(s, config{template: "zephyr", temperature: 0.7, topP: 0.9, topK: 5, repPen: 1.2, maxNew: 3, seed: 4}); err != nil {
		t.Fatal(err)
	}
	if o := s.Options; o.Temperature != 0.7 || o.TopP != 0.9 || o.TopK != 5 || o.RepetitionPenalty != 1.2 || o.MaxNewTokens != 3 || o.Seed != 4 || m.Chat.Name != "zephyr" {
		t.Fatalf("flags not applied: %+v", o)
	}
}

func TestConversationsEncodeAsTheWholeRendering(t *testing.T) {
	facts, _ := quiz.Facts()
	convs := dialogues(facts[:40], 1, 2)
	tok, err := quizTokenizer(convs, 300)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, _ := chat.Builtin("chatml")
	for _, c := range convs[:10] {
		ex, err := encodeConversation(tok, tmpl, c)
		if err != nil {
			t.Fatal(err)
		}
		text, _ := tmpl.Render(c, chat.Options{})
		enc, err := tok.EncodeWith(text, nil, tokenize.EncodeOptions{NoSpecialTokens: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(enc.IDs) != len(ex.ids) {
			t.Fatalf("pieces give %d tokens, the whole text %d", len(ex.ids), len(enc.IDs))
		}
		var labelled []int
		for i, id := range enc.IDs {
			if id != ex.ids[i] {
				t.Fatalf("token %d: %d by pieces, %d whole", i, ex.ids[i], id)
			}
			if ex.labels[i] >= 0 {
				labelled = append(labelled, id)
			}
		}
		// The labels are the assistant's replies and their end markers.
		got, _ := tok.Decode(labelled, false)
		var want strings.Builder
		for _, m := range c {
			if m.Role == "assistant" {
				want.WriteString(m.Content + imEnd + "\n")
			}
		}
		if got != want.String() {
			t.Fatalf("labelled %q, want %q", got, want.String())
		}
	}
	packed := pack([]example{{ids: make([]int, 5), labels: make([]int, 5)}, {ids: make([]int, 4), labels: make([]int, 4)}, {ids: make([]int, 9), labels: make([]int, 9)}}, 8)
	if len(packed) != 3 || len(packed[0].ids) != 5 || len(packed[2].ids) != 8 {
		t.Fatalf("packing into 8: %d sequences", len(packed))
	}
}

func TestEvaluationScoresAnswers(t *testing.T) {
	facts, _ := quiz.Facts()
	var f quiz.Fact
	for _, x := range facts {
		if x.Rel == quiz.Capital && x.Subject == "France" {
			f = x
		}
	}
	var s score
	s.add(f, "The capital of France is Paris.", "paris")
	s.add(f, "The capital of France is Lyon.", "lyon")
	s.add(f, "Paris", "x")
	if s.N != 3 || s.Correct != 1 || s.Form != 2 || s.Baseline != 1 {
		t.Fatalf("%+v", s)
	}
	maj := majority([]quiz.Fact{{Rel: quiz.Collective, Object: "herd"}, {Rel: quiz.Collective, Object: "flock"}, {Rel: quiz.Collective, Object: "herd"}})
	if maj[quiz.Collective] != "herd" {
		t.Fatalf("majority %q", maj[quiz.Collective])
	}

	m := tinyModel(t, "gpt2")
	sess := NewSession(m)
	sess.Options.MaxNewTokens = 4
	tr, held := quiz.Split(facts[:50], 0.1, 1)
	rep, err := evaluate(context.Background(), sess, tr, held, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Trained.N != 5 || rep.HeldOut.N != len(held) || rep.FollowUp.N != len(held) || rep.Prefill <= 0 || rep.Prefill >= rep.Prompt {
		t.Fatalf("report %+v", rep)
	}
	var b bytes.Buffer
	rep.print(&b)
	if !strings.Contains(b.String(), "held-out facts as a follow-up") {
		t.Fatal(b.String())
	}
}

func TestDialoguesAskEveryTrainingFactOncePerRound(t *testing.T) {
	facts, err := quiz.Facts()
	if err != nil {
		t.Fatal(err)
	}
	tr, _ := quiz.Split(facts, 0.1, 1)
	convs := dialogues(tr, 2, 1)
	answers := map[string]int{}
	for _, f := range tr {
		answers[f.Answer()] = 0
	}
	followUps := 0
	for _, c := range convs {
		for i, m := range c {
			if want := []string{"user", "assistant"}[i%2]; m.Role != want {
				t.Fatalf("message %d of a conversation is %s's", i, m.Role)
			}
			if _, ok := answers[m.Content]; ok {
				answers[m.Content]++
			}
			if strings.HasPrefix(m.Content, "And ") || strings.HasPrefix(m.Content, "What about ") {
				followUps++
			}
		}
	}
	for a, n := range answers {
		if n != 2 {
			t.Fatalf("%q answered %d times in 2 rounds", a, n)
		}
	}
	if followUps < len(tr)/4 {
		t.Fatalf("only %d follow-ups", followUps)
	}
}
