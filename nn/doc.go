// Package nn holds the building blocks of neural networks on top of package
// tensor: a module tree with named parameters, linear and normalisation
// layers, dropout, feed-forward blocks, losses, initialisers, freezing,
// and checkpoints in safetensors format (package nn/safetensors).
//
// # Modules
//
// A module is a pointer to a Go struct. Its exported *tensor.Tensor fields
// are its parameters, and its exported fields holding other modules —
// directly, in slices, arrays or string-keyed maps — are its children.
// There is no interface to implement and no registration: the package
// finds parameters by walking the struct with reflection, and names them
// by their path, so a custom model is just a struct:
//
//	type Classifier struct {
//		Embed  *embed.Token                `nn:"embeddings"`
//		Layers []*transformer.EncoderLayer `nn:"layers"`
//		Norm   *nn.LayerNorm
//		Head   *nn.Linear `nn:"classifier"`
//	}
//
//	func (c *Classifier) Forward(ids, keys *tensor.Tensor) *tensor.Tensor {
//		x := c.Embed.Forward(ids)
//		for _, l := range c.Layers {
//			x = l.Forward(x, attention.Mask{KeyMask: attention.Keep(keys)})
//		}
//		return c.Head.Forward(c.Norm.Forward(x).Select(1, 0))
//	}
//
// Its parameters are then named "embeddings.weight", "layers.0.self_attn.
// in_proj_weight", ..., "norm.weight", "classifier.bias" (Tensors lists
// them), and every function of this package works on it:
//
//	nn.Train(model)                              // dropout on
//	nn.FreezeMatching(model, "embeddings", "layers.[0-5]")
//	opt := optimizer(nn.Trainable(model))        // frozen ones excluded
//	nn.Save("model.safetensors", model, nil)     // atomic
//	err := nn.Load("model.safetensors", model, nn.LoadOptions{})
//
// Names: a field is named by its `nn:"name"` tag, or else its Go name in
// snake case ("LayerNorm" → "layer_norm"). Slice elements are numbered
// ("layers.3"). Embedded structs and fields tagged `nn:",inline"` add
// their children without a prefix. A tensor field tagged `nn:",buffer"` is
// a buffer: saved and loaded, never trained. Fields tagged `nn:"-"` are
// ignored. With tags a Go struct can mirror a Hugging Face or PyTorch
// model exactly, so its checkpoints load by name
// ("encoder.layer.3.attention.self.query.weight").
//
// Forward methods are ordinary methods with whatever signature the module
// needs; modules are safe for concurrent Forward calls from many
// goroutines once built (dropout draws from a generator that is itself
// safe for concurrent use).
//
// # Training and evaluation
//
// Modules start in evaluation mode — dropout off — so that a model loaded
// for inference is deterministic without further calls; Train switches
// every module that implements Moder (Dropout) to training mode and Eval
// back.
//
// Forward passes through a model whose parameters require gradients record
// an autograd graph. To evaluate or generate without one — beside training,
// from many goroutines — take a Detached view: it shares the weights (and
// sees the optimizer's in-place updates) but requires no gradient, and its
// modes are its own:
//
//	eval := nn.Detached(model)
//	nn.Eval(eval)
//	logits := eval.Forward(ids) // no graph, model's gradients untouched
//
// With a tensor.Scope per call, such a forward pass also reuses its
// buffers call after call instead of allocating them.
//
// # Freezing
//
// Freeze (a module) and FreezeMatching (glob patterns over dotted names)
// turn off requires-grad on parameters: autograd computes no gradient for
// them, and since optimizers take Trainable(model), they keep no state for
// them either.
//
// # Randomness
//
// Every random choice takes an explicit *tensor.Generator: initialisers
// draw from it, and dropout masks too. The generator is counter-based, so
// the same seed gives the same model on every device.
package nn
