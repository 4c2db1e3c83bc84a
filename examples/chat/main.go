// Command chat is a multi-turn chat in the terminal: a chat template turns
// the conversation into the model's prompt, the reply streams token by
// token, and the model's KV cache is kept from turn to turn, so that a
// turn runs the model over the new message only, not over the
// conversation before it. When a conversation outgrows the model's
// context, its oldest exchanges are dropped (the system message is kept)
// and the cache is rebuilt.
//
// Usage:
//
//	go run ./examples/chat                           # the quiz model, trained on first use
//	go run ./examples/chat -model DIR|org/name       # a GPT-2, Llama, Qwen2... checkpoint
//	go run ./examples/chat -model M -template chatml -system "You are terse."
//
// Type a message and Enter; /reset starts a new conversation, /quit (or
// end of input) leaves. -stats prints after each reply how many tokens the
// turn ran through the model and how many came from the cache.
//
// With -model, any causal language model directory (or repository in
// the Hugging Face cache) that package models/auto loads is used with
// its own tokenizer and chat template (-template overrides it; a model
// without one, such as the original GPT-2, gets a plain "User:/Assistant:"
// form that stops at the end of a line) and its generation defaults
// (-temperature, -top-p, -top-k, -repetition-penalty override them).
//
// Without -model, the program uses a small GPT-2 (2 layers, width 192,
// 1.1M parameters, a byte-level BPE vocabulary of 1,024 tokens, ChatML
// template) that it trains, on first use, on conversations made from the
// quiz databases of BSD quiz(6) shipped in examples/chat/quiz (capitals of
// countries and US states, state abbreviations and flowers, chemical
// symbols and atomic numbers, collective nouns, young animals, feminine
// forms: 736 facts). Each fact becomes a question and an answer sentence
// ("What is the capital of Peru?" → "The capital of Peru is Lima.");
// conversations group one to three questions of a kind, later ones often
// asked as follow-ups whose meaning comes from the turn before ("And
// Chile?"), with some small talk; 8 passes over the facts make 2,707
// conversations, packed into sequences of 256 tokens and trained on for 7
// epochs with the loss on the assistant's turns only. 10% of each kind's
// facts are held out. The model is saved in the Hugging Face layout (under
// the user's cache folder, or -dir) and loaded back through models/auto as
// any user's model would be; the training then scores it through this same
// chat loop.
//
// What such a tiny model can do, measured (see the README; training took
// 297 s on 2 cores at load average 13): it answers 94.0% of the questions
// it was trained on correctly (a baseline naming each kind's most frequent
// answer: 2.0%), and 87.7% when asked as follow-ups that only the previous
// turn explains. It
// knows nothing else: asked about a held-out fact it keeps to the answer
// sentence 41% of the time (it garbles the unseen name it should copy)
// and names a wrong object (0% correct, as the baseline); anything
// outside the quiz gets a quiz-shaped answer. Its second turns ran 18.8
// tokens through the model on average, of prompts of 51.3.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/goformer/goformer/examples/chat/quiz"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/goformer/goformer/models/auto"
	"github.com/goformer/goformer/models/generate/chat"
	_ "github.com/goformer/goformer/models/gpt"   // model_type gpt2
	_ "github.com/goformer/goformer/models/llama" // model_types llama, qwen2
)

// config is what the flags say.
type config struct {
	model, dir, template, system string
	retrain, evaluate, stats     bool
	maxNew, context, topK        int
	temperature, topP, repPen    float64
	seed                         uint64
	train                        trainOptions
	evalN                        int
	// evalAfterTrain scores the quiz model after training it.
	evalAfterTrain bool
}

func main() {
	c := config{train: defaultTrainOptions(), evalAfterTrain: true}
	flag.StringVar(&c.model, "model", "", "a causal LM directory or Hugging Face name (org/name); empty: the quiz model")
	flag.StringVar(&c.dir, "dir", "", "folder of the quiz model (default: goformer/chat-quiz in the user's cache folder)")
	flag.BoolVar(&c.retrain, "retrain", false, "train the quiz model again even if -dir holds one")
	flag.BoolVar(&c.evaluate, "eval", false, "score the quiz model (also done after training) and exit")
	flag.StringVar(&c.template, "template", "", "chat template: a built-in name ("+strings.Join(chat.Names(), ", ")+") or a Jinja file; empty: the model's own")
	flag.StringVar(&c.system, "system", "", "system message")
	flag.IntVar(&c.maxNew, "max-new", 0, "most tokens per reply (0: the model's default, else 64)")
	flag.IntVar(&c.context, "context", 0, "tokens of context a turn may use (0: the model's length)")
	flag.Float64Var(&c.temperature, "temperature", -1, "sampling temperature (0: greedy; negative: the model's default)")
	flag.Float64Var(&c.topP, "top-p", -1, "nucleus sampling (negative: the model's default)")
	flag.IntVar(&c.topK, "top-k", -1, "top-k sampling (negative: the model's default)")
	flag.Float64Var(&c.repPen, "repetition-penalty", -1, "repetition penalty (negative: the model's default)")
	flag.Uint64Var(&c.seed, "seed", 1, "seed of sampling and of the quiz model's training")
	flag.BoolVar(&c.stats, "stats", false, "print the tokens each turn ran and reused")
	flag.IntVar(&c.train.Rounds, "rounds", c.train.Rounds, "quiz model: passes over the facts that make the training conversations")
	flag.IntVar(&c.train.Epochs, "epochs", c.train.Epochs, "quiz model: training epochs")
	flag.IntVar(&c.train.Layers, "layers", c.train.Layers, "quiz model: layers")
	flag.IntVar(&c.train.Hidden, "hidden", c.train.Hidden, "quiz model: width")
	flag.IntVar(&c.train.Batch, "batch", c.train.Batch, "quiz model: sequences per batch")
	flag.Float64Var(&c.train.LR, "lr", c.train.LR, "quiz model: peak learning rate")
	flag.IntVar(&c.evalN, "eval-n", 200, "quiz model: trained facts asked in the evaluation")
	flag.Parse()
	c.train.Seed = c.seed
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, c, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

// run loads (or trains) the model and holds the conversation on in and
// out; notes go to errw.
func run(ctx context.Context, c config, in io.Reader, out, errw io.Writer) error {
	name := c.model
	useQuiz, trained := name == "", false
	if useQuiz {
		dir, err := quizDir(c.dir)
		if err != nil {
			return err
		}
		name = dir
		_, statErr := os.Stat(filepath.Join(dir, "config.json"))
		if c.retrain || statErr != nil {
			o := c.train
			o.Dir, o.Progress = dir, errw
			if _, err := trainQuizModel(ctx, o, errw); err != nil {
				return err
			}
			trained = true
		}
	}
	start := time.Now()
	m, err := auto.LoadCausalLM(name, auto.Options{})
	if err != nil {
		return err
	}
	fmt.Fprintf(errw, "loaded %s (%s) in %.1fs\n", name, m.Dir.ModelType, time.Since(start).Seconds())
	s := NewSession(m)
	if err := configure(s, c); err != nil {
		return err
	}
	if useQuiz && (c.evaluate || trained && c.evalAfterTrain) {
		facts, err := quiz.Facts()
		if err != nil {
			return err
		}
		trainFacts, held := quiz.Split(facts, c.train.HeldOut, c.train.Seed)
		start := time.Now()
		rep, err := evaluate(ctx, s, trainFacts, held, c.evalN, c.seed)
		if err != nil {
			return err
		}
		rep.print(errw)
		fmt.Fprintf(errw, "evaluated in %.0fs\n", time.Since(start).Seconds())
		if c.evaluate {
			return nil
		}
	}
	return converse(ctx, s, in, out, errw, c.stats)
}

// quizDir returns the quiz model's folder.
func quizDir(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no -dir and no cache folder: %w", err)
	}
	return filepath.Join(cache, "goformer", "chat-quiz"), nil
}

// plainTemplate is the form given to models without a chat template: a
// transcript whose reply ends at the end of its line.
const plainTemplate = "{% for message in messages %}{% if message['role'] == 'system' %}{{ message['content'] + '\\n\\n' }}{% elif message['role'] == 'user' %}{{ 'User: ' + message['content'] + '\\n' }}{% else %}{{ 'Assistant:' + message['content'] + '\\n' }}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}"

// configure applies the template and generation flags to the session.
func configure(s *Session, c config) error {
	m := s.LM
	switch {
	case c.template != "":
		t, err := chat.Builtin(c.template)
		if err != nil {
			src, ferr := os.ReadFile(c.template)
			if ferr != nil {
				return fmt.Errorf("-template %q is neither a built-in form nor a readable file: %w", c.template, err)
			}
			if t, err = chat.Parse(string(src)); err != nil {
				return err
			}
			if m.Chat != nil {
				t.BOS, t.EOS, t.Stop = m.Chat.BOS, m.Chat.EOS, m.Chat.Stop
			}
		}
		m.Chat = t
	case m.Chat == nil:
		t, err := chat.Parse(plainTemplate)
		if err != nil {
			return err
		}
		t.Stop = []string{"\n"}
		m.Chat = t
	}
	o := m.Defaults() // the stop tokens now include the template's markers
	for _, stop := range m.Chat.Stop {
		if _, ok := m.Tokenizer.TokenToID(stop); !ok {
			o.StopStrings = append(o.StopStrings, stop)
		}
	}
	if c.maxNew > 0 {
		o.MaxNewTokens = c.maxNew
	} else if o.MaxNewTokens == 0 {
		o.MaxNewTokens = 64
	}
	if c.temperature >= 0 {
		o.Temperature = c.temperature
	}
	if c.topP >= 0 {
		o.TopP = c.topP
	}
	if c.topK >= 0 {
		o.TopK = c.topK
	}
	if c.repPen >= 0 {
		o.RepetitionPenalty = c.repPen
	}
	o.Seed, o.Beams = c.seed, 0
	s.Options, s.Context, s.System = o, c.context, c.system
	return nil
}

// converse reads messages from in, one a line, and streams the replies to
// out.
func converse(ctx context.Context, s *Session, in io.Reader, out, errw io.Writer, stats bool) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	fmt.Fprint(out, "> ")
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch line {
		case "":
			fmt.Fprint(out, "> ")
			continue
		case "/quit", "/exit":
			return nil
		case "/reset":
			s.Reset()
			fmt.Fprint(out, "(new conversation)\n> ")
			continue
		}
		start := time.Now()
		_, err := s.Send(ctx, line, out)
		switch {
		case errors.Is(err, ErrTooLong):
			fmt.Fprintf(out, "(%v)\n> ", err)
			continue
		case err != nil:
			return err
		}
		fmt.Fprintln(out)
		st := s.Stats
		if st.Dropped > 0 {
			fmt.Fprintf(errw, "(context full: dropped the %d oldest messages)\n", st.Dropped)
		}
		if stats {
			fmt.Fprintf(errw, "[ran %d tokens, %d from the cache, generated %d in %.2fs]\n", st.Prefill, st.Reused, st.Generated, time.Since(start).Seconds())
		}
		fmt.Fprint(out, "> ")
	}
	if err := sc.Err(); err != nil {
		return err
	}
	fmt.Fprintln(out)
	return nil
}
