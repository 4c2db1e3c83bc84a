package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/goformer/goformer/examples/chat/quiz"
	"github.com/goformer/goformer/examples/internal/textbatch"
	"github.com/goformer/goformer/internal/atomicfile"
	"github.com/goformer/goformer/models/generate/chat"
	"github.com/goformer/goformer/models/gpt"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/models/lm"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/optim"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tokenize"
	"github.com/goformer/goformer/tokenize/bpe"
	"github.com/goformer/goformer/tokenize/pattern"
	"github.com/goformer/goformer/train"
)

// The special tokens of the quiz model: ChatML's turn markers, and the
// end of text that pads batches.
const (
	endOfText = "<|endoftext|>"
	imStart   = "<|im_start|>"
	imEnd     = "<|im_end|>"
)

// trainOptions configures the training of the default chat model.
type trainOptions struct {
	// Dir receives the model (Hugging Face layout, with its tokenizer and
	// chat template).
	Dir string
	// Rounds is the number of passes over the training facts that make
	// the conversations; Epochs the passes of training over them.
	Rounds, Epochs int
	// Steps, when positive, stops training after that many updates (a
	// short run).
	Steps int
	// The model: vocabulary, width, layers, heads and context (tokens),
	// and the training batch and peak learning rate.
	Vocab, Hidden, Layers, Heads, Context int
	Batch                                 int
	LR                                    float64
	// HeldOut is the fraction of each relation's facts never trained on.
	HeldOut float64
	Seed    uint64
	// Progress receives the training loop's progress.
	Progress io.Writer
}

func defaultTrainOptions() trainOptions {
	return trainOptions{
		Rounds: 8, Epochs: 7, Vocab: 1024, Hidden: 192, Layers: 2, Heads: 4, Context: 256,
		Batch: 8, LR: 2e-3, HeldOut: 0.1, Seed: 1,
	}
}

// example is one training sequence: packed conversations, with labels
// only on the assistant's turns (-100 elsewhere).
type example struct{ ids, labels []int }

// encodeConversation renders conv with tmpl and encodes it piece by piece,
// so that the labels cover exactly the assistant's replies (with the
// end-of-turn marker that teaches the model to stop).
func encodeConversation(tok *tokenize.Tokenizer, tmpl *chat.Template, conv []chat.Message) (example, error) {
	var ex example
	done := ""
	for k := 1; k <= len(conv); k++ {
		gen := conv[k-1].Role == "user"
		text, err := tmpl.Render(conv[:k], chat.Options{AddGenerationPrompt: gen && k < len(conv)})
		if err != nil {
			return ex, err
		}
		if !strings.HasPrefix(text, done) {
			return ex, fmt.Errorf("chat template: the rendering of %d messages does not start with that of %d", k, k-1)
		}
		enc, err := tok.EncodeWith(text[len(done):], nil, tokenize.EncodeOptions{NoSpecialTokens: true})
		if err != nil {
			return ex, err
		}
		label := conv[k-1].Role == "assistant"
		for _, id := range enc.IDs {
			ex.ids = append(ex.ids, id)
			if label {
				ex.labels = append(ex.labels, id)
			} else {
				ex.labels = append(ex.labels, -100)
			}
		}
		done = text
	}
	return ex, nil
}

// pack concatenates examples into sequences of at most n tokens.
func pack(exs []example, n int) []example {
	var out []example
	var cur example
	for _, e := range exs {
		if len(e.ids) > n {
			e = example{e.ids[:n], e.labels[:n]}
		}
		if len(cur.ids)+len(e.ids) > n {
			out = append(out, cur)
			cur = example{}
		}
		cur.ids = append(cur.ids, e.ids...)
		cur.labels = append(cur.labels, e.labels...)
	}
	if len(cur.ids) > 0 {
		out = append(out, cur)
	}
	return out
}

// quizTokenizer trains a byte-level BPE tokenizer (GPT-2's pre-tokenizer)
// on the conversations' messages, with the special tokens first.
func quizTokenizer(convs [][]chat.Message, vocab int) (*tokenize.Tokenizer, error) {
	var text strings.Builder
	text.WriteString("user\nassistant\nsystem\n")
	for _, c := range convs {
		for _, m := range c {
			text.WriteString(m.Content)
			text.WriteByte('\n')
		}
	}
	t := &tokenize.Tokenizer{PreTokenizer: tokenize.ByteLevel{Pattern: pattern.GPT2}, Decoder: tokenize.ByteLevelDecoder{}}
	err := t.TrainBPE(strings.NewReader(text.String()), bpe.TrainerConfig{
		VocabSize: vocab, MinFrequency: 2, SpecialTokens: []string{endOfText, imStart, imEnd},
		InitialAlphabet: bpe.ByteLevelAlphabet(), ByteLevel: true,
	})
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	return t, nil
}

// trainReport is what training measured.
type trainReport struct {
	Facts, HeldOut, Conversations, Sequences, Params int
	Steps                                            int
	Tokens                                           int64
	Loss                                             float64 // mean loss of the last epoch
	Duration                                         time.Duration
}

// trainQuizModel trains a small GPT-2 on conversations made from the quiz
// facts (the held-out ones excepted) and writes it to o.Dir as a Hugging
// Face model directory with its tokenizer, ChatML template and generation
// settings, loadable by auto.LoadCausalLM as any user's model.
func trainQuizModel(ctx context.Context, o trainOptions, w io.Writer) (*trainReport, error) {
	start := time.Now()
	if o.Dir == "" {
		return nil, errors.New("chat: no folder for the model")
	}
	facts, err := quiz.Facts()
	if err != nil {
		return nil, err
	}
	trainFacts, held := quiz.Split(facts, o.HeldOut, o.Seed)
	convs := dialogues(trainFacts, o.Rounds, o.Seed)
	tmpl, err := chat.Builtin("chatml")
	if err != nil {
		return nil, err
	}
	tok, err := quizTokenizer(convs, o.Vocab)
	if err != nil {
		return nil, err
	}
	exs := make([]example, len(convs))
	for i, c := range convs {
		if exs[i], err = encodeConversation(tok, tmpl, c); err != nil {
			return nil, err
		}
	}
	seqs := pack(exs, o.Context)
	rep := &trainReport{Facts: len(trainFacts), HeldOut: len(held), Conversations: len(convs), Sequences: len(seqs)}

	eot, _ := tok.TokenToID(endOfText)
	end, _ := tok.TokenToID(imEnd)
	c := gpt.DefaultConfig()
	inner := 4 * o.Hidden
	c.VocabSize, c.NPositions, c.NEmbd, c.NLayer, c.NHead, c.NInner = tok.VocabSize(), o.Context, o.Hidden, o.Layers, o.Heads, &inner
	c.ResidPdrop, c.EmbdPdrop, c.AttnPdrop = 0, 0, 0 // memorising facts: no dropout
	c.BosTokenID, c.EosTokenID, c.PadTokenID = eot, end, &eot
	gen := tensor.NewGenerator(o.Seed)
	model := gpt.NewLMHeadModel(c, gen)
	rep.Params = nn.NumParams(model)
	fmt.Fprintf(w, "training a GPT-2 (%d layers, width %d, %d heads, %.2fM parameters, BPE vocabulary %d) on %d conversations about %d quiz facts (%d facts held out), packed into %d sequences of up to %d tokens\n",
		o.Layers, o.Hidden, o.Heads, float64(rep.Params)/1e6, c.VocabSize, len(convs), len(trainFacts), len(held), len(seqs), o.Context)

	lengths := make([]int, len(seqs))
	for i, s := range seqs {
		lengths[i] = len(s.ids)
	}
	perEpoch := (len(seqs) + o.Batch - 1) / o.Batch
	total := o.Epochs * perEpoch
	if o.Steps > 0 {
		total = min(total, o.Steps)
	}
	opt := optim.New(optim.AdamW{Beta2: 0.98}, optim.DefaultGroups(nn.Trainable(model), o.LR, 0.01)...)
	opt.Schedule = optim.Cosine{Warmup: max(1, total/20), Total: total}
	opt.ClipNorm = 1
	res, err := train.Run(ctx, train.Config{
		Model: model, Optimizer: opt, Generator: gen,
		Lengths: lengths, BatchSize: o.Batch, Epochs: o.Epochs, MaxSteps: o.Steps, Seed: o.Seed,
		Loss: func(b train.Batch) (*tensor.Tensor, error) {
			return model.Forward(collate(seqs, b.Indices, eot)).Loss, nil
		},
		Name: "train chat model", Progress: o.Progress, Quiet: o.Progress == nil,
	})
	if err != nil {
		return nil, fmt.Errorf("chat: %w", err)
	}
	rep.Steps, rep.Tokens = res.Steps, res.Tokens
	if n := min(perEpoch, len(res.History.Loss)); n > 0 {
		for _, l := range res.History.Loss[len(res.History.Loss)-n:] {
			rep.Loss += l / float64(n)
		}
	}
	if err := saveChatModel(o.Dir, model, tok, tmpl); err != nil {
		return nil, err
	}
	rep.Duration = time.Since(start)
	fmt.Fprintf(w, "trained in %d steps (%d tokens, last-epoch loss %.3f) in %.0fs; wrote %s\n", rep.Steps, rep.Tokens, rep.Loss, rep.Duration.Seconds(), o.Dir)
	return rep, nil
}

// collate pads the sequences idx with pad (label -100) into a batch.
func collate(seqs []example, idx []int, pad int) lm.Inputs {
	ids, labels, rows := make([][]int, len(idx)), make([][]int, len(idx)), make([]int, len(idx))
	for r, i := range idx {
		ids[r], labels[r], rows[r] = seqs[i].ids, seqs[i].labels, r
	}
	in, mask := textbatch.Collate(ids, rows, pad)
	lab, _ := textbatch.Collate(labels, rows, -100)
	return lm.Inputs{IDs: in, Mask: mask, Labels: lab}
}

// saveChatModel writes the model directory: config.json and the weights,
// tokenizer.json, tokenizer_config.json with the chat template and the
// special tokens, and generation_config.json.
func saveChatModel(dir string, m *gpt.LMHeadModel, tok *tokenize.Tokenizer, tmpl *chat.Template) error {
	if err := m.Save(dir, hub.SaveOptions{Tokenizer: tok}); err != nil {
		return fmt.Errorf("chat: save %s: %w", dir, err)
	}
	return writeTokenizerConfig(dir, m.Config(), tmpl)
}

// writeTokenizerConfig writes tokenizer_config.json (the chat template and
// the special tokens) and generation_config.json for a model of
// configuration c.
func writeTokenizerConfig(dir string, c gpt.Config, tmpl *chat.Template) error {
	files := map[string]any{
		"tokenizer_config.json": map[string]any{
			"chat_template": tmpl.Source, "bos_token": endOfText, "eos_token": imEnd, "pad_token": endOfText,
			"model_max_length": c.NPositions,
		},
		"generation_config.json": map[string]any{
			"bos_token_id": c.BosTokenID, "eos_token_id": c.EosTokenID, "pad_token_id": *c.PadTokenID, "max_new_tokens": 48,
		},
	}
	for name, v := range files {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, name), append(b, '\n')); err != nil {
			return fmt.Errorf("chat: %w", err)
		}
	}
	return nil
}
