// Package tensor provides n-dimensional arrays with automatic
// differentiation, the numerical core of goformer.
//
// # Getting started
//
// Create tensors from Go slices or with the constructors, combine them
// with ops, and read the results back:
//
//	x := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
//	w := tensor.RandN(rand.New(rand.NewPCG(1, 2)), 3, 4)
//	y := x.MatMul(w).GELU()        // [2, 4]
//	fmt.Println(y.Float32s())
//
// A tensor has a dtype (Float32 by default, Float64, Int32; Float16 and
// BFloat16 for storage), a shape, strides and a device. Views — Reshape,
// Transpose, Permute, Narrow, Slice, Select, Squeeze, Unsqueeze, Expand —
// share storage with the tensor they come from; ops accept views directly,
// so transposed and broadcast operands are never copied to change layout.
// Binary ops broadcast as NumPy does.
//
// # Autograd
//
// Mark the parameters with SetRequiresGrad(true); every op on them records
// how to compute its gradient (define-by-run), and Backward on a scalar
// loss fills the parameters' Grad:
//
//	w.SetRequiresGrad(true)
//	loss := tensor.CrossEntropy(x.MatMul(w), targets)
//	loss.Backward()
//	g := w.Grad()
//
// Ops whose inputs need no gradient record nothing and allocate nothing for
// the graph, so inference on frozen weights costs exactly the forward
// computation. Gradients accumulate until ZeroGrad; Detach cuts a tensor
// from the graph. The in-place methods (CopyFrom, Fill, AddInPlace,
// AdamWStep, ...) record nothing and are what optimizers use.
//
// # Errors
//
// Programmer errors — mismatched shapes, dtypes or devices, an axis out of
// range — panic with a message naming the op and the shapes, as gonum's mat
// does. Functions that read user input return errors.
//
// # Devices and backends
//
// Every op is written once against the Backend interface. The CPU backend
// is built in: its kernels are plain Go, split across all cores by a shared
// worker pool, with the hot loops in tensor/internal. Other backends (the
// cuda package) register themselves with RegisterBackend; t.To(tensor.CUDA(0))
// moves a tensor, and ops require their operands to share a device.
//
// # Concurrency
//
// Many goroutines may run ops on the same tensors at once (a model serving
// requests); Backward may run concurrently on separate graphs that share
// leaves. In-place methods must not race with other use of their tensor.
package tensor
