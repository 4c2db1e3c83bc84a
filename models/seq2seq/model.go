package seq2seq

import (
	"fmt"

	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/transformer"
)

// IgnoreIndex is the label that the loss skips (padding of the targets),
// as in Hugging Face and PyTorch.
const IgnoreIndex = -100

// Model is an encoder-decoder: *Transformer and *T5 implement it. Encode
// and Decode are the two halves of a forward pass; Bind turns a model and
// a batch of sources into a generate.Model for cached decoding.
type Model interface {
	// Encode maps source ids [B, S] (Int32) and their attention mask
	// [B, S] (1 = token, 0 = padding; nil: no padding) to the encoder's
	// output [B, S, Dim].
	Encode(ids, mask *tensor.Tensor) *tensor.Tensor
	// Decode runs the decoder over target ids [B, T] (Int32) given the
	// encoder's output memory [B, S, Dim] and its mask memoryMask [B, S]
	// (nil: no padding), and returns the logits [B, T, Vocab]. mask
	// [B, cache.Len()+T] marks the real target tokens (nil: no padding).
	// With a cache (created empty and passed at every step) ids are the
	// tokens that follow those the cache holds; their keys and values
	// are appended to it.
	Decode(ids, mask, memory, memoryMask *tensor.Tensor, cache *transformer.Cache) *tensor.Tensor
	// Special returns the model's special token ids.
	Special() Special
	// VocabSize returns the number of token ids.
	VocabSize() int
	// MaxLen returns the most decoder positions the model takes (0: no
	// limit, as T5's relative positions have none).
	MaxLen() int
}

// Special holds the special token ids of a model, as its config.json
// names them.
type Special struct {
	Pad          int // pad_token_id: padding of sources and decoder inputs
	EOS          int // eos_token_id: end of a sequence
	DecoderStart int // decoder_start_token_id: the first decoder input
}

// Inputs is a teacher-forced batch, as the arguments of Hugging Face's
// forward: input_ids, attention_mask, decoder_input_ids,
// decoder_attention_mask and labels.
type Inputs struct {
	// IDs are the source ids [B, S] (Int32).
	IDs *tensor.Tensor
	// Mask is the source attention mask [B, S] (1 = token; nil: none).
	Mask *tensor.Tensor
	// DecoderIDs are the decoder inputs [B, T] (Int32); nil: the labels
	// shifted right (ShiftRight).
	DecoderIDs *tensor.Tensor
	// DecoderMask is the decoder attention mask [B, T] (nil: none).
	DecoderMask *tensor.Tensor
	// Labels are the targets [B, T] (Int32), IgnoreIndex where no loss
	// is wanted; nil: no loss.
	Labels *tensor.Tensor
}

// Output is the result of a forward pass.
type Output struct {
	// Logits are [B, T, Vocab].
	Logits *tensor.Tensor
	// Loss is the mean cross-entropy over the labels that are not
	// IgnoreIndex (a scalar), or nil without labels.
	Loss *tensor.Tensor
	// Encoded is the encoder's output [B, S, Dim].
	Encoded *tensor.Tensor
}

// Forward runs m over a teacher-forced batch: it encodes the sources,
// decodes the decoder inputs (the labels shifted right when none are
// given) and, with labels, computes the loss. Call Backward on the loss to
// train.
func Forward(m Model, in Inputs) Output {
	if in.IDs == nil {
		panic("seq2seq: Forward: nil source ids")
	}
	dec := in.DecoderIDs
	if dec == nil {
		if in.Labels == nil {
			panic("seq2seq: Forward: neither decoder ids nor labels")
		}
		sp := m.Special()
		dec = ShiftRight(in.Labels, sp.DecoderStart, sp.Pad)
	}
	if in.Labels != nil && !equalShape(in.Labels.Shape(), dec.Shape()) {
		panic(fmt.Sprintf("seq2seq: Forward: labels %v and decoder ids %v differ in shape", in.Labels.Shape(), dec.Shape()))
	}
	memory := m.Encode(in.IDs, in.Mask)
	logits := m.Decode(dec, in.DecoderMask, memory, in.Mask, nil)
	out := Output{Logits: logits, Encoded: memory}
	if in.Labels != nil {
		out.Loss = tensor.CrossEntropy(logits, in.Labels.To(logits.Device()), tensor.IgnoreIndex(IgnoreIndex))
	}
	return out
}

// ShiftRight returns the decoder inputs of teacher forcing for labels
// [B, T] (Int32), as Hugging Face's shift_right: each row starts with
// start and continues with the labels but the last, with IgnoreIndex
// replaced by pad.
func ShiftRight(labels *tensor.Tensor, start, pad int) *tensor.Tensor {
	if labels.Rank() != 2 || labels.DType() != tensor.Int32 {
		panic(fmt.Sprintf("seq2seq: ShiftRight: labels must be [B, T] int32, not %s %v", labels.DType(), labels.Shape()))
	}
	b, t := labels.Dim(0), labels.Dim(1)
	src := labels.Int32s()
	out := make([]int32, b*t)
	for i := range b {
		for j := range t {
			v := int32(start)
			if j > 0 {
				v = src[i*t+j-1]
			}
			if v == IgnoreIndex {
				v = int32(pad)
			}
			out[i*t+j] = v
		}
	}
	return tensor.FromSlice(out, b, t).To(labels.Device())
}

func equalShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkIDs panics unless ids is [B, T] Int32 (and mask, when given,
// [B, n] with n = T + past).
func checkIDs(op string, ids, mask *tensor.Tensor, past int) {
	if ids == nil || ids.Rank() != 2 || ids.DType() != tensor.Int32 {
		if ids == nil {
			panic(fmt.Sprintf("seq2seq: %s: nil ids", op))
		}
		panic(fmt.Sprintf("seq2seq: %s: ids must be [B, T] int32, not %s %v", op, ids.DType(), ids.Shape()))
	}
	if mask != nil && (mask.Rank() != 2 || mask.Dim(0) != ids.Dim(0) || mask.Dim(1) != past+ids.Dim(1)) {
		panic(fmt.Sprintf("seq2seq: %s: mask of shape %v, want [B, %d] for ids %v after %d cached tokens", op, mask.Shape(), past+ids.Dim(1), ids.Shape(), past))
	}
}

// checkMemory panics unless memory is [B, S, dim] and memoryMask, when
// given, [B, S].
func checkMemory(op string, memory, memoryMask *tensor.Tensor, b, dim int) {
	if memory == nil {
		panic(fmt.Sprintf("seq2seq: %s: nil encoder output", op))
	}
	if memory.Rank() != 3 || memory.Dim(0) != b || memory.Dim(2) != dim {
		panic(fmt.Sprintf("seq2seq: %s: encoder output of shape %v, want [%d, S, %d]", op, memory.Shape(), b, dim))
	}
	if memoryMask != nil && (memoryMask.Rank() != 2 || memoryMask.Dim(0) != b || memoryMask.Dim(1) != memory.Dim(1)) {
		panic(fmt.Sprintf("seq2seq: %s: source mask of shape %v, want [%d, %d]", op, memoryMask.Shape(), b, memory.Dim(1)))
	}
}

// maskPositions returns, for the last t columns of mask [B, n], the
// number of real tokens before each column (Int32 [B, t]): the position
// of a token in a padded row as if the row were alone.
func maskPositions(mask *tensor.Tensor, t int) *tensor.Tensor {
	b, n := mask.Dim(0), mask.Dim(1)
	m := mask.As(tensor.Int32).Int32s()
	pos := make([]int32, b*t)
	for i := range b {
		var c int32
		for j := range n {
			if j >= n-t {
				pos[i*t+j-(n-t)] = c
			}
			if m[i*n+j] != 0 {
				c++
			}
		}
	}
	return tensor.FromSlice(pos, b, t)
}

// Collate pads token-id sequences into a teacher-forced batch: sources
// right-padded with pad into IDs, with their Mask; targets right-padded
// with IgnoreIndex into Labels (the decoder inputs are then the labels
// shifted right). Sequences are used as given: end them with the model's
// EOS (T5's tokenizer appends it). targets may be nil, for a batch to
// encode or generate from; otherwise it has one target per source. An
// empty batch, an empty source or an id outside int32 is an error.
func Collate(sources, targets [][]int, pad int) (Inputs, error) {
	if len(sources) == 0 {
		return Inputs{}, fmt.Errorf("seq2seq: Collate: no sources")
	}
	if targets != nil && len(targets) != len(sources) {
		return Inputs{}, fmt.Errorf("seq2seq: Collate: %d sources and %d targets", len(sources), len(targets))
	}
	pack := func(seqs [][]int, fill int, what string) (ids, mask *tensor.Tensor, err error) {
		width := 0
		for _, s := range seqs {
			width = max(width, len(s))
		}
		if width == 0 {
			width = 1 // every target empty: one ignored position
		}
		v := make([]int32, len(seqs)*width)
		m := make([]int32, len(seqs)*width)
		for i, s := range seqs {
			if len(s) == 0 && what == "source" {
				return nil, nil, fmt.Errorf("seq2seq: Collate: source %d is empty", i)
			}
			for j := range width {
				if j >= len(s) {
					v[i*width+j] = int32(fill)
					continue
				}
				if s[j] < 0 || s[j] > 1<<31-1 {
					return nil, nil, fmt.Errorf("seq2seq: Collate: %s %d: id %d at %d is not a token id", what, i, s[j], j)
				}
				v[i*width+j], m[i*width+j] = int32(s[j]), 1
			}
		}
		return tensor.FromSlice(v, len(seqs), width), tensor.FromSlice(m, len(seqs), width), nil
	}
	var in Inputs
	var err error
	if in.IDs, in.Mask, err = pack(sources, pad, "source"); err != nil {
		return Inputs{}, err
	}
	if targets != nil {
		if in.Labels, _, err = pack(targets, IgnoreIndex, "target"); err != nil {
			return Inputs{}, err
		}
	}
	return in, nil
}
