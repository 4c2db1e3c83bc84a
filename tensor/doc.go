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
// worker pool, with the hot loops in internal/vec and tensor/internal/gemm. Other backends (the
// cuda package) register themselves with RegisterBackend; t.To(tensor.CUDA(0))
// moves a tensor, and ops require their operands to share a device.
//
// # Memory
//
// Go gives a program no reference counts, so the package cannot know when
// the last user of a tensor lets go of it; left to the garbage collector,
// every result would be a fresh, zeroed allocation whose pages the runtime
// has often returned to the kernel. Instead, storage is recycled through a
// cache of free buffers (one free list per dtype and size class, eight
// classes per power of two, last in first out so that reused memory is
// warm), fed at release points where the package can prove a buffer dead,
// or where the caller declares it so:
//
//   - Backward: the gradients of intermediate tensors as soon as the last
//     gradient that reads them is computed, and the statistics an op saved
//     for its backward pass (log-sum-exps, means, inverse deviations) once
//     the pass is done, unless RetainGraph is given. The first gradient of
//     a leaf takes the storage of the gradient Backward computed for it
//     instead of a copy.
//   - ZeroGrad: the gradient Backward made for a leaf, so that the next
//     step's gradients reuse it. A tensor returned by Grad is valid until
//     the next ZeroGrad of its leaf.
//   - Scope.Close: every tensor computed within a Scope — a training step,
//     an inference request, a generated token — except those kept with
//     Scope.Keep. A scope follows the data: ops put their results in the
//     scope of their operands, so that a step started from inputs adopted
//     with Scope.Use is gathered whole, on any goroutine, while
//     parameters, optimizer state and leaf gradients stay outside.
//   - Release: the caller says a tensor is dead.
//   - Fused ops: their scratch, when they return.
//
// The out-variants (AddInto, MatMulInto, SoftmaxInto, ...) write into a
// tensor the caller owns and allocate nothing. Buffers that no release
// point reaches are returned to the cache by the garbage collector once
// nothing refers to their memory (a finalizer on the array).
//
// The cache bounds itself; programs need not tune it. It holds at most its
// bound in bytes, letting go of the least recently cached buffers beyond
// it. The bound is automatic unless SetCacheLimit sets one: the largest of
// 64 MiB, the live heap outside the cache (the mean of the last four
// collections) and twice the memory allocated in the largest Scope closed
// since, at most a quarter of the memory the process may use (physical
// memory, its cgroup's limit, GOMEMLIMIT). So a scoped training loop gets
// every buffer of its step back, a loop without scopes recycles about what
// the collector would let it allocate between two collections anyway, and
// a small program reuses freely. Buffers that the collector returned, and
// buffers that stay in the cache through two collections, are held weakly:
// they serve allocations until the next collection frees them, and the
// collector counts them as garbage, so that the cache does not raise the
// heap goal for them. An allocation whose size class is empty takes a
// cached buffer up to twice as large, so that batches of varying shapes
// share buffers instead of each keeping its own. A training loop on
// batches of ever-changing shapes, which grew the unbounded cache until
// the process was killed, keeps its heap within a small factor of the heap
// it has with the cache off (1.1 to 2.7 times on average over a run, in
// the package's tests). BufferCache reports the cache (hits, misses, bytes
// held, the bound), EmptyCache empties it, and SetCacheLimit(0) turns it
// off.
//
// A released buffer is never handed out while a tensor can read it
// through the package: release marks the buffer shared by a tensor and all
// its views as dead, and using any of them afterwards panics with a
// message naming the release point, never reading recycled memory. Storage
// wrapped from the caller's memory (FromSlice, FromStorage) is only
// marked. The raw slices of CPUStorage and View are valid only while
// their tensor is alive. The same release points hand device memory back
// to a GPU backend's caching allocator through Backend.Free.
//
// # Batch invariance
//
// On the CPU, a float32 product x·Wᵀ — Linear, LinearAct, or MatMul whose
// right operand is the transpose of a row-major matrix — with at most
// BatchInvariantRows (16) rows computes every element by the same
// sequence of floating-point operations whatever the number of rows and
// wherever a row sits among them: a row of the result depends only on
// that row of x, on W and on the kernel level (GOFORMER_CPU). Batch
// dimensions fold into rows (x [B, T, in] has B·T rows), so a decoding
// step of one sequence or of sixteen, one token each, gives each sequence
// the same logits bit for bit; that is what lets package serve answer a
// request batched exactly as it answers it alone. Such products read W in
// place, with no packing: they are bound by the speed at which W streams
// from memory.
//
// Products of more rows take the cache-blocked paths (W packed into
// panels, or, from 32 to 256 rows on AVX-512, x packed and W read in
// place). Both compute every element by the same operations, so there too
// a row is independent of the row count, but it rounds differently from
// the few-row path: a prompt of T tokens prefilled alone and the same
// prompt prefilled among others (B·T rows) agree bit for bit when both
// products have more than 16 rows or both have at most 16, and to rounding
// (about 1e-7 relative) when they fall on either side. Results also
// differ, by rounding, between kernel levels, between the CPU and a GPU
// backend, and for products whose operands are not laid out as above (x·W
// with W row-major, a transposed x).
//
// # Concurrency
//
// Many goroutines may run ops on the same tensors at once (a model serving
// requests); Backward may run concurrently on separate graphs that share
// leaves. In-place methods must not race with other use of their tensor.
package tensor
