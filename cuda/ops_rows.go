package cuda

import (
	"fmt"
	"unsafe"
)

// rowOperand is one operand of a row op: its strides over the row
// dimensions and along the row (0 for per-row statistics).
type rowOperand struct {
	outer []int
	inner int
	base  uint64
}

// rowsOf returns an operand with the row shape [rows..., d].
func rowsOf(o operand) rowOperand {
	r := len(o.shape)
	if r == 0 {
		return rowOperand{outer: nil, inner: 0, base: o.ptr()}
	}
	return rowOperand{outer: o.strides[:r-1], inner: o.strides[r-1], base: o.ptr()}
}

// statOf returns a per-row statistic [rows...].
func statOf(o operand) rowOperand { return rowOperand{outer: o.strides, inner: 0, base: o.ptr()} }

// rowsLayout is a gf_rows<N>.
type rowsLayout struct {
	l     layout
	inner [maxLayoutOps]int64
	d     int64
}

func rowsSize(nops int) int { return layoutSize(nops) + 8*nops + 8 }

func makeRows(rowShape []int, d int, ops ...rowOperand) (rowsLayout, bool) {
	var r rowsLayout
	strides := make([][]int, len(ops))
	for i, o := range ops {
		strides[i] = o.outer
		r.inner[i] = int64(o.inner)
	}
	l, ok := makeLayout(rowShape, strides...)
	r.l, r.d = l, int64(d)
	return r, ok
}

func (a *argBuffer) rows(r *rowsLayout) {
	size := rowsSize(r.l.nops)
	p := a.slot(pStruct, size, 8)
	b := unsafe.Slice((*int64)(p), size/8)
	var tmp argBuffer
	tmp.layout(&r.l)
	copy(b, unsafe.Slice((*int64)(unsafe.Pointer(&tmp.words[0])), layoutSize(r.l.nops)/8))
	n := layoutSize(r.l.nops) / 8
	copy(b[n:n+r.l.nops], r.inner[:r.l.nops])
	b[n+r.l.nops] = r.d
}

type rowKernels struct {
	softmax, softmaxGrad, ce, ceGrad, ln, lnGrad, rms, rmsGrad, colsum, colsumFinish *kernel
}

func defRows(s string) rowKernels {
	r := func(n int) param { return structParam(rowsSize(n)) }
	return rowKernels{
		softmax:      defKernel("rows", "gf_softmax_"+s, r(2), ptr, ptr, i32, i32),
		softmaxGrad:  defKernel("rows", "gf_softmax_grad_"+s, r(3), ptr, ptr, ptr, i32, i32),
		ce:           defKernel("rows", "gf_cross_entropy_"+s, r(4), ptr, ptr, ptr, ptr, i32, f64, ptr, i32),
		ceGrad:       defKernel("rows", "gf_cross_entropy_grad_"+s, r(5), ptr, ptr, ptr, ptr, ptr, i32, f64, ptr, i32),
		ln:           defKernel("rows", "gf_layer_norm_"+s, r(4), ptr, ptr, ptr, ptr, ptr, i64, ptr, i64, f64, i32),
		lnGrad:       defKernel("rows", "gf_layer_norm_grad_"+s, r(5), ptr, ptr, ptr, ptr, ptr, ptr, i64, i32),
		rms:          defKernel("rows", "gf_rms_norm_"+s, r(3), ptr, ptr, ptr, ptr, i64, f64, i32),
		rmsGrad:      defKernel("rows", "gf_rms_norm_grad_"+s, r(4), ptr, ptr, ptr, ptr, ptr, i64, i32),
		colsum:       defKernel("rows", "gf_norm_colsum_"+s, r(4), ptr, ptr, ptr, ptr, ptr, i64, ptr, i64, ptr),
		colsumFinish: defKernel("rows", "gf_norm_colsum_finish_"+s, ptr, i32, i64, ptr, i64, ptr, i64),
	}
}

var kRows = map[int]rowKernels{dtF32: defRows("f32"), dtF64: defRows("f64")}

func rowKernelsFor(op string, dtype int) rowKernels {
	k, ok := kRows[dtype]
	if !ok {
		panic(fmt.Sprintf("cuda: %s: dtype %d not supported", op, dtype))
	}
	return k
}

// rowShape splits an operand's shape into the row dimensions and the row
// length.
func rowShape(shape []int) ([]int, int) {
	if len(shape) == 0 {
		return nil, 1
	}
	return shape[:len(shape)-1], shape[len(shape)-1]
}

// rowLaunch returns the grid of a row kernel: a warp per row for rows of
// up to 1024 elements, else a block per row.
func (g *GPU) rowLaunch(rows int64, d int) (grid, block dim3, perWarp int) {
	sms := int64(max(1, g.props.Multiprocessors))
	var blocks int64
	if d <= 1024 {
		perWarp = 1
		blocks = min((rows+7)/8, sms*64)
	} else {
		blocks = min(rows, sms*64)
	}
	if g.emulated {
		blocks = min(blocks, 3)
	}
	return dim3{uint32(max(blocks, 1)), 1, 1}, dim3{256, 1, 1}, perWarp
}

func ptrOr0(o operand) uint64 {
	if o.shape == nil && o.base == 0 {
		return 0
	}
	return o.ptr()
}

// vecStride is the stride of an optional 1-D parameter ([d]).
func vecStride(o operand) int {
	if len(o.strides) == 0 {
		return 0
	}
	return o.strides[len(o.strides)-1]
}

// softmax sets dst to softmax(x) (or log-softmax) along the last dim.
func (g *GPU) softmax(dst, x operand, log bool) error {
	k := rowKernelsFor("Softmax", x.dtype)
	rs, d := rowShape(x.shape)
	r, ok := makeRows(rs, d, rowsOf(dst), rowsOf(x))
	if !ok {
		return errRankTooHigh
	}
	if r.l.n == 0 || d == 0 {
		return nil
	}
	grid, block, pw := g.rowLaunch(r.l.n, d)
	var a argBuffer
	a.rows(&r)
	a.ptr(dst.ptr())
	a.ptr(x.ptr())
	a.i32(b2i(log))
	a.i32(pw)
	return g.launch(k.softmax, grid, block, 0, &a)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// softmaxGrad sets dx from y = softmax(x) (or log-softmax) and dy.
func (g *GPU) softmaxGrad(dx, y, dy operand, log bool) error {
	k := rowKernelsFor("SoftmaxGrad", y.dtype)
	rs, d := rowShape(y.shape)
	r, ok := makeRows(rs, d, rowsOf(dx), rowsOf(y), rowsOf(dy))
	if !ok {
		return errRankTooHigh
	}
	if r.l.n == 0 || d == 0 {
		return nil
	}
	grid, block, pw := g.rowLaunch(r.l.n, d)
	var a argBuffer
	a.rows(&r)
	a.ptr(dx.ptr())
	a.ptr(y.ptr())
	a.ptr(dy.ptr())
	a.i32(b2i(log))
	a.i32(pw)
	return g.launch(k.softmaxGrad, grid, block, 0, &a)
}

// IndexError is a bad index or class target found by a kernel: the
// position in the index (or the row of the target), the value and the
// bound it had to stay below.
type IndexError struct {
	Op       string
	Position int
	Value    int
	Limit    int
}

// Error says which index was out of range, in the CPU backend's words.
func (e *IndexError) Error() string {
	return fmt.Sprintf("cuda: %s: index %d at position %d is out of range [0, %d)", e.Op, e.Value, e.Position, e.Limit)
}

// withIndexCheck runs launch with the GPU's error word cleared, then reads
// it back (a synchronisation) and returns an *IndexError if a kernel
// reported a bad index.
func (g *GPU) withIndexCheck(op string, limit int, launch func(errPtr uint64) error) error {
	g.errMu.Lock()
	defer g.errMu.Unlock()
	if g.errWord == nil {
		b, err := g.Alloc(16)
		if err != nil {
			return err
		}
		g.errWord = b
	}
	if err := g.Memset32(g.errWord, 0, 0, 4); err != nil {
		return err
	}
	if err := launch(g.errWord.Ptr()); err != nil {
		return err
	}
	var w [4]int32
	if err := g.CopyFromDevice(bytesOf4(&w), g.errWord, 0); err != nil {
		return err
	}
	if w[0] != 0 {
		return &IndexError{Op: op, Position: int(w[1]), Value: int(w[2]), Limit: limit}
	}
	return nil
}

func bytesOf4(w *[4]int32) []byte { return unsafe.Slice((*byte)(unsafe.Pointer(&w[0])), 16) }

// crossEntropy computes per-row losses and log-sum-exps of logits [N, C].
func (g *GPU) crossEntropy(loss, lse, logits, target operand, ignore int, eps float64) error {
	k := rowKernelsFor("CrossEntropy", logits.dtype)
	n, c := logits.shape[0], logits.shape[1]
	lo := rowOperand{outer: logits.strides[:1], inner: logits.strides[1]}
	r, _ := makeRows([]int{n}, c, lo, statOf(loss), statOf(lse), statOf(target))
	if n == 0 {
		return nil
	}
	grid, block, pw := g.rowLaunch(int64(n), c)
	return g.withIndexCheck("CrossEntropy", c, func(errPtr uint64) error {
		var a argBuffer
		a.rows(&r)
		a.ptr(logits.ptr())
		a.ptr(loss.ptr())
		a.ptr(lse.ptr())
		a.ptr(target.ptr())
		a.i32(ignore)
		a.f64(eps)
		a.ptr(errPtr)
		a.i32(pw)
		return g.launch(k.ce, grid, block, 0, &a)
	})
}

// crossEntropyGrad sets dlogits = dloss·(softmax - q).
func (g *GPU) crossEntropyGrad(dlogits, logits, target, lse, dloss operand, ignore int, eps float64) error {
	k := rowKernelsFor("CrossEntropyGrad", logits.dtype)
	n, c := logits.shape[0], logits.shape[1]
	r, _ := makeRows([]int{n}, c,
		rowOperand{outer: dlogits.strides[:1], inner: dlogits.strides[1]},
		rowOperand{outer: logits.strides[:1], inner: logits.strides[1]},
		statOf(target), statOf(lse), statOf(dloss))
	if n == 0 {
		return nil
	}
	grid, block, pw := g.rowLaunch(int64(n), c)
	return g.withIndexCheck("CrossEntropyGrad", c, func(errPtr uint64) error {
		var a argBuffer
		a.rows(&r)
		a.ptr(dlogits.ptr())
		a.ptr(logits.ptr())
		a.ptr(target.ptr())
		a.ptr(lse.ptr())
		a.ptr(dloss.ptr())
		a.i32(ignore)
		a.f64(eps)
		a.ptr(errPtr)
		a.i32(pw)
		return g.launch(k.ceGrad, grid, block, 0, &a)
	})
}

// layerNorm normalises x over its last dimension.
func (g *GPU) layerNorm(y, mean, rstd, x, w, b operand, eps float64) error {
	k := rowKernelsFor("LayerNorm", x.dtype)
	rs, d := rowShape(x.shape)
	r, ok := makeRows(rs, d, rowsOf(y), rowsOf(x), statOf(mean), statOf(rstd))
	if !ok {
		return errRankTooHigh
	}
	if r.l.n == 0 {
		return nil
	}
	grid, block, pw := g.rowLaunch(r.l.n, d)
	var a argBuffer
	a.rows(&r)
	a.ptr(y.ptr())
	a.ptr(x.ptr())
	a.ptr(mean.ptr())
	a.ptr(rstd.ptr())
	a.ptr(ptrOr0(w))
	a.i64(int64(vecStride(w)))
	a.ptr(ptrOr0(b))
	a.i64(int64(vecStride(b)))
	a.f64(eps)
	a.i32(pw)
	return g.launch(k.ln, grid, block, 0, &a)
}

// layerNormGrad sets dx (unless absent), dw and db (unless absent).
func (g *GPU) layerNormGrad(dx, dw, db, x, w, mean, rstd, dy operand) error {
	k := rowKernelsFor("LayerNormGrad", x.dtype)
	rs, d := rowShape(x.shape)
	if dx.shape != nil {
		r, ok := makeRows(rs, d, rowsOf(dx), rowsOf(x), rowsOf(dy), statOf(mean), statOf(rstd))
		if !ok {
			return errRankTooHigh
		}
		if r.l.n > 0 {
			grid, block, pw := g.rowLaunch(r.l.n, d)
			var a argBuffer
			a.rows(&r)
			a.ptr(dx.ptr())
			a.ptr(x.ptr())
			a.ptr(dy.ptr())
			a.ptr(mean.ptr())
			a.ptr(rstd.ptr())
			a.ptr(ptrOr0(w))
			a.i64(int64(vecStride(w)))
			a.i32(pw)
			if err := g.launch(k.lnGrad, grid, block, 0, &a); err != nil {
				return err
			}
		}
	}
	if dw.shape == nil && db.shape == nil {
		return nil
	}
	return g.normColsum(k, rs, d, x, dy, mean, rstd, dw, db)
}

// rmsNorm normalises x by its root mean square over the last dimension.
func (g *GPU) rmsNorm(y, rstd, x, w operand, eps float64) error {
	k := rowKernelsFor("RMSNorm", x.dtype)
	rs, d := rowShape(x.shape)
	r, ok := makeRows(rs, d, rowsOf(y), rowsOf(x), statOf(rstd))
	if !ok {
		return errRankTooHigh
	}
	if r.l.n == 0 {
		return nil
	}
	grid, block, pw := g.rowLaunch(r.l.n, d)
	var a argBuffer
	a.rows(&r)
	a.ptr(y.ptr())
	a.ptr(x.ptr())
	a.ptr(rstd.ptr())
	a.ptr(ptrOr0(w))
	a.i64(int64(vecStride(w)))
	a.f64(eps)
	a.i32(pw)
	return g.launch(k.rms, grid, block, 0, &a)
}

// rmsNormGrad sets dx (unless absent) and dw (unless absent).
func (g *GPU) rmsNormGrad(dx, dw, x, w, rstd, dy operand) error {
	k := rowKernelsFor("RMSNormGrad", x.dtype)
	rs, d := rowShape(x.shape)
	if dx.shape != nil {
		r, ok := makeRows(rs, d, rowsOf(dx), rowsOf(x), rowsOf(dy), statOf(rstd))
		if !ok {
			return errRankTooHigh
		}
		if r.l.n > 0 {
			grid, block, pw := g.rowLaunch(r.l.n, d)
			var a argBuffer
			a.rows(&r)
			a.ptr(dx.ptr())
			a.ptr(x.ptr())
			a.ptr(dy.ptr())
			a.ptr(rstd.ptr())
			a.ptr(ptrOr0(w))
			a.i64(int64(vecStride(w)))
			a.i32(pw)
			if err := g.launch(k.rmsGrad, grid, block, 0, &a); err != nil {
				return err
			}
		}
	}
	if dw.shape == nil {
		return nil
	}
	return g.normColsum(k, rs, d, x, dy, operand{}, rstd, dw, operand{})
}

// colsumSlicesOverride, when set by a test, forces the number of row
// slices of the weight-gradient column sums.
var colsumSlicesOverride int

// normColsum computes dw = Σ_rows dy·(x - mean)·rstd and db = Σ_rows dy.
func (g *GPU) normColsum(k rowKernels, rs []int, d int, x, dy, mean, rstd, dw, db operand) error {
	meanOp := rowOperand{outer: make([]int, len(rs))}
	if mean.shape != nil {
		meanOp = statOf(mean)
	}
	r, ok := makeRows(rs, d, rowsOf(x), rowsOf(dy), meanOp, statOf(rstd))
	if !ok {
		return errRankTooHigh
	}
	rows := r.l.n
	if d == 0 {
		return nil
	}
	sms := int64(max(1, g.props.Multiprocessors))
	slices := int64(1)
	if want := sms * 1024; int64(d) < want {
		slices = max(1, min((want+int64(d)-1)/int64(d), rows/16, 256))
	}
	if colsumSlicesOverride > 0 {
		slices = int64(colsumSlicesOverride)
	}
	var partial *Buffer
	if slices > 1 {
		var err error
		if partial, err = g.Alloc(16 * int(slices) * d); err != nil {
			return err
		}
		defer partial.Free()
	}
	grid, block := g.elementwiseGrid(int64(d))
	grid.y = uint32(slices)
	var a argBuffer
	a.rows(&r)
	a.ptr(x.ptr())
	a.ptr(dy.ptr())
	a.ptr(ptrOr0(mean))
	a.ptr(rstd.ptr())
	a.ptr(ptrOr0(dw))
	a.i64(int64(vecStride(dw)))
	a.ptr(ptrOr0(db))
	a.i64(int64(vecStride(db)))
	if partial != nil {
		a.ptr(partial.Ptr())
	} else {
		a.ptr(0)
	}
	if err := g.launch(k.colsum, grid, block, 0, &a); err != nil {
		return err
	}
	if slices == 1 {
		return nil
	}
	var f argBuffer
	f.ptr(partial.Ptr())
	f.i32(int(slices))
	f.i64(int64(d))
	f.ptr(ptrOr0(dw))
	f.i64(int64(vecStride(dw)))
	f.ptr(ptrOr0(db))
	f.i64(int64(vecStride(db)))
	grid.y = 1
	return g.launch(k.colsumFinish, grid, block, 0, &f)
}
