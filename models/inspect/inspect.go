// Package inspect looks inside the models of goformer: it records the
// attention weights that every head of every layer computes for an
// input, and draws them as heat maps with the tokens on the axes.
//
// Attention works with any model built from package attention's
// MultiHead (BERT, GPT-2, Llama, the encoder-decoders, a user's own
// module tree): it makes a detached view of the model, asks each
// attention module of the view for its weights, runs the caller's forward
// pass on the view, and returns one Map per layer, head and sequence:
//
//	maps, err := inspect.Attention(model, func(m *bert.Model) error {
//		m.Forward(bert.Input{IDs: ids})
//		return nil
//	})
//	for _, a := range maps {
//		f, _ := os.Create(a.Name() + ".png")
//		inspect.HeatMap(f, a, inspect.HeatMapOptions{Queries: tokens, Keys: tokens})
//		f.Close()
//	}
//
// (SaveHeatMaps does that loop.) The model itself is left untouched, so
// that it may serve other goroutines meanwhile; the forward pass on the
// view records no autograd graph. Recording takes the plain attention path
// (the fused kernel computes no weights), which is slower and uses
// memory in T² per head: inspect short inputs.
package inspect

import (
	"errors"
	"fmt"
	"sync"

	"github.com/goformer/goformer/attention"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
)

// Map is the attention of one head of one attention module over one
// sequence of the batch, for one call of the module.
type Map struct {
	// Module is the attention module's dotted path in the model
	// ("encoder.layer.3.self_attn", "layers.0.cross_attn").
	Module string
	// Layer numbers the model's attention modules in the order of their
	// paths in the module tree (nn.Modules' walk order), from 0: the
	// layer's number in a model with one attention module per layer.
	Layer int
	// Call numbers the calls of the module during the forward pass, from
	// 0: a decoding loop calls it once per step, each step's queries
	// attending to every cached key.
	Call int
	// Seq is the sequence's row in the batch; Head the head's number.
	Seq, Head int
	// Queries and Keys are the map's sizes: Weights holds Queries rows of
	// Keys weights, row-major; row i is the distribution of query i over
	// the keys (it sums to 1; masked keys get 0).
	Queries, Keys int
	Weights       []float32
}

// At returns the weight of key j for query i.
func (m Map) At(i, j int) float32 {
	if i < 0 || i >= m.Queries || j < 0 || j >= m.Keys {
		panic(fmt.Sprintf("inspect: Map.At(%d, %d) outside a map of %d queries and %d keys", i, j, m.Queries, m.Keys))
	}
	return m.Weights[i*m.Keys+j]
}

// Name returns a file name stem for the map: "layer03_head1", with
// "_seq2" for a sequence other than the first and "_call4" for a call
// other than the first.
func (m Map) Name() string {
	s := fmt.Sprintf("layer%02d_head%d", m.Layer, m.Head)
	if m.Seq > 0 {
		s += fmt.Sprintf("_seq%d", m.Seq)
	}
	if m.Call > 0 {
		s += fmt.Sprintf("_call%d", m.Call)
	}
	return s
}

// ErrNoAttention is returned when the model has no attention module, or
// when the forward pass called none.
var ErrNoAttention = errors.New("inspect: no attention weights")

// Attention runs run on a detached view of model m (see nn.Detached) whose
// attention modules report their weights, and returns those weights as
// maps ordered by layer, call, sequence and head. run must compute a
// forward pass with the view it is given (not with m). m must be a module
// tree (a pointer to a struct) holding at least one *attention.MultiHead.
// An error from run is returned as it is.
func Attention[M any](m M, run func(view M) error) ([]Map, error) {
	view := nn.Detached(m)
	var (
		mu     sync.Mutex
		layers []*layerRec
	)
	for _, mod := range nn.Modules(view) {
		a, ok := mod.Module.(*attention.MultiHead)
		if !ok {
			continue
		}
		rec := &layerRec{module: mod.Name, layer: len(layers)}
		layers = append(layers, rec)
		a.OnWeights = func(w *tensor.Tensor) {
			mu.Lock()
			defer mu.Unlock()
			rec.calls = append(rec.calls, toMaps(w, rec))
		}
	}
	if len(layers) == 0 {
		return nil, fmt.Errorf("%w: %T holds no attention.MultiHead", ErrNoAttention, m)
	}
	if err := run(view); err != nil {
		return nil, err
	}
	var out []Map
	for _, rec := range layers {
		for _, c := range rec.calls {
			out = append(out, c...)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: the forward pass ran none of the model's %d attention modules", ErrNoAttention, len(layers))
	}
	return out, nil
}

// layerRec collects the calls of one attention module.
type layerRec struct {
	module string
	layer  int
	calls  [][]Map
}

// toMaps copies weights [B, H, Tq, Tk] into one map per sequence and head.
func toMaps(w *tensor.Tensor, rec *layerRec) []Map {
	if w.Rank() != 4 {
		panic(fmt.Sprintf("inspect: attention weights %v, want [B, H, Tq, Tk]", w.Shape()))
	}
	b, h, tq, tk := w.Dim(0), w.Dim(1), w.Dim(2), w.Dim(3)
	data := w.Detach().Float32s()
	call := len(rec.calls)
	maps := make([]Map, 0, b*h)
	for s := range b {
		for hd := range h {
			off := (s*h + hd) * tq * tk
			maps = append(maps, Map{
				Module: rec.module, Layer: rec.layer, Call: call, Seq: s, Head: hd,
				Queries: tq, Keys: tk, Weights: data[off : off+tq*tk : off+tq*tk],
			})
		}
	}
	return maps
}
