package tensor

// Transfer is the part of a Backend that HostFallback needs from the
// device: memory, host transfers and strided copies.
type Transfer interface {
	Device() Device
	Alloc(dtype DType, n int) Storage
	Free(s Storage)
	Upload(dst View, src any)
	Download(dst any, src View)
	Copy(dst, src View)
}

// HostFallback implements every Backend method beyond Transfer's by copying
// the operands to the host, running the CPU kernel, and copying the results
// back. A backend under construction embeds it and overrides the methods
// it implements natively:
//
//	type gpu struct {
//		tensor.HostFallback
//		...
//	}
//
//	func open(index int) (tensor.Backend, error) {
//		g := &gpu{...}
//		g.HostFallback = tensor.HostFallback{Dev: g}
//		return g, nil
//	}
//
// Each call transfers its operands both ways, so it is slow; it is meant
// for correctness, and for rarely used ops.
type HostFallback struct {
	Dev Transfer
}

// hostOp holds the host copies of one fallback call.
type hostOp struct {
	dev   Transfer
	outs  []View // device outputs
	hosts []View // their host twins
	temps []Storage
}

// in returns a contiguous CPU copy of a device view (zero View stays zero).
func (h *hostOp) in(v View) View {
	if !v.Valid() {
		return v
	}
	n := v.Numel()
	src := v
	if !v.IsContiguous() {
		st := h.dev.Alloc(v.DType(), n)
		h.temps = append(h.temps, st)
		src = contiguousView(st, v.Shape)
		h.dev.Copy(src, v)
	}
	hs := allocCPU(v.DType(), n)
	if n > 0 {
		h.dev.Download(hostSlice(hs, 0, n), src)
	}
	return contiguousView(hs, v.Shape)
}

// out returns a CPU view to compute an output into; finish copies it back.
// When read is true the current contents are copied in first (outputs
// that accumulate, such as IndexAdd's and AdamW's).
func (h *hostOp) out(v View, read bool) View {
	if !v.Valid() {
		return v
	}
	var hv View
	if read {
		hv = h.in(v)
	} else {
		hv = contiguousView(allocCPU(v.DType(), v.Numel()), v.Shape)
	}
	h.outs = append(h.outs, v)
	h.hosts = append(h.hosts, hv)
	return hv
}

// finish uploads the outputs and frees temporaries.
func (h *hostOp) finish() {
	for i, v := range h.outs {
		hv := h.hosts[i]
		n := v.Numel()
		if n == 0 {
			continue
		}
		data := hostSlice(hv.Storage.(*CPUStorage), 0, n)
		if v.IsContiguous() {
			h.dev.Upload(v, data)
			continue
		}
		st := h.dev.Alloc(v.DType(), n)
		c := contiguousView(st, v.Shape)
		h.dev.Upload(c, data)
		h.dev.Copy(v, c)
		h.dev.Free(st)
	}
	for _, st := range h.temps {
		h.dev.Free(st)
	}
}

func contiguousView(st Storage, shape []int) View {
	strides := make([]int, len(shape))
	contiguousStrides(shape, strides)
	return View{Storage: st, Shape: shape, Strides: strides}
}

func (f HostFallback) op() *hostOp { return &hostOp{dev: f.Dev} }

// Cast runs on the host.
func (f HostFallback) Cast(dst, src View) {
	h := f.op()
	cpuBackend.Cast(h.out(dst, false), h.in(src))
	h.finish()
}

// Fill runs on the host.
func (f HostFallback) Fill(dst View, v float64) {
	h := f.op()
	cpuBackend.Fill(h.out(dst, false), v)
	h.finish()
}

// RandomFill runs on the host.
func (f HostFallback) RandomFill(dst View, dist Distribution, a, b float64, seed, offset uint64) {
	h := f.op()
	cpuBackend.RandomFill(h.out(dst, false), dist, a, b, seed, offset)
	h.finish()
}

// Unary runs on the host.
func (f HostFallback) Unary(op UnaryOp, dst, x View, p UnaryParams) {
	h := f.op()
	xh := h.in(x)
	cpuBackend.Unary(op, h.out(dst, false), xh, p)
	h.finish()
}

// UnaryGrad runs on the host.
func (f HostFallback) UnaryGrad(op UnaryOp, dx, x, y, dy View, p UnaryParams) {
	h := f.op()
	xh, yh, gh := h.in(x), h.in(y), h.in(dy)
	cpuBackend.UnaryGrad(op, h.out(dx, false), xh, yh, gh, p)
	h.finish()
}

// Binary runs on the host.
func (f HostFallback) Binary(op BinaryOp, dst, a, b View) {
	h := f.op()
	ah, bh := h.in(a), h.in(b)
	cpuBackend.Binary(op, h.out(dst, false), ah, bh)
	h.finish()
}

// BinaryGrad runs on the host.
func (f HostFallback) BinaryGrad(op BinaryOp, da, db, a, b, y, dy View) {
	h := f.op()
	ah, bh, yh, gh := h.in(a), h.in(b), h.in(y), h.in(dy)
	cpuBackend.BinaryGrad(op, h.out(da, false), h.out(db, false), ah, bh, yh, gh)
	h.finish()
}

// Where runs on the host.
func (f HostFallback) Where(dst, cond, a, b View) {
	h := f.op()
	ch, ah, bh := h.in(cond), h.in(a), h.in(b)
	cpuBackend.Where(h.out(dst, false), ch, ah, bh)
	h.finish()
}

// Reduce runs on the host.
func (f HostFallback) Reduce(op ReduceOp, dst, x View, p float64) {
	h := f.op()
	xh := h.in(x)
	cpuBackend.Reduce(op, h.out(dst, false), xh, p)
	h.finish()
}

// MatMul runs on the host.
func (f HostFallback) MatMul(dst, a, b View, alpha, beta float64) {
	h := f.op()
	ah, bh := h.in(a), h.in(b)
	cpuBackend.MatMul(h.out(dst, beta != 0), ah, bh, alpha, beta)
	h.finish()
}

// Softmax runs on the host.
func (f HostFallback) Softmax(dst, x View, log bool) {
	h := f.op()
	xh := h.in(x)
	cpuBackend.Softmax(h.out(dst, false), xh, log)
	h.finish()
}

// SoftmaxGrad runs on the host.
func (f HostFallback) SoftmaxGrad(dx, y, dy View, log bool) {
	h := f.op()
	yh, gh := h.in(y), h.in(dy)
	cpuBackend.SoftmaxGrad(h.out(dx, false), yh, gh, log)
	h.finish()
}

// LayerNorm runs on the host.
func (f HostFallback) LayerNorm(y, mean, rstd, x, w, b View, eps float64) {
	h := f.op()
	xh, wh, bh := h.in(x), h.in(w), h.in(b)
	cpuBackend.LayerNorm(h.out(y, false), h.out(mean, false), h.out(rstd, false), xh, wh, bh, eps)
	h.finish()
}

// LayerNormGrad runs on the host.
func (f HostFallback) LayerNormGrad(dx, dw, db, x, w, mean, rstd, dy View) {
	h := f.op()
	xh, wh, mh, rh, gh := h.in(x), h.in(w), h.in(mean), h.in(rstd), h.in(dy)
	cpuBackend.LayerNormGrad(h.out(dx, false), h.out(dw, false), h.out(db, false), xh, wh, mh, rh, gh)
	h.finish()
}

// RMSNorm runs on the host.
func (f HostFallback) RMSNorm(y, rstd, x, w View, eps float64) {
	h := f.op()
	xh, wh := h.in(x), h.in(w)
	cpuBackend.RMSNorm(h.out(y, false), h.out(rstd, false), xh, wh, eps)
	h.finish()
}

// RMSNormGrad runs on the host.
func (f HostFallback) RMSNormGrad(dx, dw, x, w, rstd, dy View) {
	h := f.op()
	xh, wh, rh, gh := h.in(x), h.in(w), h.in(rstd), h.in(dy)
	cpuBackend.RMSNormGrad(h.out(dx, false), h.out(dw, false), xh, wh, rh, gh)
	h.finish()
}

// IndexSelect runs on the host.
func (f HostFallback) IndexSelect(dst, x, index View) {
	h := f.op()
	xh, ih := h.in(x), h.in(index)
	cpuBackend.IndexSelect(h.out(dst, false), xh, ih)
	h.finish()
}

// IndexAdd runs on the host.
func (f HostFallback) IndexAdd(dst, index, src View) {
	h := f.op()
	ih, sh := h.in(index), h.in(src)
	cpuBackend.IndexAdd(h.out(dst, true), ih, sh)
	h.finish()
}

// CrossEntropy runs on the host.
func (f HostFallback) CrossEntropy(loss, lse, logits, target View, p CrossEntropyParams) {
	h := f.op()
	xh, th := h.in(logits), h.in(target)
	cpuBackend.CrossEntropy(h.out(loss, false), h.out(lse, false), xh, th, p)
	h.finish()
}

// CrossEntropyGrad runs on the host.
func (f HostFallback) CrossEntropyGrad(dlogits, logits, target, lse, dloss View, p CrossEntropyParams) {
	h := f.op()
	xh, th, eh, gh := h.in(logits), h.in(target), h.in(lse), h.in(dloss)
	cpuBackend.CrossEntropyGrad(h.out(dlogits, false), xh, th, eh, gh, p)
	h.finish()
}

// Dropout runs on the host.
func (f HostFallback) Dropout(dst, x View, p float64, seed, offset uint64) {
	h := f.op()
	xh := h.in(x)
	cpuBackend.Dropout(h.out(dst, false), xh, p, seed, offset)
	h.finish()
}

// AdamW runs on the host.
func (f HostFallback) AdamW(param, grad, m, v View, p AdamWParams) {
	h := f.op()
	gh := h.in(grad)
	cpuBackend.AdamW(h.out(param, true), gh, h.out(m, true), h.out(v, true), p)
	h.finish()
}
