package lm_test

import (
	"fmt"

	"github.com/goformer/goformer/models/lm"
	"github.com/goformer/goformer/tensor"
)

// A batch of two prompts, the first left-padded by two positions: the
// position ids count each row's tokens, as Hugging Face's generation does,
// so that both prompts start at position 0.
func ExamplePositions() {
	mask := tensor.FromSlice([]int32{
		0, 0, 1, 1,
		1, 1, 1, 1,
	}, 2, 4)
	fmt.Println(lm.Positions(mask, 4).Int32s())
	// The positions of the last token alone, for a decoding step.
	fmt.Println(lm.Positions(mask, 1).Int32s())
	// Output:
	// [1 1 0 1 0 1 2 3]
	// [1 3]
}

// The next-token loss of a causal language model: the logits at position
// t are scored against the label at t+1, and labels of -100 are left out.
func ExampleShiftedLoss() {
	// One sequence of three tokens over a vocabulary of two; the logits
	// at positions 0 and 1 favour token 1 by 2 nats.
	logits := tensor.FromSlice([]float32{
		0, 2,
		0, 2,
		0, 0,
	}, 1, 3, 2)
	labels := tensor.FromSlice([]int32{-100, 1, 0}, 1, 3)
	// −log softmax: 0.127 for the right token 1, 2.127 for token 0.
	fmt.Printf("%.3f\n", lm.ShiftedLoss(logits, labels).Item())
	// Output:
	// 1.127
}
