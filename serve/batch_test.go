package serve_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/goformer/goformer/models/auto"
	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/serve"
	"github.com/goformer/goformer/serve/api"
	"github.com/goformer/goformer/serve/client"
)

// call is one request of the batching tests: a completion or a chat
// completion, whole or streamed.
type call struct {
	chat   bool
	stream bool
	comp   api.CompletionRequest
	conv   api.ChatCompletionRequest
}

// outcome is what a call produced, in a form to compare.
type outcome struct {
	text   string
	finish string
	tokens int
	lps    string // the tokens' log-probabilities and alternatives, exactly
}

func (o *outcome) addCompletion(l *api.CompletionLogprobs) {
	if l == nil {
		return
	}
	for i, lp := range l.TokenLogprobs {
		o.lps += l.Tokens[i] + "=" + strconv.FormatFloat(lp, 'g', -1, 64) + " "
		if l.TopLogprobs != nil {
			o.lps += fmt.Sprint(l.TopLogprobs[i]) + " "
		}
	}
}

func (o *outcome) addChat(l *api.ChatLogprobs) {
	if l == nil {
		return
	}
	for _, t := range l.Content {
		o.lps += t.Token + "=" + strconv.FormatFloat(t.Logprob, 'g', -1, 64) + " "
		for _, a := range t.TopLogprobs {
			o.lps += a.Token + ":" + strconv.FormatFloat(a.Logprob, 'g', -1, 64) + " "
		}
	}
}

func (c call) run(ctx context.Context, cl *client.Client) (outcome, error) {
	switch {
	case c.chat && c.stream:
		st, err := cl.ChatCompletionStream(ctx, c.conv)
		if err != nil {
			return outcome{}, err
		}
		defer st.Close()
		var o outcome
		usage, err := client.Each(st, func(x api.ChatChunkChoice) {
			o.addChat(x.Logprobs)
			if x.Delta.Content != nil {
				o.text += *x.Delta.Content
			}
			if x.FinishReason != nil {
				o.finish = *x.FinishReason
			}
		})
		if usage != nil {
			o.tokens = usage.CompletionTokens
		}
		return o, err
	case c.chat:
		r, err := cl.ChatCompletion(ctx, c.conv)
		if err != nil {
			return outcome{}, err
		}
		o := outcome{text: string(r.Choices[0].Message.Content), finish: *r.Choices[0].FinishReason, tokens: r.Usage.CompletionTokens}
		o.addChat(r.Choices[0].Logprobs)
		return o, nil
	case c.stream:
		st, err := cl.CompletionStream(ctx, c.comp)
		if err != nil {
			return outcome{}, err
		}
		defer st.Close()
		var o outcome
		usage, err := client.Each(st, func(x api.CompletionChoice) {
			o.addCompletion(x.Logprobs)
			o.text += x.Text
			if x.FinishReason != nil {
				o.finish = *x.FinishReason
			}
		})
		if usage != nil {
			o.tokens = usage.CompletionTokens
		}
		return o, err
	}
	r, err := cl.Completion(ctx, c.comp)
	if err != nil {
		return outcome{}, err
	}
	o := outcome{text: r.Choices[0].Text, finish: *r.Choices[0].FinishReason, tokens: r.Usage.CompletionTokens}
	o.addCompletion(r.Choices[0].Logprobs)
	return o, nil
}

// calls returns a mix of requests: prompts of different lengths, greedy
// and seeded sampling, stop strings, chat, streamed and not.
func calls(model string) []call {
	texts := []string{
		"The quick brown fox",
		"Once upon a time there was a small model that lived in a test. It answered every question",
		"Café 🙂",
		"日本語",
		"How are you today? I am fine, thank you. What is the time?",
		"A",
		"Hello world! Hello world! Hello world! Hello world!",
		"jumps over the lazy dog. A language model continues a prompt",
	}
	var out []call
	for i, text := range texts {
		usage := &api.StreamOptions{IncludeUsage: true}
		s := api.Sampling{Temperature: api.Ptr(0.0)}
		if i%3 == 1 {
			s = api.Sampling{Temperature: api.Ptr(0.9), TopP: api.Ptr(0.95), TopK: api.Ptr(20), Seed: api.Ptr(int64(100 + i))}
		}
		if i == 4 {
			s.Stop = api.StringList{"e", "th"}
		}
		if i == 6 {
			s.RepetitionPenalty = api.Ptr(1.3)
		}
		max := 6 + 5*i
		c := call{comp: api.CompletionRequest{Model: model, Prompt: api.Texts(text), MaxTokens: &max, Sampling: s, Logprobs: api.Ptr(i % 3)}}
		out = append(out, c)
		c.stream = true
		c.comp.StreamOptions = usage
		out = append(out, c)
		c = call{chat: true, conv: api.ChatCompletionRequest{Model: model, MaxTokens: &max, Sampling: s, Logprobs: api.Ptr(true), TopLogprobs: api.Ptr(i % 3),
			Messages: []api.Message{{Role: "system", Content: "Be brief."}, {Role: "user", Content: api.Content(text)}}}}
		out = append(out, c)
		c.stream = true
		c.conv.StreamOptions = usage
		out = append(out, c)
	}
	return out
}

// checkBatchedEqualsAlone runs every call alone, one at a time, then all
// of them at once, rounds times over, and checks that each concurrent
// response equals the lone one exactly.
func checkBatchedEqualsAlone(t *testing.T, lm *auto.CausalLM, name string, rounds int) {
	ts := start(t, serve.Config{Model: lm, ModelName: name, QueueSize: 4 * len(calls(name)) * rounds})
	cs := calls(name)
	alone := make([]outcome, len(cs))
	for i, c := range cs {
		o, err := c.run(ctx(t), ts.c)
		if err != nil {
			t.Fatalf("call %d alone: %v", i, err)
		}
		if o.tokens == 0 || o.finish == "" {
			t.Fatalf("call %d alone: %+v: no tokens or no finish reason", i, o)
		}
		alone[i] = o
	}
	var wg sync.WaitGroup
	errs := make(chan error, rounds*len(cs))
	for r := range rounds {
		for i, c := range cs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				o, err := c.run(ctx(t), ts.c)
				switch {
				case err != nil:
					errs <- fmt.Errorf("round %d, call %d: %v", r, i, err)
				case o != alone[i]:
					errs <- fmt.Errorf("round %d, call %d (chat %v, stream %v): %+v, alone %+v", r, i, c.chat, c.stream, o, alone[i])
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// The test means something only if sequences shared steps.
	_, text, _ := ts.get(t, "/metrics")
	single, _ := strconv.Atoi(metric(text, `goformer_batch_size_per_step_bucket{le="1"}`))
	steps, _ := strconv.Atoi(metric(text, "goformer_batch_size_per_step_count"))
	if steps == 0 || single == steps {
		t.Fatalf("no step decoded more than one sequence (%d steps)", steps)
	}
	t.Logf("%d of %d steps decoded several sequences", steps-single, steps)
	ts.idle(t)
}

func TestBatchedResponsesEqualEachRequestAlone(t *testing.T) {
	checkBatchedEqualsAlone(t, gpt2, "tiny-gpt2", 3)
}

func TestBatchedResponsesEqualEachRequestAloneLlama(t *testing.T) {
	lm, err := auto.LoadCausalLM(llamaDir, auto.Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkBatchedEqualsAlone(t, lm, "tiny-llama", 1)
}

// The server's greedy decoding is the library's: generate.Generate gives
// the same tokens for each prompt.
func TestGreedyCompletionsEqualGenerate(t *testing.T) {
	ts := start(t, serve.Config{ModelName: "m"})
	for i, text := range []string{"The quick brown fox", "Café 🙂 日本語", "Hello world! How are you today?", "A"} {
		ids, err := gpt2.Encode(text)
		if err != nil {
			t.Fatal(err)
		}
		want, err := generate.Generate(ctx(t), gpt2.Model, [][]int{ids}, generate.Options{MaxNewTokens: 24, StopTokens: gpt2.StopTokens()})
		if err != nil {
			t.Fatal(err)
		}
		wantText, _ := gpt2.Text(want[0][0])
		wantText = viaJSON(t, wantText) // invalid UTF-8 becomes U+FFFD
		got, err := ts.c.Completion(ctx(t), api.CompletionRequest{Model: "m", Prompt: api.Texts(text), MaxTokens: api.Ptr(24),
			Sampling: api.Sampling{Temperature: api.Ptr(0.0)}})
		if err != nil {
			t.Fatal(err)
		}
		finish := "length"
		if want[0][0].Finish == generate.FinishStopToken {
			finish = "stop"
		}
		if got.Choices[0].Text != wantText || *got.Choices[0].FinishReason != finish || got.Usage.CompletionTokens != len(want[0][0].Tokens) {
			t.Errorf("prompt %d: server %q (%s, %d tokens), generate %q (%s, %d tokens)", i, got.Choices[0].Text, *got.Choices[0].FinishReason,
				got.Usage.CompletionTokens, wantText, finish, len(want[0][0].Tokens))
		}
		if got.Usage.PromptTokens != len(ids) {
			t.Errorf("prompt %d: usage counts %d prompt tokens, want %d", i, got.Usage.PromptTokens, len(ids))
		}
	}
}

// Several prompts in one request give the choices each gives alone.
func TestSeveralPromptsInOneRequest(t *testing.T) {
	ts := start(t, serve.Config{ModelName: "m"})
	texts := []string{"The quick brown fox", "A", "Hello world!"}
	s := api.Sampling{Temperature: api.Ptr(0.7), Seed: api.Ptr(int64(5))}
	many, err := ts.c.Completion(ctx(t), api.CompletionRequest{Model: "m", Prompt: api.Texts(texts...), MaxTokens: api.Ptr(10), Sampling: s})
	if err != nil {
		t.Fatal(err)
	}
	if len(many.Choices) != len(texts) {
		t.Fatalf("%d choices for %d prompts", len(many.Choices), len(texts))
	}
	total := 0
	for i, text := range texts {
		one, err := ts.c.Completion(ctx(t), api.CompletionRequest{Model: "m", Prompt: api.Texts(text), MaxTokens: api.Ptr(10), Sampling: s})
		if err != nil {
			t.Fatal(err)
		}
		if many.Choices[i].Index != i || many.Choices[i].Text != one.Choices[0].Text {
			t.Errorf("choice %d: %q (index %d), alone %q", i, many.Choices[i].Text, many.Choices[i].Index, one.Choices[0].Text)
		}
		total += one.Usage.CompletionTokens
	}
	if many.Usage.CompletionTokens != total {
		t.Errorf("usage %d completion tokens, the prompts alone %d", many.Usage.CompletionTokens, total)
	}
	// Token-id prompts are prompts too.
	ids, _ := gpt2.Encode(texts[0])
	tok, err := ts.c.Completion(ctx(t), api.CompletionRequest{Model: "m", Prompt: api.Prompt{{Tokens: ids, IsTokens: true}}, MaxTokens: api.Ptr(10), Sampling: s})
	if err != nil || tok.Choices[0].Text != many.Choices[0].Text {
		t.Errorf("token prompt: %v, %v; want %q", tok, err, many.Choices[0].Text)
	}
	// A streamed request interleaves the choices' chunks by index.
	st, err := ts.c.CompletionStream(ctx(t), api.CompletionRequest{Model: "m", Prompt: api.Texts(texts...), MaxTokens: api.Ptr(10), Sampling: s})
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, len(texts))
	for {
		ch, err := st.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range ch.Choices {
			got[c.Index] += c.Text
		}
	}
	for i := range texts {
		if got[i] != many.Choices[i].Text {
			t.Errorf("streamed choice %d: %q, want %q", i, got[i], many.Choices[i].Text)
		}
	}
}

// Sampling depends on the seed, and only on it.
func TestSeedsChooseTheSamples(t *testing.T) {
	ts := start(t, serve.Config{ModelName: "m"})
	sample := func(seed *int64) string {
		r, err := ts.c.Completion(ctx(t), api.CompletionRequest{Model: "m", Prompt: api.Texts("Once upon a time"), MaxTokens: api.Ptr(16),
			Sampling: api.Sampling{Temperature: api.Ptr(1.0), Seed: seed}})
		if err != nil {
			t.Fatal(err)
		}
		return r.Choices[0].Text
	}
	a, b, c := sample(api.Ptr(int64(1))), sample(api.Ptr(int64(1))), sample(api.Ptr(int64(2)))
	if a != b {
		t.Errorf("seed 1 gave %q then %q", a, b)
	}
	if a == c {
		t.Errorf("seeds 1 and 2 both gave %q", a)
	}
	if sample(nil) == sample(nil) {
		t.Errorf("two requests without a seed sampled the same text")
	}
}

func TestStopStringsCutTheText(t *testing.T) {
	ts := start(t, serve.Config{ModelName: "m"})
	req := api.CompletionRequest{Model: "m", Prompt: api.Texts("The quick brown fox"), MaxTokens: api.Ptr(40), Sampling: api.Sampling{Temperature: api.Ptr(0.0)}}
	full, err := ts.c.Completion(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	text := full.Choices[0].Text
	if len(text) < 6 {
		t.Fatalf("the model wrote only %q: too short to take a stop string from", text)
	}
	stop := text[3:5]
	req.Stop = api.StringList{stop}
	cut, err := ts.c.Completion(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := generate.CutStop(text, []string{stop})
	if cut.Choices[0].Text != want || *cut.Choices[0].FinishReason != "stop" {
		t.Errorf("stop %q: %q (%s), want %q (stop)", stop, cut.Choices[0].Text, *cut.Choices[0].FinishReason, want)
	}
	if strings.Contains(cut.Choices[0].Text, stop) {
		t.Errorf("the text %q holds the stop string %q", cut.Choices[0].Text, stop)
	}
}

// viaJSON returns s as it reads back from JSON.
func viaJSON(t *testing.T, s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var out string
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// A request alone is decoded as generate.Generate decodes it, one row:
// the same log-probabilities, bit for bit (and, by the tests above, the
// same as among other requests).
func TestALoneRequestDecodesAsGenerate(t *testing.T) {
	ts := start(t, serve.Config{ModelName: "m"})
	ids, _ := gpt2.Encode("The quick brown fox")
	want, err := generate.Generate(ctx(t), gpt2.Model, [][]int{ids}, generate.Options{MaxNewTokens: 16, StopTokens: gpt2.StopTokens()})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ts.c.Completion(ctx(t), api.CompletionRequest{Model: "m", Prompt: api.Texts("The quick brown fox"), MaxTokens: api.Ptr(16),
		Sampling: api.Sampling{Temperature: api.Ptr(0.0)}, Logprobs: api.Ptr(0)})
	if err != nil {
		t.Fatal(err)
	}
	lps := got.Choices[0].Logprobs.TokenLogprobs
	if len(lps) != len(want[0][0].LogProbs) {
		t.Fatalf("%d tokens, generate %d", len(lps), len(want[0][0].LogProbs))
	}
	for i, lp := range lps {
		if lp != want[0][0].LogProbs[i] {
			t.Errorf("token %d: log-probability %v, generate's %v", i, lp, want[0][0].LogProbs[i])
		}
	}
}

// A token's entry among the alternatives is its own log-probability, bit
// for bit: clients read either.
func TestTopLogprobsHoldEachTokensOwnLogprob(t *testing.T) {
	ts := start(t, serve.Config{ModelName: "m"})
	greedy := api.Sampling{Temperature: api.Ptr(0.0)}
	comp, err := ts.c.Completion(ctx(t), api.CompletionRequest{Model: "m", Prompt: api.Texts("The quick brown fox"), MaxTokens: api.Ptr(12),
		Sampling: greedy, Logprobs: api.Ptr(5)})
	if err != nil {
		t.Fatal(err)
	}
	l := comp.Choices[0].Logprobs
	for i, tok := range l.Tokens {
		if strings.ContainsRune(tok, utf8.RuneError) {
			continue // tokens holding part of a character share this text
		}
		if got, ok := l.TopLogprobs[i][tok]; !ok || got != l.TokenLogprobs[i] {
			t.Errorf("completion token %d %q: logprob %v, among the alternatives %v (%v)", i, tok, l.TokenLogprobs[i], got, ok)
		}
	}
	reply, err := ts.c.ChatCompletion(ctx(t), api.ChatCompletionRequest{Model: "m", MaxTokens: api.Ptr(12), Sampling: greedy,
		Logprobs: api.Ptr(true), TopLogprobs: api.Ptr(5), Messages: []api.Message{{Role: "user", Content: "Hello there"}}})
	if err != nil {
		t.Fatal(err)
	}
	for i, tl := range reply.Choices[0].Logprobs.Content {
		// Greedy: the token is the most likely one.
		if top := tl.TopLogprobs[0]; top.Token != tl.Token || top.Logprob != tl.Logprob {
			t.Errorf("chat token %d %q: logprob %v, most likely %q %v", i, tl.Token, tl.Logprob, top.Token, top.Logprob)
		}
	}
}
