package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/goformer/goformer/models/auto"
	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/generate/chat"
	"github.com/goformer/goformer/models/hub"

	// The families auto.LoadCausalLM reads.
	_ "github.com/goformer/goformer/models/gpt"
	_ "github.com/goformer/goformer/models/llama"
)

func init() {
	register(command{
		name:    "generate",
		summary: "generate text with a causal language model (a directory or org/name)",
		run:     runGenerate,
	})
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

const generateHelp = `usage: goformer generate -model DIR|org/name -prompt TEXT [flags]

Continues the prompt with the model and prints the text as it is generated.
The model is a Hugging Face directory or a repository name found in (or
downloaded into) the local Hugging Face cache. Sampling defaults come from
the model's generation_config.json; flags override them. -temperature 0
decodes greedily; -beams N searches. With -chat the prompt is a user message
rendered with the model's chat template.

flags:
`

func runGenerate(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("generate", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, generateHelp); fs.PrintDefaults() }
	model := fs.String("model", "", "model directory or hub repository org/name (required)")
	prompt := fs.String("prompt", "", "the prompt; - reads it from stdin (required)")
	chatMode := fs.Bool("chat", false, "treat the prompt as a user message and apply the chat template")
	system := fs.String("system", "", "system message for -chat")
	maxNew := fs.Int("max-new-tokens", 128, "most tokens to generate")
	minNew := fs.Int("min-new-tokens", 0, "fewest tokens before a stop token may end the text")
	temperature := fs.Float64("temperature", 0, "sampling temperature; 0 decodes greedily")
	topK := fs.Int("top-k", 0, "sample among the k most likely tokens (0: all)")
	topP := fs.Float64("top-p", 0, "sample among the most likely tokens holding this probability (0 or 1: all)")
	repetition := fs.Float64("repetition-penalty", 0, "penalize tokens already present (>1; 0 or 1: off)")
	noRepeat := fs.Int("no-repeat-ngram", 0, "forbid repeating n-grams of this size (0: off)")
	seed := fs.Uint64("seed", 0, "sampling seed")
	beams := fs.Int("beams", 0, "beam search with this many beams (0 or 1: off)")
	lengthPenalty := fs.Float64("length-penalty", 1, "beam search length exponent (1: mean log-probability, 0: sum)")
	earlyStopping := fs.String("early-stopping", "heuristic", "beam search stopping: heuristic, true (when full) or never")
	numReturn := fs.Int("num-return", 1, "sequences to print (samples, or the best beams)")
	var stops stringList
	fs.Var(&stops, "stop", "stop when the text contains this string (repeatable)")
	offline := fs.Bool("offline", false, "never download; use the local cache only")
	revision := fs.String("revision", "", "hub revision: branch, tag or commit (default main)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected arguments %q", fs.Args())
	}
	if *model == "" || *prompt == "" {
		return badUsage(errors.New("-model and -prompt are required"), fs.Usage)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	text := *prompt
	if text == "-" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return fmt.Errorf("read the prompt: %w", err)
		}
		text = string(b)
	}

	lm, err := auto.LoadCausalLM(*model, auto.Options{Hub: hub.Options{Offline: *offline, Revision: *revision}})
	if err != nil {
		return err
	}
	var ids []int
	if *chatMode {
		var msgs []chat.Message
		if *system != "" {
			msgs = append(msgs, chat.Message{Role: "system", Content: *system})
		}
		ids, err = lm.ChatPrompt(append(msgs, chat.Message{Role: "user", Content: text}))
	} else {
		if *system != "" {
			return usageErrorf("-system needs -chat")
		}
		ids, err = lm.Encode(text)
	}
	if err != nil {
		return err
	}

	o := lm.Defaults()
	if o.MaxNewTokens == 0 || set["max-new-tokens"] {
		o.MaxNewTokens = *maxNew
	}
	o.MinNewTokens = *minNew
	if set["temperature"] {
		o.Temperature = *temperature
		if *temperature == 0 {
			o.TopK, o.TopP = 0, 0
		}
	}
	if set["top-k"] {
		o.TopK = *topK
	}
	if set["top-p"] {
		o.TopP = *topP
	}
	if set["repetition-penalty"] {
		o.RepetitionPenalty = *repetition
	}
	if set["no-repeat-ngram"] {
		o.NoRepeatNGram = *noRepeat
	}
	o.Seed = *seed
	if set["beams"] {
		o.Beams = *beams
		if *beams > 1 && !set["temperature"] {
			o.Temperature, o.TopK, o.TopP = 0, 0, 0
		}
	}
	if set["length-penalty"] {
		o.LengthPenalty = *lengthPenalty
		if *lengthPenalty == 0 {
			o.LengthPenalty = generate.NoLengthPenalty
		}
	}
	switch *earlyStopping {
	case "heuristic", "false":
		o.EarlyStopping = generate.StopHeuristic
	case "true", "when-full":
		o.EarlyStopping = generate.StopWhenFull
	case "never":
		o.EarlyStopping = generate.StopNever
	default:
		return usageErrorf("-early-stopping %q: want heuristic, true or never", *earlyStopping)
	}
	o.NumReturnSequences = *numReturn
	o.StopStrings = stops

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()

	// One greedy or sampled sequence streams; several, or beams, print at
	// the end.
	streaming := o.Beams <= 1 && o.NumReturnSequences <= 1
	var streamErr error
	if streaming {
		ts := &generate.TextStream{Decoder: lm.Tokenizer, SkipSpecial: true, Stops: stops}
		o.Stream = func(tok generate.Token) error {
			piece, err := ts.Push(tok.ID)
			if err == nil && tok.Finished {
				var rest string
				rest, err = ts.Flush()
				piece += rest
			}
			if err != nil {
				return err
			}
			_, streamErr = io.WriteString(stdout, piece)
			return streamErr
		}
	}
	out, err := generate.Generate(ctx, lm.Model, [][]int{ids}, o)
	if err != nil {
		if streaming {
			fmt.Fprintln(stdout)
		}
		return err
	}
	if streaming {
		fmt.Fprintln(stdout)
		return nil
	}
	for i, s := range out[0] {
		text, err := lm.Text(s)
		if err != nil {
			return err
		}
		if len(out[0]) > 1 {
			fmt.Fprintf(stdout, "--- %d (score %.4f, %s)\n", i+1, s.Score, s.Finish)
		}
		fmt.Fprintln(stdout, text)
	}
	return nil
}
