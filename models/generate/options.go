package generate

import (
	"errors"
	"fmt"
	"math"
)

// DefaultMaxNewTokens is the number of tokens generated when
// Options.MaxNewTokens is zero, as Hugging Face's default max_length.
const DefaultMaxNewTokens = 20

// NoLengthPenalty is the LengthPenalty that ranks beams by the plain sum of
// their log-probabilities: n^NoLengthPenalty is exactly 1 in float64 for
// every length n (LengthPenalty's zero value means Hugging Face's default,
// 1).
const NoLengthPenalty = math.SmallestNonzeroFloat64

// EarlyStopping is when beam search stops looking for better hypotheses,
// as Hugging Face's early_stopping. The zero value is Hugging Face's
// default (False).
type EarlyStopping int

const (
	// StopHeuristic stops a prompt's search once no open beam can beat
	// its worst finished hypothesis, judged by the score the best open
	// beam would have if it ended now (early_stopping=False).
	StopHeuristic EarlyStopping = iota
	// StopWhenFull stops as soon as Beams hypotheses have finished
	// (early_stopping=True).
	StopWhenFull
	// StopNever stops only when no open beam can possibly beat the worst
	// finished hypothesis, whatever its length up to the limit
	// (early_stopping="never", the canonical beam search).
	StopNever
)

func (e EarlyStopping) String() string {
	switch e {
	case StopHeuristic:
		return "heuristic"
	case StopWhenFull:
		return "when-full"
	case StopNever:
		return "never"
	}
	return fmt.Sprintf("EarlyStopping(%d)", int(e))
}

// FinishReason says why a sequence ended.
type FinishReason int

const (
	// FinishLength: MaxNewTokens were generated (or the model's longest
	// sequence was reached).
	FinishLength FinishReason = iota
	// FinishStopToken: the last token is one of Options.StopTokens.
	FinishStopToken
	// FinishStopString: the text of the generated tokens contains one of
	// Options.StopStrings.
	FinishStopString
)

func (f FinishReason) String() string {
	switch f {
	case FinishLength:
		return "length"
	case FinishStopToken:
		return "stop token"
	case FinishStopString:
		return "stop string"
	}
	return fmt.Sprintf("FinishReason(%d)", int(f))
}

// Decoder turns token ids into text; *tokenize.Tokenizer implements it.
type Decoder interface {
	Decode(ids []int, skipSpecial bool) (string, error)
}

// Options configure Generate. The zero value decodes greedily for
// DefaultMaxNewTokens tokens with no stop rule; set Temperature to sample,
// Beams to search.
type Options struct {
	// MaxNewTokens is the most tokens generated per sequence (0:
	// DefaultMaxNewTokens). A model that reports its longest sequence
	// (MaxLen) caps it further.
	MaxNewTokens int
	// MinNewTokens forbids the stop tokens until that many tokens have
	// been generated.
	MinNewTokens int

	// Temperature 0 decodes greedily (or by beam search); a positive
	// temperature samples from the model's distribution with its scores
	// divided by Temperature (1 samples from the distribution itself).
	Temperature float64
	// TopK, when positive, samples among the TopK most likely tokens only.
	TopK int
	// TopP, in (0, 1), samples among the smallest set of most likely
	// tokens whose probability exceeds TopP (0 or 1: off).
	TopP float64
	// RepetitionPenalty above 1 discourages tokens already in the
	// sequence (0 or 1: off).
	RepetitionPenalty float64
	// NoRepeatNGram, when positive, forbids repeating any n-gram of that
	// size (prompt included).
	NoRepeatNGram int

	// Seed seeds sampling. Each sequence draws from its own stream, keyed
	// by its prompt's seed and its sample number, so a prompt gives the
	// same samples alone or in any batch.
	Seed uint64
	// Seeds, when set, gives each prompt its own seed instead of Seed; it
	// must have one seed per prompt.
	Seeds []uint64
	// NumReturnSequences is how many sequences to return per prompt (0:
	// 1): independent samples when sampling, the best beams when
	// searching (at most Beams). Greedy decoding returns one.
	NumReturnSequences int

	// Beams above 1 runs beam search with that many beams per prompt.
	Beams int
	// LengthPenalty is the exponent α of beam search's length
	// normalization: a finished hypothesis scores (Σ log p) / nᵅ with n
	// its generated length. 0 means Hugging Face's default, 1; use
	// NoLengthPenalty for α = 0; α < 0 favours short hypotheses.
	LengthPenalty float64
	// EarlyStopping is beam search's stopping rule.
	EarlyStopping EarlyStopping

	// StopTokens end a sequence when generated (the end-of-sequence
	// tokens); the stop token is kept as the last token of the sequence.
	StopTokens []int
	// StopStrings end a sequence once the text of its generated tokens
	// contains one of them; the tokens are kept (cut the text with
	// CutStop). They need Decoder.
	StopStrings []string
	// Decoder turns generated tokens into text for StopStrings.
	Decoder Decoder
	// PadToken is the token fed for left padding; its value does not
	// matter to a model that honours the mask.
	PadToken int

	// Stream, when set, is called after every step of greedy decoding or
	// sampling with each sequence's new token, in order; an error it
	// returns stops generation and is returned. (Beam search has no token
	// of its own to report until it ends; it does not stream.)
	Stream func(Token) error
}

// Token is one generated token, as Options.Stream reports it.
type Token struct {
	Prompt, Sample int // the prompt's index, and the sample's among NumReturnSequences
	Index          int // the token's position among the generated tokens
	ID             int
	LogProb        float64 // log-probability under the model's distribution
	// Finished is true when this token ends the sequence; Finish then
	// says why.
	Finished bool
	Finish   FinishReason
}

// Sequence is one generated sequence.
type Sequence struct {
	// Tokens are the generated tokens (the prompt excluded), ending with
	// the stop token when one stopped the sequence.
	Tokens []int
	// LogProbs holds, for greedy decoding and sampling, each token's
	// log-probability under the model's distribution (its raw logits,
	// before any processor); nil for beam search.
	LogProbs []float64
	// Score is the sum of LogProbs, or for beam search the hypothesis'
	// length-normalized score, as Hugging Face's sequences_scores.
	Score float64
	// Finish says why the sequence ended; Stop is the stop string found
	// when Finish is FinishStopString.
	Finish FinishReason
	Stop   string
}

// ErrStopStringsNeedDecoder is returned when Options.StopStrings are set
// without Options.Decoder.
var ErrStopStringsNeedDecoder = errors.New("generate: stop strings need a Decoder")

// check validates o against nPrompts prompts and returns it with defaults
// filled in.
func (o Options) check(nPrompts int) (Options, error) {
	bad := func(format string, a ...any) (Options, error) {
		return o, fmt.Errorf("generate: "+format, a...)
	}
	switch {
	case o.MaxNewTokens < 0:
		return bad("MaxNewTokens %d is negative", o.MaxNewTokens)
	case o.MinNewTokens < 0:
		return bad("MinNewTokens %d is negative", o.MinNewTokens)
	case o.Temperature < 0 || math.IsNaN(o.Temperature) || math.IsInf(o.Temperature, 0):
		return bad("Temperature %v must be 0 (greedy) or positive", o.Temperature)
	case o.TopK < 0:
		return bad("TopK %d is negative", o.TopK)
	case o.TopP < 0 || o.TopP > 1 || math.IsNaN(o.TopP):
		return bad("TopP %v is outside [0, 1]", o.TopP)
	case o.RepetitionPenalty < 0 || math.IsNaN(o.RepetitionPenalty) || math.IsInf(o.RepetitionPenalty, 0):
		return bad("RepetitionPenalty %v must be positive", o.RepetitionPenalty)
	case o.NoRepeatNGram < 0:
		return bad("NoRepeatNGram %d is negative", o.NoRepeatNGram)
	case o.NumReturnSequences < 0:
		return bad("NumReturnSequences %d is negative", o.NumReturnSequences)
	case o.Beams < 0:
		return bad("Beams %d is negative", o.Beams)
	case math.IsNaN(o.LengthPenalty) || math.IsInf(o.LengthPenalty, 0):
		return bad("LengthPenalty %v is not finite", o.LengthPenalty)
	case o.EarlyStopping < StopHeuristic || o.EarlyStopping > StopNever:
		return bad("unknown EarlyStopping %d", int(o.EarlyStopping))
	case o.Seeds != nil && len(o.Seeds) != nPrompts:
		return bad("%d seeds for %d prompts", len(o.Seeds), nPrompts)
	case len(o.StopStrings) > 0 && o.Decoder == nil:
		return o, ErrStopStringsNeedDecoder
	}
	for _, s := range o.StopStrings {
		if s == "" {
			return bad("empty stop string")
		}
	}
	if o.MaxNewTokens == 0 {
		o.MaxNewTokens = DefaultMaxNewTokens
	}
	if o.NumReturnSequences == 0 {
		o.NumReturnSequences = 1
	}
	if o.Beams == 0 {
		o.Beams = 1
	}
	if o.LengthPenalty == 0 {
		o.LengthPenalty = 1
	}
	switch {
	case o.Beams > 1 && o.Temperature > 0:
		return bad("beam search with sampling (Beams %d, Temperature %v) is not supported", o.Beams, o.Temperature)
	case o.Beams > 1 && o.NumReturnSequences > o.Beams:
		return bad("NumReturnSequences %d is more than Beams %d", o.NumReturnSequences, o.Beams)
	case o.Beams == 1 && o.Temperature == 0 && o.NumReturnSequences > 1:
		return bad("greedy decoding returns one sequence, not NumReturnSequences %d (sample, or search with Beams)", o.NumReturnSequences)
	case o.Beams > 1 && o.Stream != nil:
		return bad("beam search does not stream")
	case o.Beams > 1 && len(o.StopStrings) > 0:
		return bad("beam search takes stop tokens, not stop strings")
	}
	return o, nil
}

// Sampling reports whether o samples (a positive Temperature).
func (o Options) Sampling() bool { return o.Temperature > 0 }

// Processors returns the chain Generate applies to each sequence's scores
// before it picks the next token, in Hugging Face's order: repetition
// penalty, no-repeat n-gram, minimum new tokens, then, when sampling,
// temperature, top-k and top-p. minKeep is the fewest tokens top-k and
// top-p keep (1; Hugging Face uses 2 when sampling with beams).
func (o Options) Processors(minKeep int) Chain {
	var c Chain
	if p := o.RepetitionPenalty; p != 0 && p != 1 {
		c = append(c, RepetitionPenalty(p))
	}
	if o.NoRepeatNGram > 0 {
		c = append(c, NoRepeatNGram(o.NoRepeatNGram))
	}
	if o.MinNewTokens > 0 && len(o.StopTokens) > 0 {
		c = append(c, MinNewTokens{N: o.MinNewTokens, Tokens: o.StopTokens})
	}
	if o.Sampling() {
		if o.Temperature != 1 {
			c = append(c, Temperature(o.Temperature))
		}
		if o.TopK > 0 {
			c = append(c, TopK{K: o.TopK, MinKeep: minKeep})
		}
		if o.TopP > 0 && o.TopP < 1 {
			c = append(c, TopP{P: o.TopP, MinKeep: minKeep})
		}
	}
	return c
}
