package generate

import "github.com/goformer/goformer/tensor"

// Cache is the decoding state of a batch of sequences: the keys and values
// of every layer for the tokens seen so far (and, for an encoder-decoder,
// the encoder's output). Its layout belongs to the model; generation only
// asks how long it is and reorders its rows.
type Cache interface {
	// Len returns the number of positions held per sequence (padding
	// included).
	Len() int
	// Reorder keeps, for each new batch row i, the state of old row
	// index[i] (a 1-D Int32 tensor): rows may repeat (a beam forks, or a
	// prompt is expanded into several beams or samples) and the batch may
	// grow or shrink. It is valid on an empty cache.
	Reorder(index *tensor.Tensor)
}

// Model is a language model seen one decoding step at a time: a
// decoder-only family (GPT-2, Llama), or an encoder-decoder bound to one
// encoded batch of sources. Every family of the library implements it, so
// one generation loop serves them all.
//
// A model may also have the methods VocabSize() int and MaxLen() int (the
// longest sequence it takes, prompt included; 0 for no limit): Generate
// then rejects prompts with tokens outside the vocabulary or too long with
// an error, and ends each sequence at the model's length (FinishLength),
// instead of letting the model panic.
type Model interface {
	// NewCache returns an empty decoding state for a batch of batch
	// sequences.
	NewCache(batch int) Cache
	// Step runs the model over ids [B, T] (Int32), the tokens that follow
	// those held by cache, appends their keys and values to cache, and
	// returns the logits of the last position of each row, [B, V].
	//
	// mask [B, cache.Len()+T] (Int32) marks real tokens with 1 and padding
	// with 0 over every position held after the step, as Hugging Face's
	// attention_mask; nil means no padding. A model derives position ids
	// from it (the count of real tokens before each one), so that a
	// left-padded row is positioned as if it were alone.
	Step(ids, mask *tensor.Tensor, cache Cache) *tensor.Tensor
}
