package train

import (
	"math/rand/v2"
	"sort"

	"github.com/goformer/goformer/tensor"
)

// Batch is one micro-batch handed to Config.Loss.
type Batch struct {
	// Indices are the examples of the batch (positions in Config.Lengths).
	Indices []int
	// Epoch counts from 0; Index is the batch's position in its epoch.
	Epoch, Index int
	// Step is the number of optimizer updates done before this batch.
	Step int
	// Rand is a random source for the batch alone (masking tokens,
	// sampling negatives), seeded from Config.Seed and the batch's
	// position, so that a resumed run draws the same numbers.
	Rand *rand.Rand
	// Scope gathers what the step computes. Adopt the batch's inputs
	// with Scope.Use (ids, masks, targets): every tensor computed from
	// them — activations, the loss, the gradients of intermediate
	// results — is then released when the loop closes the scope, once
	// the micro-batch's gradients are in the parameters, and the next
	// step reuses that memory instead of allocating it anew. Parameters,
	// their gradients and the optimizer state stay outside it. A tensor
	// the caller must keep beyond the step is kept with Scope.Keep.
	Scope *tensor.Scope
}

// Batches returns the batches of one epoch: the n examples shuffled with a
// source seeded by (seed, epoch), then cut into batches of batchSize (the
// last one may be smaller). With bucket > 0, length bucketing groups
// examples of similar length to waste less padding: the shuffled examples
// are cut into windows of bucket·batchSize, each window is sorted by
// length (stably), cut into batches, and the batches of the epoch are
// shuffled again. lengths may be nil without bucketing.
func Batches(n int, lengths []int, batchSize, bucket int, seed uint64, epoch int) [][]int {
	if n <= 0 || batchSize <= 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed0000+uint64(epoch)))
	perm := rng.Perm(n)
	if bucket > 0 && lengths != nil {
		w := bucket * batchSize
		for s := 0; s < n; s += w {
			win := perm[s:min(s+w, n)]
			sort.SliceStable(win, func(i, j int) bool { return lengths[win[i]] < lengths[win[j]] })
		}
	}
	var out [][]int
	for s := 0; s < n; s += batchSize {
		out = append(out, perm[s:min(s+batchSize, n)])
	}
	if bucket > 0 && lengths != nil {
		rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	}
	return out
}

// batchRand returns the random source of the micro-batch with the given
// global position (micro-batches since the start of training).
func batchRand(seed uint64, micro int) *rand.Rand {
	return rand.New(rand.NewPCG(seed^0x9e3779b97f4a7c15, uint64(micro)))
}
