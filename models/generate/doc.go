// Package generate turns a language model into text: greedy decoding,
// sampling (temperature, top-k, top-p, repetition penalty, no-repeat
// n-grams, minimum length), beam search (length penalty, early stopping,
// several returned sequences), stop tokens and stop strings, streaming,
// and batches of prompts of different lengths, shared by every model
// family of goformer through the Model interface. Chat templates turn a
// conversation into a prompt for the decoder families.
//
// # Getting started
//
// Any model that implements Model (models/gpt, models/llama, an encoder-
// decoder of models/seq2seq bound to its sources) generates with one call:
//
//	ids, _ := tok.EncodeIDs("Once upon a time")
//	out, err := generate.Generate(ctx, model, [][]int{ids}, generate.Options{
//		MaxNewTokens: 64,
//		Temperature:  0.8, TopP: 0.95, Seed: 1, // 0 temperature: greedy
//		StopTokens:   []int{eos},
//	})
//	text, _ := tok.Decode(out[0][0].Tokens, true)
//
// Options' zero value decodes greedily; a positive Temperature samples;
// Beams > 1 searches. Options.Stream receives every token as it is
// chosen, and TextStream turns a sequence's tokens into printable text as
// they come (whole UTF-8 characters, stop strings held back).
//
// # How it works
//
// The prompts run as one batch, left-padded to the longest, with an
// attention mask from which the model derives each row's positions, so a
// row gets the tokens it would get alone. After the prompt (one Step over
// it, filling the Cache), each step feeds the last token of every running
// sequence; finished sequences leave the batch (Cache.Reorder). Each
// sequence's logits go through a chain of small Processors, in the order
// Hugging Face's generate applies them — RepetitionPenalty, NoRepeatNGram,
// MinNewTokens, then when sampling Temperature, TopK, TopP — before the
// argmax or the draw. A server that runs its own loop (requests joining
// and leaving one batch, each with its own options) drives one Run per
// sequence: it holds the sequence's processors, random stream and stop
// rules, and takes the model's logits for that sequence at each step;
// Picker and the processors are public too.
//
// The results are those of Hugging Face transformers' generate, token for
// token, for greedy decoding and beam search (testdata/gen_generate.py
// implements its algorithms and the tests compare). Sampling cannot
// reproduce torch.multinomial's random stream; it draws instead from a
// counter-based generator keyed by the prompt's seed, the sample's number
// and the step, so a sequence's samples do not depend on the batch it runs
// in. Two deliberate differences: the repetition penalty and the no-repeat
// rule ignore padding (Hugging Face's penalize the padding token of a
// left-padded prompt), and stop strings are searched in the generated
// text only, not across the end of the prompt.
//
// Package gentest has a small deterministic Model for tests.
package generate
