package optim

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/goformer/goformer/nn"
)

// Decays reports whether a parameter gets weight decay by default: weight
// matrices and embeddings do (rank 2 and more); biases and the weights of
// normalisation layers (rank 1) do not, as in BERT's and GPT-2's training
// recipes.
func Decays(p nn.Param) bool { return p.Tensor.Rank() >= 2 }

// DefaultGroups splits params into a group with weight decay wd ("decay",
// the parameters for which Decays is true) and one without ("no_decay"),
// both with learning rate lr, leaving out an empty group. Pass
// nn.Trainable(model) so that frozen parameters are left out.
func DefaultGroups(params []nn.Param, lr, wd float64) []Group {
	var decay, noDecay []nn.Param
	for _, p := range params {
		if Decays(p) {
			decay = append(decay, p)
		} else {
			noDecay = append(noDecay, p)
		}
	}
	var gs []Group
	if len(decay) > 0 {
		gs = append(gs, Group{Name: "decay", Params: decay, LR: lr, WeightDecay: wd})
	}
	if len(noDecay) > 0 {
		gs = append(gs, Group{Name: "no_decay", Params: noDecay, LR: lr, WeightDecay: 0})
	}
	return gs
}

// LayerDecay describes layer-wise learning-rate decay for fine-tuning
// (Clark et al., ELECTRA; Bao et al., BEiT): the top of the network keeps
// the base learning rate and each layer below gets Decay times the rate of
// the layer above, so that the pre-trained bottom layers move least.
type LayerDecay struct {
	// Decay is the factor between a layer and the one above it (0.65 to
	// 0.95 in practice).
	Decay float64
	// NumLayers is the number of transformer layers.
	NumLayers int
	// LayerOf returns a parameter's layer id, from 0 (embeddings) to
	// NumLayers+1 (everything above the last layer: the head, a final
	// norm); nil uses LayerOf.
	LayerOf func(name string) int
}

// LayerOf is the default layer id of a parameter of a model with n layers:
// 0 for embeddings (a name component starting with "embed", or GPT-2's
// "wte" and "wpe"), i+1 for the parameters of layer i (the number after a
// component "layer", "layers", "h", "block" or "blocks": BERT's
// "encoder.layer.3.", GPT-2's "h.3.", "layers.3."), and n+1 for the rest.
func LayerOf(name string, n int) int {
	parts := strings.Split(name, ".")
	for i, c := range parts {
		switch {
		case strings.HasPrefix(c, "embed") || c == "wte" || c == "wpe":
			return 0
		case (c == "layer" || c == "layers" || c == "h" || c == "block" || c == "blocks") && i+1 < len(parts):
			if k, err := strconv.Atoi(parts[i+1]); err == nil && k >= 0 && k < n {
				return k + 1
			}
		}
	}
	return n + 1
}

// LayerwiseGroups returns parameter groups with layer-wise learning-rate
// decay: the parameters of layer id l (see LayerDecay) get learning rate
// lr·Decay^(NumLayers+1-l), and each layer is split into a decay and a
// no-decay group as DefaultGroups does. Groups come in layer order from
// the embeddings up, named "layer<l>.decay" and "layer<l>.no_decay".
func LayerwiseGroups(params []nn.Param, lr, wd float64, ld LayerDecay) []Group {
	if ld.Decay <= 0 || ld.NumLayers < 0 {
		panic(fmt.Sprintf("optim: LayerwiseGroups: decay %v and %d layers", ld.Decay, ld.NumLayers))
	}
	layerOf := ld.LayerOf
	if layerOf == nil {
		layerOf = func(name string) int { return LayerOf(name, ld.NumLayers) }
	}
	top := ld.NumLayers + 1
	byLayer := make([][2][]nn.Param, top+1)
	for _, p := range params {
		l := min(max(layerOf(p.Name), 0), top)
		k := 1
		if Decays(p) {
			k = 0
		}
		byLayer[l][k] = append(byLayer[l][k], p)
	}
	var gs []Group
	for l := 0; l <= top; l++ {
		r := lr * math.Pow(ld.Decay, float64(top-l))
		if ps := byLayer[l][0]; len(ps) > 0 {
			gs = append(gs, Group{Name: fmt.Sprintf("layer%d.decay", l), Params: ps, LR: r, WeightDecay: wd})
		}
		if ps := byLayer[l][1]; len(ps) > 0 {
			gs = append(gs, Group{Name: fmt.Sprintf("layer%d.no_decay", l), Params: ps, LR: r, WeightDecay: 0})
		}
	}
	return gs
}
