package attention

import (
	"fmt"
	"math"
	"sync/atomic"

	"github.com/goformer/goformer/attention/internal/kernels"
	"github.com/goformer/goformer/internal/parallel"
	"github.com/goformer/goformer/tensor"
)

type float interface{ float32 | float64 }

// Block sizes of the fused path: queries per block and keys per block,
// chosen by timing BERT-sized heads (64 features) at 128 and 512 tokens,
// forward and backward, on one core. Tests shrink them to exercise the
// streaming softmax across many blocks.
var (
	blockQ = 128
	blockK = 512
)

// operand is a 4-D CPU tensor [B, H, T, D] read through its strides; its
// last dimension is contiguous.
type operand[T float] struct {
	st   *tensor.CPUStorage
	data []T
	off  int
	s    [3]int // strides of B, H, T
}

func newOperand[T float](t *tensor.Tensor) operand[T] {
	t = t.Detach()
	if st := t.Strides(); t.Dim(3) > 1 && st[3] != 1 {
		t = t.Contiguous()
	}
	cs, ok := t.Storage().(*tensor.CPUStorage)
	if !ok {
		panic(fmt.Sprintf("attention: the fused path needs CPU tensors, not %v", t.Device()))
	}
	st := t.Strides()
	return operand[T]{st: cs, data: storageData[T](cs), off: t.Offset(), s: [3]int{st[0], st[1], st[2]}}
}

func storageData[T float](cs *tensor.CPUStorage) []T {
	var z T
	if _, ok := any(z).(float32); ok {
		return any(cs.Float32s()).([]T)
	}
	return any(cs.Float64s()).([]T)
}

func (p *operand[T]) at(b, h, t int) int { return p.off + b*p.s[0] + h*p.s[1] + t*p.s[2] }

// mat is a strided matrix in a storage, for the backend's MatMul.
type mat struct {
	st     tensor.Storage
	off    int
	rows   int
	cols   int
	rs, cs int
}

// gemm runs dst = alpha·a·b + beta·dst through the backend with views
// whose shape and stride arrays are reused between calls.
type gemm struct {
	be            tensor.Backend
	sd, sa, sb    [2]int
	std, sta, stb [2]int
	vdst, va, vb  tensor.View
	initialised   bool
}

func (g *gemm) mul(dst, a, b mat, alpha, beta float64) {
	if !g.initialised {
		g.be = tensor.CPUBackend()
		g.initialised = true
	}
	g.sd, g.std = [2]int{dst.rows, dst.cols}, [2]int{dst.rs, dst.cs}
	g.sa, g.sta = [2]int{a.rows, a.cols}, [2]int{a.rs, a.cs}
	g.sb, g.stb = [2]int{b.rows, b.cols}, [2]int{b.rs, b.cs}
	g.vdst = tensor.View{Storage: dst.st, Offset: dst.off, Shape: g.sd[:], Strides: g.std[:]}
	g.va = tensor.View{Storage: a.st, Offset: a.off, Shape: g.sa[:], Strides: g.sta[:]}
	g.vb = tensor.View{Storage: b.st, Offset: b.off, Shape: g.sb[:], Strides: g.stb[:]}
	g.be.MatMul(g.vdst, g.va, g.vb, alpha, beta)
}

// maskPlan holds the mask in the form the block loops read.
type maskPlan[T float] struct {
	causal   bool
	shift    int    // tk - tq: query i sees keys j ≤ i + shift
	keep     []bool // [B·Tk] key mask, nil for none
	tk       int
	allowed  []T // Pairs (Keep convention) as T, read through aStrides from aOff
	aOff     int
	aStrides [4]int
	bias     []T
	bOff     int
	bStrides [4]int
}

func newMaskPlan[T float](m Mask, d dims, dt tensor.DType) maskPlan[T] {
	p := maskPlan[T]{causal: m.Causal, shift: d.tk - d.tq, tk: d.tk}
	if m.KeyMask != nil {
		km := m.KeyMask.keep().Detach().As(tensor.Float64).Float64s()
		p.keep = make([]bool, len(km))
		for i, v := range km {
			p.keep[i] = v != 0
		}
	}
	if m.Pairs != nil {
		a := m.Pairs.keep().Detach().As(dt).Contiguous()
		p.aStrides = broadcast4("ScaledDotProduct", "Pairs mask", a, d.b, d.h, d.tq, d.tk)
		p.allowed = storageData[T](a.Storage().(*tensor.CPUStorage))
		p.aOff = a.Offset()
	}
	if m.Bias != nil {
		b := m.Bias.Detach()
		if st := b.Strides(); b.Rank() > 0 && st[b.Rank()-1] != 1 && b.Dim(-1) > 1 {
			b = b.Contiguous()
		}
		p.bStrides = broadcast4("ScaledDotProduct", "Bias", b, d.b, d.h, d.tq, d.tk)
		cs, ok := b.Storage().(*tensor.CPUStorage)
		if !ok {
			panic("attention: the fused path needs Mask.Bias on the CPU")
		}
		p.bias = storageData[T](cs)
		p.bOff = b.Offset()
	}
	return p
}

// keyLimit returns the end of the keys any of the rows [i0, i1) may see.
func (p *maskPlan[T]) keyLimit(i1, tk int) int {
	if !p.causal {
		return tk
	}
	return max(0, min(tk, i1-1+p.shift+1))
}

// apply masks and biases the block s [rows × cols] of scores for queries
// i0.. and keys j0.. of batch b, head h. Masked scores become -Inf.
func (p *maskPlan[T]) apply(s []T, b, h, i0, rows, j0, cols int) {
	ninf := T(math.Inf(-1))
	for r := range rows {
		i := i0 + r
		row := s[r*cols : (r+1)*cols]
		if p.bias != nil {
			base := p.bOff + b*p.bStrides[0] + h*p.bStrides[1] + i*p.bStrides[2]
			st := p.bStrides[3]
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
			base := p.aOff + b*p.aStrides[0] + h*p.aStrides[1] + i*p.aStrides[2]
			st := p.aStrides[3]
			for c := range row {
				if p.allowed[base+(j0+c)*st] == 0 {
					row[c] = ninf
				}
			}
		}
	}
}

// rowMax returns the largest element of a row (-Inf if none).
func rowMax[T float](x []T) T {
	if xs, ok := any(x).([]float32); ok {
		return T(kernels.Max(xs))
	}
	m := T(math.Inf(-1))
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	return m
}

// expSubSum sets dst = e^(x-m) and returns the sum.
func expSubSum[T float](dst, x []T, m T) float64 {
	if ds, ok := any(dst).([]float32); ok {
		return float64(kernels.ExpSubSum(ds, any(x).([]float32), float32(m)))
	}
	var s float64
	for i, v := range x[:len(dst)] {
		e := math.Exp(float64(v - m))
		dst[i] = T(e)
		s += e
	}
	return s
}

func scaleRow[T float](x []T, a T) {
	if xs, ok := any(x).([]float32); ok {
		kernels.Scale(xs, float32(a))
		return
	}
	for i := range x {
		x[i] *= a
	}
}

func dot[T float](x, y []T) float64 {
	if xs, ok := any(x).([]float32); ok {
		return float64(kernels.Dot(xs, any(y).([]float32)))
	}
	var s float64
	for i, v := range x {
		s += float64(v) * float64(y[i])
	}
	return s
}

func softmaxGrad[T float](dp, p []T, d T) {
	if ds, ok := any(dp).([]float32); ok {
		kernels.SoftmaxGrad(ds, any(p).([]float32), float32(d))
		return
	}
	for i, v := range p[:len(dp)] {
		dp[i] = v * (dp[i] - d)
	}
}

// dropout holds what a fused pass needs to draw the dropout mask.
type dropout struct {
	p     float64
	scale float64
	seed  uint64
	base  uint64 // counter of element (0, 0, 0, 0) of the weights
}

// apply drops elements of the block p [rows × cols] (queries i0.., keys
// j0.. of batch b, head h) in place, using z as scratch for the mask.
func applyDropout[T float](dr *dropout, d dims, p, z []T, b, h, i0, rows, j0, cols int) {
	for r := range rows {
		row := p[r*cols : (r+1)*cols]
		zr := z[r*cols : (r+1)*cols]
		e := dr.base + uint64(((b*d.h+h)*d.tq+i0+r)*d.tk+j0)
		keepMask(zr, dr.seed, e, dr.p)
		for c, k := range zr {
			if k != 0 {
				row[c] = T(float64(row[c]) * dr.scale)
			} else {
				row[c] = 0
			}
		}
	}
}

// itemTask runs work(worker, item) for items [0, n), each worker of the
// shared pool claiming items in order.
type itemTask struct {
	n    int
	next atomic.Int64
	work func(worker, item int)
}

func (t *itemTask) Run(worker int) {
	for {
		i := int(t.next.Add(1) - 1)
		if i >= t.n {
			return
		}
		t.work(worker, i)
	}
}

// parallelItems runs work(worker, item) for items [0, n) on the shared
// worker pool; worker is below parallel.Workers().
func parallelItems(n int, work func(worker, item int)) {
	parallel.Run(n, &itemTask{n: n, work: work})
}

func fusedAttention(q, k, v *tensor.Tensor, d dims, o Options) *tensor.Tensor {
	return fusedDispatch(q, k, v, d, o, nil)
}

// packing describes queries, keys and values that are column ranges of one
// tensor [B, T, W] (a fused QKV projection): the fused pass then takes
// that tensor as its only autograd input and writes the three gradients
// into one [B, T, W] gradient, with no scatter and no sum.
type packing struct {
	qkv              *tensor.Tensor
	qOff, kOff, vOff int // first column of each
}

func fusedDispatch(q, k, v *tensor.Tensor, d dims, o Options, pk *packing) *tensor.Tensor {
	switch q.DType() {
	case tensor.Float32:
		return fused[float32](q, k, v, d, o, pk)
	case tensor.Float64:
		return fused[float64](q, k, v, d, o, pk)
	}
	panic(fmt.Sprintf("attention: the fused path computes in float32 or float64, not %s", q.DType()))
}

// packedSelfAttention attends with the heads of qkv [B, T, W]: h query
// heads from column 0, hk key heads from column h·dh, hk value heads after
// them. It returns [B, h, T, dh] as ScaledDotProduct does.
func packedSelfAttention(qkv *tensor.Tensor, h, hk, dh int, o Options) *tensor.Tensor {
	b, t := qkv.Dim(0), qkv.Dim(1)
	split := func(off, heads int) *tensor.Tensor {
		return qkv.Detach().Narrow(2, off, heads*dh).Reshape(b, t, heads, dh).Transpose(1, 2)
	}
	q, k, v := split(0, h), split(h*dh, hk), split((h+hk)*dh, hk)
	d := checkQKV("ScaledDotProduct", q, k, v)
	o.Mask.check("ScaledDotProduct", d.b, d.h, d.tq, d.tk, q.DType(), q.Device())
	o.checkDropout("ScaledDotProduct")
	return fusedDispatch(q, k, v, d, o, &packing{qkv: qkv, qOff: 0, kOff: h * dh, vOff: (h + hk) * dh})
}

// fused runs the forward pass and records the backward pass.
func fused[T float](q, k, v *tensor.Tensor, d dims, o Options, pk *packing) *tensor.Tensor {
	dt := q.DType()
	qo, ko, vo := newOperand[T](q), newOperand[T](k), newOperand[T](v)
	mp := newMaskPlan[T](o.Mask, d, dt)
	scale := o.scale(d.dh)
	var dr *dropout
	if o.dropout() {
		dr = &dropout{p: o.Dropout, seed: o.Gen.Seed(), base: o.Gen.Reserve(d.b * d.h * d.tq * d.tk)}
		if o.Dropout < 1 {
			dr.scale = 1 / (1 - o.Dropout)
		}
	}
	// The output is laid out [B, Tq, H, Dv], so that merging the heads is
	// a free reshape; it is returned as the [B, H, Tq, Dv] view.
	// Every element of the output is written below: take it from the
	// backend's pool without clearing.
	outT := tensor.Empty(tensor.CPU, dt, d.b, d.tq, d.h, d.dv)
	outSt := outT.Storage().(*tensor.CPUStorage)
	outData := storageData[T](outSt)[:outT.Numel()]
	lse := make([]T, d.b*d.h*d.tq)
	g := d.h / d.hk
	nqb := (d.tq + blockQ - 1) / blockQ
	type scratch struct {
		s, z, acc []T
		m         []T
		l         []float64
		sSt, aSt  tensor.Storage
		gm        gemm
	}
	workers := make([]*scratch, parallel.Workers())
	bk := min(blockK, max(d.tk, 1))
	parallelItems(d.b*d.h*nqb, func(w, item int) {
		sc := workers[w]
		if sc == nil {
			sc = &scratch{s: make([]T, blockQ*bk), acc: make([]T, blockQ*d.dv), m: make([]T, blockQ), l: make([]float64, blockQ)}
			if dr != nil {
				sc.z = make([]T, blockQ*bk)
			}
			sc.sSt, sc.aSt = tensor.NewCPUStorage(sc.s), tensor.NewCPUStorage(sc.acc)
			workers[w] = sc
		}
		b, h, ib := item/(d.h*nqb), item/nqb%d.h, item%nqb
		hk := h / g
		i0 := ib * blockQ
		rows := min(blockQ, d.tq-i0)
		clear(sc.acc[:rows*d.dv])
		for r := range rows {
			sc.m[r] = T(math.Inf(-1))
			sc.l[r] = 0
		}
		qm := mat{st: qo.st, off: qo.at(b, h, i0), rows: rows, cols: d.dh, rs: qo.s[2], cs: 1}
		accm := mat{st: sc.aSt, rows: rows, cols: d.dv, rs: d.dv, cs: 1}
		end := mp.keyLimit(i0+rows, d.tk)
		for j0 := 0; j0 < end; j0 += bk {
			cols := min(bk, end-j0)
			sm := mat{st: sc.sSt, rows: rows, cols: cols, rs: cols, cs: 1}
			kt := mat{st: ko.st, off: ko.at(b, hk, j0), rows: d.dh, cols: cols, rs: 1, cs: ko.s[2]}
			sc.gm.mul(sm, qm, kt, scale, 0)
			s := sc.s[:rows*cols]
			mp.apply(s, b, h, i0, rows, j0, cols)
			for r := range rows {
				row := s[r*cols : (r+1)*cols]
				mNew := max(sc.m[r], rowMax(row))
				if math.IsInf(float64(mNew), -1) {
					clear(row) // every key so far masked
					continue
				}
				// Rescale what earlier blocks accumulated (nothing yet when
				// the running maximum is still -Inf).
				if !math.IsInf(float64(sc.m[r]), -1) {
					if corr := T(math.Exp(float64(sc.m[r] - mNew))); corr != 1 {
						sc.l[r] *= float64(corr)
						scaleRow(sc.acc[r*d.dv:(r+1)*d.dv], corr)
					}
				}
				sc.l[r] += expSubSum(row, row, mNew)
				sc.m[r] = mNew
			}
			if dr != nil {
				applyDropout(dr, d, s, sc.z, b, h, i0, rows, j0, cols)
			}
			vm := mat{st: vo.st, off: vo.at(b, hk, j0), rows: cols, cols: d.dv, rs: vo.s[2], cs: 1}
			sc.gm.mul(accm, sm, vm, 1, 1)
		}
		for r := range rows {
			i := i0 + r
			dst := outData[((b*d.tq+i)*d.h+h)*d.dv:][:d.dv]
			li := (b*d.h+h)*d.tq + i
			if sc.l[r] == 0 {
				clear(dst)
				lse[li] = T(math.Inf(1))
				continue
			}
			acc := sc.acc[r*d.dv : (r+1)*d.dv]
			scaleRow(acc, T(1/sc.l[r]))
			copy(dst, acc)
			lse[li] = T(float64(sc.m[r]) + math.Log(sc.l[r]))
		}
	})
	out := outT.Permute(0, 2, 1, 3)
	saved := &fusedSaved[T]{q: qo, k: ko, v: vo, mask: mp, drop: dr, d: d, scale: scale, lse: lse, out: outData}
	if pk != nil {
		if !pk.qkv.RequiresGrad() {
			return out
		}
		return tensor.CustomOp("FusedAttention", out, func(gr *tensor.Tensor) []*tensor.Tensor {
			w := pk.qkv.Dim(2)
			data := make([]T, d.b*d.tq*w)
			lay := func(off int) gradLayout[T] {
				return gradLayout[T]{data: data, off: off, s: [3]int{d.tq * w, d.dh, w}}
			}
			fusedBackward(saved, gr, lay(pk.qOff), lay(pk.kOff), lay(pk.vOff))
			return []*tensor.Tensor{tensor.FromSlice(data, d.b, d.tq, w)}
		}, append([]*tensor.Tensor{pk.qkv}, o.Mask.saved()...)...)
	}
	needQ, needK, needV := q.RequiresGrad(), k.RequiresGrad(), v.RequiresGrad()
	if !needQ && !needK && !needV {
		return out
	}
	return tensor.CustomOp("FusedAttention", out, func(gr *tensor.Tensor) []*tensor.Tensor {
		grads := make([]*tensor.Tensor, 3)
		var lq, lk, lv gradLayout[T]
		alloc := func(i int, need bool, h, t, c int) gradLayout[T] {
			if !need {
				return gradLayout[T]{}
			}
			data := make([]T, d.b*h*t*c)
			grads[i] = tensor.FromSlice(data, d.b, h, t, c)
			return gradLayout[T]{data: data, s: [3]int{h * t * c, t * c, c}}
		}
		lq = alloc(0, needQ, d.h, d.tq, d.dh)
		lk = alloc(1, needK, d.hk, d.tk, d.dh)
		lv = alloc(2, needV, d.hk, d.tk, d.dv)
		fusedBackward(saved, gr, lq, lk, lv)
		return grads
	}, append([]*tensor.Tensor{q, k, v}, o.Mask.saved()...)...)
}

// gradLayout says where the backward pass writes one gradient: element
// (b, h, t, c) at data[off + b·s[0] + h·s[1] + t·s[2] + c]. A nil data
// means the gradient is not needed.
type gradLayout[T float] struct {
	data []T
	off  int
	s    [3]int
}

// store copies rows [t0, t0+n) of head (b, h) from src (n rows of c
// values).
func (g gradLayout[T]) store(b, h, t0, n, c int, src []T) {
	for r := range n {
		copy(g.data[g.off+b*g.s[0]+h*g.s[1]+(t0+r)*g.s[2]:][:c], src[r*c:(r+1)*c])
	}
}

// fusedSaved is what the backward pass needs from the forward pass.
type fusedSaved[T float] struct {
	q, k, v operand[T]
	mask    maskPlan[T]
	drop    *dropout
	d       dims
	scale   float64
	lse     []T // [B, H, Tq]
	out     []T // [B, Tq, H, Dv]
}

// fusedBackward recomputes the probabilities block by block from the saved
// log-sum-exp and writes the gradients of q, k and v where gq, gk and gv
// say (FlashAttention-2's backward pass). Work is split by (batch,
// key/value head), so that the query heads sharing a key/value head
// accumulate its gradient without races; each worker accumulates in
// contiguous scratch and stores the result once.
func fusedBackward[T float](sv *fusedSaved[T], gr *tensor.Tensor, gq, gk, gv gradLayout[T]) {
	d := sv.d
	g := d.h / d.hk
	do := newOperand[T](gr)
	needQ, needK, needV := gq.data != nil, gk.data != nil, gv.data != nil
	bk := min(blockK, max(d.tk, 1))
	nkb := (d.tk + bk - 1) / bk
	nw := parallel.Workers()
	// With few (batch, key/value head) units, split their key blocks into
	// chunks so that every worker has work; the chunks' query gradients
	// then accumulate in one buffer per worker, summed at the end.
	chunks := 1
	if units := d.b * d.hk; units < 2*nw {
		chunks = max(1, min(nkb, (2*nw+units-1)/units))
	}
	type scratch struct {
		p, dp, z, pd     []T
		dsum             []T
		dq, dk, dv       []T
		pSt, dpSt, pdSt  tensor.Storage
		dqSt, dkSt, dvSt tensor.Storage
		wdq              []T // [B, H, Tq, Dh] when chunks > 1
		wdqSt            tensor.Storage
		gm               gemm
	}
	workers := make([]*scratch, nw)
	parallelItems(d.b*d.hk*chunks, func(w, item int) {
		sc := workers[w]
		if sc == nil {
			sc = &scratch{p: make([]T, blockQ*bk), dp: make([]T, blockQ*bk), dsum: make([]T, d.tq),
				dq: make([]T, d.tq*d.dh), dk: make([]T, d.tk*d.dh), dv: make([]T, d.tk*d.dv)}
			sc.pSt, sc.dpSt = tensor.NewCPUStorage(sc.p), tensor.NewCPUStorage(sc.dp)
			sc.dqSt, sc.dkSt, sc.dvSt = tensor.NewCPUStorage(sc.dq), tensor.NewCPUStorage(sc.dk), tensor.NewCPUStorage(sc.dv)
			if sv.drop != nil {
				sc.z, sc.pd = make([]T, blockQ*bk), make([]T, blockQ*bk)
				sc.pdSt = tensor.NewCPUStorage(sc.pd)
			}
			if chunks > 1 && needQ {
				sc.wdq = make([]T, d.b*d.h*d.tq*d.dh)
				sc.wdqSt = tensor.NewCPUStorage(sc.wdq)
			}
			workers[w] = sc
		}
		unit, c := item/chunks, item%chunks
		b, hk := unit/d.hk, unit%d.hk
		jStart, jEnd := c*nkb/chunks*bk, min(d.tk, (c+1)*nkb/chunks*bk)
		clear(sc.dk[jStart*d.dh : jEnd*d.dh])
		clear(sc.dv[jStart*d.dv : jEnd*d.dv])
		for h := hk * g; h < (hk+1)*g; h++ {
			// Query gradients go to the per-head scratch, or straight to
			// this worker's whole-problem buffer when chunked.
			dqSt, dqBase := sc.dqSt, 0
			if chunks > 1 {
				dqSt, dqBase = sc.wdqSt, (b*d.h+h)*d.tq*d.dh
			} else {
				clear(sc.dq)
			}
			// D_i = Σ dO_i·O_i.
			for i := range d.tq {
				o := sv.out[((b*d.tq+i)*d.h+h)*d.dv:][:d.dv]
				sc.dsum[i] = T(dot(do.data[do.at(b, h, i):][:d.dv], o))
			}
			for j0 := jStart; j0 < jEnd; j0 += bk {
				cols := min(bk, d.tk-j0)
				first := 0
				if sv.mask.causal {
					// The first query block whose last row sees key j0.
					first = max(0, j0-sv.mask.shift) / blockQ * blockQ
				}
				for i0 := first; i0 < d.tq; i0 += blockQ {
					rows := min(blockQ, d.tq-i0)
					pm := mat{st: sc.pSt, rows: rows, cols: cols, rs: cols, cs: 1}
					dpm := mat{st: sc.dpSt, rows: rows, cols: cols, rs: cols, cs: 1}
					qm := mat{st: sv.q.st, off: sv.q.at(b, h, i0), rows: rows, cols: d.dh, rs: sv.q.s[2], cs: 1}
					kt := mat{st: sv.k.st, off: sv.k.at(b, hk, j0), rows: d.dh, cols: cols, rs: 1, cs: sv.k.s[2]}
					sc.gm.mul(pm, qm, kt, sv.scale, 0)
					p := sc.p[:rows*cols]
					sv.mask.apply(p, b, h, i0, rows, j0, cols)
					for r := range rows {
						row := p[r*cols : (r+1)*cols]
						l := sv.lse[(b*d.h+h)*d.tq+i0+r]
						if math.IsInf(float64(l), 1) {
							clear(row)
							continue
						}
						expSubSum(row, row, l)
					}
					dom := mat{st: do.st, off: do.at(b, h, i0), rows: rows, cols: d.dv, rs: do.s[2], cs: 1}
					// dV_j += P̃ᵀ·dO_i, P̃ the dropped probabilities.
					pdT := mat{st: sc.pSt, rows: cols, cols: rows, rs: 1, cs: cols}
					if sv.drop != nil {
						copy(sc.pd, p)
						applyDropout(sv.drop, d, sc.pd[:rows*cols], sc.z, b, h, i0, rows, j0, cols)
						pdT.st = sc.pdSt
					}
					if needV {
						sc.gm.mul(mat{st: sc.dvSt, off: j0 * d.dv, rows: cols, cols: d.dv, rs: d.dv, cs: 1}, pdT, dom, 1, 1)
					}
					if !needQ && !needK {
						continue
					}
					// dP = dO_i·V_jᵀ, dropped as P was; dS = P·(dP - D).
					vt := mat{st: sv.v.st, off: sv.v.at(b, hk, j0), rows: d.dv, cols: cols, rs: 1, cs: sv.v.s[2]}
					sc.gm.mul(dpm, dom, vt, 1, 0)
					dp := sc.dp[:rows*cols]
					if sv.drop != nil {
						for x, zv := range sc.z[:rows*cols] {
							if zv != 0 {
								dp[x] = T(float64(dp[x]) * sv.drop.scale)
							} else {
								dp[x] = 0
							}
						}
					}
					for r := range rows {
						softmaxGrad(dp[r*cols:(r+1)*cols], p[r*cols:(r+1)*cols], sc.dsum[i0+r])
					}
					if needQ {
						sc.gm.mul(mat{st: dqSt, off: dqBase + i0*d.dh, rows: rows, cols: d.dh, rs: d.dh, cs: 1},
							dpm, mat{st: sv.k.st, off: sv.k.at(b, hk, j0), rows: cols, cols: d.dh, rs: sv.k.s[2], cs: 1}, sv.scale, 1)
					}
					if needK {
						sc.gm.mul(mat{st: sc.dkSt, off: j0 * d.dh, rows: cols, cols: d.dh, rs: d.dh, cs: 1},
							mat{st: sc.dpSt, rows: cols, cols: rows, rs: 1, cs: cols}, qm, sv.scale, 1)
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
	if chunks > 1 && needQ {
		// Sum the workers' query gradients into the destination.
		var sum []T
		for _, sc := range workers {
			if sc == nil || sc.wdq == nil {
				continue
			}
			if sum == nil {
				sum = sc.wdq
				continue
			}
			for i, v := range sc.wdq {
				sum[i] += v
			}
		}
		for b := range d.b {
			for h := range d.h {
				gq.store(b, h, 0, d.tq, d.dh, sum[(b*d.h+h)*d.tq*d.dh:])
			}
		}
	}
}
