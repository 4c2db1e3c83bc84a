// Package generate turns a language model into text: greedy decoding,
// sampling (temperature, top-k, top-p, repetition penalty), beam search,
// stop rules and streaming, shared by every model family of goformer
// through the Model interface.
package generate
