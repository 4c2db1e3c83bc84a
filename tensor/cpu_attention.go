package tensor

import (
	"fmt"
	"math"
	"sync/atomic"

	"github.com/goformer/goformer/internal/parallel"
	"github.com/goformer/goformer/internal/philox"
	"github.com/goformer/goformer/internal/vec"
	"github.com/goformer/goformer/tensor/internal/gemm"
)

// The CPU's fused attention (FlashAttention-2's algorithm): queries in
// blocks of attnBlockQ rows against keys in blocks of attnBlockK, with a
// streaming softmax, so that no worker holds more than one block of
// scores. The block sizes were chosen by timing BERT-sized heads (64
// features) at 128 and 512 tokens, forward and backward, on one core;
// tests shrink them to exercise the streaming softmax across many blocks.
var (
	attnBlockQ = 128
	attnBlockK = 512
)

// attnGradItems is how many work items the backward pass makes at least,
// when the key blocks allow: with fewer (batch, key/value head) units,
// each unit's key blocks are split into chunks. It is a constant, not the
// number of workers, so that the gradients, whose rounding depends on the
// chunks, are the same on any number of threads (as LayerNorm's, see
// internal/vec).
const attnGradItems = 16

// attnOperand is a 4-D view [B, H, T, D] of a CPU storage read through its
// strides; its last stride is 1.
type attnOperand[T float] struct {
	data []T
	off  int
	s    [3]int // strides of B, H, T
}

func newAttnOperand[T float](op string, v View) attnOperand[T] {
	cpuStorage(op, v)
	if v.Shape[3] > 1 && v.Strides[3] != 1 {
		panic(fmt.Sprintf("tensor: %s: operand of shape %v has strides %v; the last must be 1", op, v.Shape, v.Strides))
	}
	return attnOperand[T]{data: data[T](v), off: v.Offset, s: [3]int{v.Strides[0], v.Strides[1], v.Strides[2]}}
}

func (p *attnOperand[T]) at(b, h, t int) int { return p.off + b*p.s[0] + h*p.s[1] + t*p.s[2] }

// attnMat is a strided matrix of a storage, one operand of a block product.
type attnMat[T float] struct {
	data       []T
	off        int
	rows, cols int
	rs, cs     int
}

// attnGemm sets dst = alpha·a·b + beta·dst on the calling goroutine's share
// of the GEMM (the product of one block is small).
func attnGemm[T float](dst, a, b attnMat[T], alpha, beta float64) {
	m, n, k := dst.rows, dst.cols, a.cols
	if m == 0 || n == 0 {
		return
	}
	ta, lda, ok1 := gemmLayout(a.rows, a.cols, a.rs, a.cs)
	tb, ldb, ok2 := gemmLayout(b.rows, b.cols, b.rs, b.cs)
	if !ok1 || !ok2 || dst.cs != 1 {
		panic("tensor: internal error: attention block of unsupported layout")
	}
	switch ad := any(a.data).(type) {
	case []float32:
		gemm.Sgemm(ta, tb, m, n, k, float32(alpha), ad[a.off:], lda, any(b.data).([]float32)[b.off:], ldb, float32(beta), any(dst.data).([]float32)[dst.off:], dst.rs)
	case []float64:
		gemm.Dgemm(ta, tb, m, n, k, alpha, ad[a.off:], lda, any(b.data).([]float64)[b.off:], ldb, beta, any(dst.data).([]float64)[dst.off:], dst.rs)
	}
}

// attnMaskPlan holds the masks in the form the block loops read.
type attnMaskPlan[T float] struct {
	causal  bool
	shift   int    // tk - tq: query i sees keys j ≤ i + shift
	keep    []bool // [B·Tk] key mask, nil for none
	start   []int  // [B] each batch's first key the key mask keeps (Tk: none)
	tk      int
	allowed []T // Keep, read through aStrides from aOff
	aOff    int
	aStr    [4]int
	bias    []T
	bOff    int
	bStr    [4]int
}

func newAttnMaskPlan[T float](m AttentionMasks, p AttentionParams, d attnDims) attnMaskPlan[T] {
	mp := attnMaskPlan[T]{causal: p.Causal, shift: d.tk - d.tq, tk: d.tk}
	if m.KeepKeys.Valid() {
		kd := data[T](m.KeepKeys)
		mp.keep = make([]bool, d.b*d.tk)
		mp.start = make([]int, d.b)
		for b := range d.b {
			mp.start[b] = d.tk
			for j := d.tk - 1; j >= 0; j-- {
				mp.keep[b*d.tk+j] = kd[m.KeepKeys.Offset+b*m.KeepKeys.Strides[0]+j*m.KeepKeys.Strides[1]] != 0
				if mp.keep[b*d.tk+j] {
					mp.start[b] = j
				}
			}
		}
	}
	if m.Keep.Valid() {
		mp.allowed, mp.aOff = data[T](m.Keep), m.Keep.Offset
		copy(mp.aStr[:], m.Keep.Strides)
	}
	if m.Bias.Valid() {
		mp.bias, mp.bOff = data[T](m.Bias), m.Bias.Offset
		copy(mp.bStr[:], m.Bias.Strides)
	}
	return mp
}

// keyStart returns the first key batch b may see: the keys before it are
// masked out (left padding), so the blocks start there, and a left-padded
// sequence is computed exactly as it is without its padding.
func (p *attnMaskPlan[T]) keyStart(b int) int {
	if p.start == nil {
		return 0
	}
	return p.start[b]
}

// keyLimit returns the end of the keys any of the rows [i0, i1) may see.
func (p *attnMaskPlan[T]) keyLimit(i1, tk int) int {
	if !p.causal {
		return tk
	}
	return max(0, min(tk, i1-1+p.shift+1))
}

// apply masks and biases the block s [rows × cols] of scores for queries
// i0.. and keys j0.. of batch b, head h. Masked scores become -Inf.
func (p *attnMaskPlan[T]) apply(s []T, b, h, i0, rows, j0, cols int) {
	ninf := T(math.Inf(-1))
	for r := range rows {
		i := i0 + r
		row := s[r*cols : (r+1)*cols]
		if p.bias != nil {
			base := p.bOff + b*p.bStr[0] + h*p.bStr[1] + i*p.bStr[2]
			st := p.bStr[3]
			for c := range row {
				row[c] += p.bias[base+(j0+c)*st]
			}
		}
		if p.causal {
			// Keys j > i + shift are in the future.
			for c := max(0, i+p.shift+1-j0); c < cols; c++ {
				row[c] = ninf
			}
		}
		if p.keep != nil {
			keep := p.keep[b*p.tk+j0 : b*p.tk+j0+cols]
			for c, k := range keep {
				if !k {
					row[c] = ninf
				}
			}
		}
		if p.allowed != nil {
			base := p.aOff + b*p.aStr[0] + h*p.aStr[1] + i*p.aStr[2]
			st := p.aStr[3]
			for c := range row {
				if p.allowed[base+(j0+c)*st] == 0 {
					row[c] = ninf
				}
			}
		}
	}
}

// Row kernels of the streaming softmax: the vector kernels for float32,
// plain loops for float64.

func attnRowMax[T float](x []T) T {
	if xs, ok := any(x).([]float32); ok {
		return T(vec.Max(xs))
	}
	m := T(math.Inf(-1))
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	return m
}

// attnExpSub sets dst = e^(x-m) and returns the sum.
func attnExpSub[T float](dst, x []T, m T) float64 {
	if ds, ok := any(dst).([]float32); ok {
		return float64(vec.ExpShiftSum(ds, any(x).([]float32), float32(m)))
	}
	var s float64
	for i, v := range x[:len(dst)] {
		e := math.Exp(float64(v - m))
		dst[i] = T(e)
		s += e
	}
	return s
}

func attnScale[T float](x []T, a T) {
	if xs, ok := any(x).([]float32); ok {
		vec.Scale(xs, float32(a), xs)
		return
	}
	for i := range x {
		x[i] *= a
	}
}

func attnDot[T float](x, y []T) float64 {
	if xs, ok := any(x).([]float32); ok {
		return float64(vec.Dot(xs, any(y).([]float32)))
	}
	var s float64
	for i, v := range x {
		s += float64(v) * float64(y[i])
	}
	return s
}

// attnSoftmaxGrad sets dp = p·(dp - d).
func attnSoftmaxGrad[T float](dp, p []T, d T) {
	if ds, ok := any(dp).([]float32); ok {
		vec.AddScalar(ds, -float32(d), ds)
		vec.Mul(ds, ds, any(p).([]float32))
		return
	}
	for i, v := range p[:len(dp)] {
		dp[i] = v * (dp[i] - d)
	}
}

// attnDropout holds what a fused pass needs to draw the dropout mask.
type attnDropout struct {
	p     float64
	scale float64
	seed  uint64
	base  uint64 // counter of element (0, 0, 0, 0) of the weights
}

func newAttnDropout(p AttentionParams) *attnDropout {
	if p.Dropout <= 0 {
		return nil
	}
	dr := &attnDropout{p: p.Dropout, seed: p.Seed, base: p.Offset}
	if p.Dropout < 1 {
		dr.scale = 1 / (1 - p.Dropout)
	}
	return dr
}

// attnKeepMask sets z[i] to 1 when the element at counter first+i
// survives dropout p and to 0 when it is dropped, with the counter mapping
// of Backend.Dropout.
func attnKeepMask[T float](z []T, seed, first uint64, p float64) {
	t := philox.KeepThreshold(p)
	var words [256]uint32
	for i := 0; i < len(z); i += len(words) {
		zc := z[i:min(i+len(words), len(z))]
		w := words[:len(zc)]
		philox.Words(seed, first+uint64(i), w)
		for j, v := range w {
			if v>>8 >= t {
				zc[j] = 1
			} else {
				zc[j] = 0
			}
		}
	}
}

// apply drops elements of the block p [rows × cols] (queries i0.., keys
// j0.. of batch b, head h) in place, using z as scratch for the mask.
func attnApplyDropout[T float](dr *attnDropout, d attnDims, p, z []T, b, h, i0, rows, j0, cols int) {
	for r := range rows {
		row := p[r*cols : (r+1)*cols]
		zr := z[r*cols : (r+1)*cols]
		e := dr.base + uint64(((b*d.h+h)*d.tq+i0+r)*d.tk+j0)
		attnKeepMask(zr, dr.seed, e, dr.p)
		for c, k := range zr {
			if k != 0 {
				row[c] = T(float64(row[c]) * dr.scale)
			} else {
				row[c] = 0
			}
		}
	}
}

// attnItems runs work(worker, item) for items [0, n) on the shared worker
// pool, each worker claiming items in order; worker is below
// parallel.Workers().
type attnItems struct {
	n    int
	next atomic.Int64
	work func(worker, item int)
}

func (t *attnItems) Run(worker int) {
	for {
		i := int(t.next.Add(1) - 1)
		if i >= t.n {
			return
		}
		t.work(worker, i)
	}
}

func parallelItems(n int, work func(worker, item int)) {
	if n == 1 {
		work(0, 0)
		return
	}
	parallel.Run(n, &attnItems{n: n, work: work})
}

func attnDimsOf(q, k, v View) attnDims {
	return attnDims{b: q.Shape[0], h: q.Shape[1], tq: q.Shape[2], dh: q.Shape[3], hk: k.Shape[1], tk: k.Shape[2], dv: v.Shape[3]}
}

func (cpu) Attention(out, lse, q, k, v View, m AttentionMasks, p AttentionParams) {
	switch q.DType() {
	case Float32:
		attentionForward[float32](out, lse, q, k, v, m, p)
	case Float64:
		attentionForward[float64](out, lse, q, k, v, m, p)
	default:
		unsupported("Attention", q.DType())
	}
}

func (cpu) AttentionGrad(dq, dk, dv, q, k, v, out, lse, dout View, m AttentionMasks, p AttentionParams) {
	switch q.DType() {
	case Float32:
		attentionBackward[float32](dq, dk, dv, q, k, v, out, lse, dout, m, p)
	case Float64:
		attentionBackward[float64](dq, dk, dv, q, k, v, out, lse, dout, m, p)
	default:
		unsupported("AttentionGrad", q.DType())
	}
}

// attnScratch is a worker's scratch of one fused pass, taken from the
// buffer pool and returned at the end of the pass.
type attnScratch[T float] struct {
	bufs []*CPUStorage
}

func (s *attnScratch[T]) get(n int) []T {
	st := allocCPU(dtypeOf[T](), n)
	s.bufs = append(s.bufs, st)
	return data[T](View{Storage: st})[:n]
}

func (s *attnScratch[T]) free() {
	for _, st := range s.bufs {
		cpuBackend.Free(st)
	}
	s.bufs = nil
}

func dtypeOf[T float]() DType {
	var z T
	if _, ok := any(z).(float32); ok {
		return Float32
	}
	return Float64
}

func attentionForward[T float](outV, lseV, qV, kV, vV View, m AttentionMasks, p AttentionParams) {
	d := attnDimsOf(qV, kV, vV)
	qo, ko, vo := newAttnOperand[T]("Attention", qV), newAttnOperand[T]("Attention", kV), newAttnOperand[T]("Attention", vV)
	oo := newAttnOperand[T]("Attention", outV)
	lse := data[T](lseV)[lseV.Offset:]
	mp := newAttnMaskPlan[T](m, p, d)
	dr := newAttnDropout(p)
	g := d.h / d.hk
	bq := min(attnBlockQ, max(d.tq, 1))
	nqb := (d.tq + bq - 1) / bq
	bk := min(attnBlockK, max(d.tk, 1))
	type scratch struct {
		attnScratch[T]
		s, z, acc, m []T
		l            []float64
	}
	workers := make([]*scratch, parallel.Workers())
	parallelItems(d.b*d.h*nqb, func(w, item int) {
		sc := workers[w]
		if sc == nil {
			sc = &scratch{}
			sc.s, sc.acc, sc.m = sc.get(bq*bk), sc.get(bq*d.dv), sc.get(bq)
			sc.l = make([]float64, bq)
			if dr != nil {
				sc.z = sc.get(bq * bk)
			}
			workers[w] = sc
		}
		b, h, ib := item/(d.h*nqb), item/nqb%d.h, item%nqb
		hk := h / g
		i0 := ib * bq
		rows := min(bq, d.tq-i0)
		clear(sc.acc[:rows*d.dv])
		for r := range rows {
			sc.m[r] = T(math.Inf(-1))
			sc.l[r] = 0
		}
		qm := attnMat[T]{data: qo.data, off: qo.at(b, h, i0), rows: rows, cols: d.dh, rs: qo.s[2], cs: 1}
		accm := attnMat[T]{data: sc.acc, rows: rows, cols: d.dv, rs: d.dv, cs: 1}
		end := mp.keyLimit(i0+rows, d.tk)
		for j0 := mp.keyStart(b); j0 < end; j0 += bk {
			cols := min(bk, end-j0)
			sm := attnMat[T]{data: sc.s, rows: rows, cols: cols, rs: cols, cs: 1}
			kt := attnMat[T]{data: ko.data, off: ko.at(b, hk, j0), rows: d.dh, cols: cols, rs: 1, cs: ko.s[2]}
			attnGemm(sm, qm, kt, p.Scale, 0)
			s := sc.s[:rows*cols]
			mp.apply(s, b, h, i0, rows, j0, cols)
			for r := range rows {
				row := s[r*cols : (r+1)*cols]
				mNew := max(sc.m[r], attnRowMax(row))
				if math.IsInf(float64(mNew), -1) {
					clear(row) // every key so far masked
					continue
				}
				// Rescale what earlier blocks accumulated (nothing yet when
				// the running maximum is still -Inf).
				if !math.IsInf(float64(sc.m[r]), -1) {
					if corr := T(math.Exp(float64(sc.m[r] - mNew))); corr != 1 {
						sc.l[r] *= float64(corr)
						attnScale(sc.acc[r*d.dv:(r+1)*d.dv], corr)
					}
				}
				sc.l[r] += attnExpSub(row, row, mNew)
				sc.m[r] = mNew
			}
			if dr != nil {
				attnApplyDropout(dr, d, s, sc.z, b, h, i0, rows, j0, cols)
			}
			vm := attnMat[T]{data: vo.data, off: vo.at(b, hk, j0), rows: cols, cols: d.dv, rs: vo.s[2], cs: 1}
			attnGemm(accm, sm, vm, 1, 1)
		}
		for r := range rows {
			i := i0 + r
			dst := oo.data[oo.at(b, h, i):][:d.dv]
			li := (b*d.h+h)*d.tq + i
			if sc.l[r] == 0 {
				clear(dst)
				lse[li] = T(math.Inf(1))
				continue
			}
			acc := sc.acc[r*d.dv : (r+1)*d.dv]
			attnScale(acc, T(1/sc.l[r]))
			copy(dst, acc)
			lse[li] = T(float64(sc.m[r]) + math.Log(sc.l[r]))
		}
	})
	for _, sc := range workers {
		if sc != nil {
			sc.free()
		}
	}
}

// attnGrad says where the backward pass writes one gradient: element
// (b, h, t, c) at data[off + b·s[0] + h·s[1] + t·s[2] + c]. A nil data
// means the gradient is not needed.
type attnGrad[T float] struct {
	data []T
	off  int
	s    [3]int
}

func newAttnGrad[T float](v View) attnGrad[T] {
	if !v.Valid() {
		return attnGrad[T]{}
	}
	o := newAttnOperand[T]("AttentionGrad", v)
	return attnGrad[T]{data: o.data, off: o.off, s: o.s}
}

// store copies rows [t0, t0+n) of head (b, h) from src (n rows of c
// values).
func (g attnGrad[T]) store(b, h, t0, n, c int, src []T) {
	for r := range n {
		copy(g.data[g.off+b*g.s[0]+h*g.s[1]+(t0+r)*g.s[2]:][:c], src[r*c:(r+1)*c])
	}
}

// attentionBackward recomputes the probabilities block by block from the
// saved log-sum-exp and writes the gradients of q, k and v
// (FlashAttention-2's backward pass). Work is split by (batch, key/value
// head), so that the query heads sharing a key/value head accumulate its
// gradient without races; each worker accumulates in contiguous scratch
// and stores the result once.
//
// The gradients do not depend on which worker ran which item: when the
// key blocks of a unit are split into chunks, each chunk accumulates its
// share of the query gradient in a buffer of its own, and the shares are
// added in chunk order at the end (a buffer per worker, summed in worker
// order, made the sum's rounding depend on the schedule); the chunks do
// not depend on the number of workers (attnGradItems).
func attentionBackward[T float](dqV, dkV, dvV, qV, kV, vV, outV, lseV, doutV View, m AttentionMasks, p AttentionParams) {
	d := attnDimsOf(qV, kV, vV)
	q, k, v := newAttnOperand[T]("AttentionGrad", qV), newAttnOperand[T]("AttentionGrad", kV), newAttnOperand[T]("AttentionGrad", vV)
	out, do := newAttnOperand[T]("AttentionGrad", outV), newAttnOperand[T]("AttentionGrad", doutV)
	lse := data[T](lseV)[lseV.Offset:]
	gq, gk, gv := newAttnGrad[T](dqV), newAttnGrad[T](dkV), newAttnGrad[T](dvV)
	mp := newAttnMaskPlan[T](m, p, d)
	dr := newAttnDropout(p)
	g := d.h / d.hk
	needQ, needK, needV := gq.data != nil, gk.data != nil, gv.data != nil
	bq := min(attnBlockQ, max(d.tq, 1))
	bk := min(attnBlockK, max(d.tk, 1))
	nkb := (d.tk + bk - 1) / bk
	nw := parallel.Workers()
	// With few (batch, key/value head) units, split their key blocks into
	// chunks so that every worker has work; each chunk then accumulates
	// its query gradient, [g, Tq, Dh] for the g query heads of its unit, in
	// its own part of cdq, and the chunks' parts are summed in order at
	// the end.
	units := d.b * d.hk
	chunks := 1
	if units < attnGradItems {
		chunks = max(1, min(nkb, (attnGradItems+units-1)/units))
	}
	var chunkDQ attnScratch[T]
	var cdq []T
	share := g * d.tq * d.dh
	if chunks > 1 && needQ {
		cdq = chunkDQ.get(units * chunks * share)
	}
	type scratch struct {
		attnScratch[T]
		p, dp, z, pd []T
		dsum         []T
		dq, dk, dv   []T
	}
	workers := make([]*scratch, nw)
	parallelItems(units*chunks, func(w, item int) {
		sc := workers[w]
		if sc == nil {
			sc = &scratch{}
			sc.p, sc.dp, sc.dsum = sc.get(bq*bk), sc.get(bq*bk), sc.get(d.tq)
			sc.dq, sc.dk, sc.dv = sc.get(d.tq*d.dh), sc.get(d.tk*d.dh), sc.get(d.tk*d.dv)
			if dr != nil {
				sc.z, sc.pd = sc.get(bq*bk), sc.get(bq*bk)
			}
			workers[w] = sc
		}
		unit, c := item/chunks, item%chunks
		b, hk := unit/d.hk, unit%d.hk
		jStart, jEnd := c*nkb/chunks*bk, min(d.tk, (c+1)*nkb/chunks*bk)
		clear(sc.dk[jStart*d.dh : jEnd*d.dh])
		clear(sc.dv[jStart*d.dv : jEnd*d.dv])
		var own []T // this chunk's share of the query gradient
		if cdq != nil {
			own = cdq[item*share : (item+1)*share]
			clear(own)
		}
		for h := hk * g; h < (hk+1)*g; h++ {
			// Query gradients go to the per-head scratch, or to this
			// chunk's share when chunked.
			dqData, dqBase := sc.dq, 0
			if own != nil {
				dqData, dqBase = own, (h-hk*g)*d.tq*d.dh
			} else {
				clear(sc.dq)
			}
			// D_i = Σ dO_i·O_i.
			for i := range d.tq {
				o := out.data[out.at(b, h, i):][:d.dv]
				sc.dsum[i] = T(attnDot(do.data[do.at(b, h, i):][:d.dv], o))
			}
			for j0 := jStart; j0 < jEnd; j0 += bk {
				cols := min(bk, d.tk-j0)
				first := 0
				if mp.causal {
					// The first query block whose last row sees key j0.
					first = max(0, j0-mp.shift) / bq * bq
				}
				for i0 := first; i0 < d.tq; i0 += bq {
					rows := min(bq, d.tq-i0)
					pm := attnMat[T]{data: sc.p, rows: rows, cols: cols, rs: cols, cs: 1}
					dpm := attnMat[T]{data: sc.dp, rows: rows, cols: cols, rs: cols, cs: 1}
					qm := attnMat[T]{data: q.data, off: q.at(b, h, i0), rows: rows, cols: d.dh, rs: q.s[2], cs: 1}
					kt := attnMat[T]{data: k.data, off: k.at(b, hk, j0), rows: d.dh, cols: cols, rs: 1, cs: k.s[2]}
					attnGemm(pm, qm, kt, p.Scale, 0)
					pb := sc.p[:rows*cols]
					mp.apply(pb, b, h, i0, rows, j0, cols)
					for r := range rows {
						row := pb[r*cols : (r+1)*cols]
						l := lse[(b*d.h+h)*d.tq+i0+r]
						if math.IsInf(float64(l), 1) {
							clear(row)
							continue
						}
						attnExpSub(row, row, l)
					}
					dom := attnMat[T]{data: do.data, off: do.at(b, h, i0), rows: rows, cols: d.dv, rs: do.s[2], cs: 1}
					// dV_j += P̃ᵀ·dO_i, P̃ the dropped probabilities.
					pdT := attnMat[T]{data: sc.p, rows: cols, cols: rows, rs: 1, cs: cols}
					if dr != nil {
						copy(sc.pd, pb)
						attnApplyDropout(dr, d, sc.pd[:rows*cols], sc.z, b, h, i0, rows, j0, cols)
						pdT.data = sc.pd
					}
					if needV {
						attnGemm(attnMat[T]{data: sc.dv, off: j0 * d.dv, rows: cols, cols: d.dv, rs: d.dv, cs: 1}, pdT, dom, 1, 1)
					}
					if !needQ && !needK {
						continue
					}
					// dP = dO_i·V_jᵀ, dropped as P was; dS = P·(dP - D).
					vt := attnMat[T]{data: v.data, off: v.at(b, hk, j0), rows: d.dv, cols: cols, rs: 1, cs: v.s[2]}
					attnGemm(dpm, dom, vt, 1, 0)
					dpb := sc.dp[:rows*cols]
					if dr != nil {
						for x, zv := range sc.z[:rows*cols] {
							if zv != 0 {
								dpb[x] = T(float64(dpb[x]) * dr.scale)
							} else {
								dpb[x] = 0
							}
						}
					}
					for r := range rows {
						attnSoftmaxGrad(dpb[r*cols:(r+1)*cols], pb[r*cols:(r+1)*cols], sc.dsum[i0+r])
					}
					if needQ {
						attnGemm(attnMat[T]{data: dqData, off: dqBase + i0*d.dh, rows: rows, cols: d.dh, rs: d.dh, cs: 1},
							dpm, attnMat[T]{data: k.data, off: k.at(b, hk, j0), rows: cols, cols: d.dh, rs: k.s[2], cs: 1}, p.Scale, 1)
					}
					if needK {
						attnGemm(attnMat[T]{data: sc.dk, off: j0 * d.dh, rows: cols, cols: d.dh, rs: d.dh, cs: 1},
							attnMat[T]{data: sc.dp, rows: cols, cols: rows, rs: 1, cs: cols}, qm, p.Scale, 1)
					}
				}
			}
			if needQ && chunks == 1 {
				gq.store(b, h, 0, d.tq, d.dh, sc.dq)
			}
		}
		if needK {
			gk.store(b, hk, jStart, jEnd-jStart, d.dh, sc.dk[jStart*d.dh:])
		}
		if needV {
			gv.store(b, hk, jStart, jEnd-jStart, d.dv, sc.dv[jStart*d.dv:])
		}
	})
	if cdq != nil {
		// Sum each unit's chunk shares, in chunk order, into its first
		// share, and store it.
		for unit := range units {
			sum := cdq[unit*chunks*share : (unit*chunks+1)*share]
			for c := 1; c < chunks; c++ {
				for i, v := range cdq[(unit*chunks+c)*share : (unit*chunks+c+1)*share] {
					sum[i] += v
				}
			}
			b, hk := unit/d.hk, unit%d.hk
			for h := hk * g; h < (hk+1)*g; h++ {
				gq.store(b, h, 0, d.tq, d.dh, sum[(h-hk*g)*d.tq*d.dh:])
			}
		}
		chunkDQ.free()
	}
	for _, sc := range workers {
		if sc != nil {
			sc.free()
		}
	}
}
