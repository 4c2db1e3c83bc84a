package tensor

import (
	"fmt"
	"math"

	"github.com/goformer/goformer/internal/parallel"
)

// AttentionOptions configures Attention and AttentionPacked. The zero
// value is unmasked attention with scale 1/√D and no dropout.
//
// The masks combine: a score counts only where every part lets it, and
// Bias is added to the scores that count. A query row whose every key is
// masked gives zeros (and zero gradients), where PyTorch gives NaN.
type AttentionOptions struct {
	// Scale multiplies q·kᵀ; 0 means 1/√D, D the queries' head size.
	Scale float64
	// Causal lets query i see keys j ≤ i + (Tk − Tq): the diagonal is
	// aligned bottom-right, so that Tq new queries appended after a KV
	// cache of Tk − Tq tokens see the whole cache and their own past.
	Causal bool
	// KeepKeys [B, Tk], of any dtype, is non-zero for the keys that may be
	// attended to (tokens) and zero for those that may not (padding), as
	// Hugging Face's attention_mask.
	KeepKeys *Tensor
	// Keep, of any dtype and broadcastable to [B, H, Tq, Tk], is non-zero
	// where a query may attend to a key and zero where it may not.
	Keep *Tensor
	// Bias, of the queries' dtype and broadcastable to [B, H, Tq, Tk], is
	// added to the scaled scores (ALiBi, T5's relative positions); -Inf
	// entries mask. It receives a gradient when it requires one (the
	// composed path then runs).
	Bias *Tensor
	// Dropout is the probability of dropping an attention weight (after
	// the softmax, before the product with v), with the mask drawn from
	// Gen. It applies only when positive.
	Dropout float64
	Gen     *Generator
}

// AttentionMasks are the masks of one attention call as a backend receives
// them: views of the queries' dtype broadcast to the problem with zero
// strides (KeepKeys to [B, Tk], Keep and Bias to [B, H, Tq, Tk]), each
// absent (the zero View) when not given.
type AttentionMasks struct {
	KeepKeys, Keep, Bias View
}

// AttentionParams are the scalar parameters of one attention call.
type AttentionParams struct {
	Scale  float64
	Causal bool
	// Dropout is the probability of dropping a weight; element (b, h, i, j)
	// of the weights draws counter Offset + ((b·H + h)·Tq + i)·Tk + j of
	// the Philox stream of Seed (see Backend).
	Dropout      float64
	Seed, Offset uint64
}

// AttentionBackend is an optional Backend capability: fused scaled
// dot-product attention that never holds the [Tq, Tk] weights in memory
// (FlashAttention's algorithm). Attention and AttentionPacked use it when
// the backend implements it, and compose the attention from other ops
// otherwise.
//
// Operands are [B, H, Tq, D] queries q, [B, Hk, Tk, D] keys k and
// [B, Hk, Tk, Dv] values v with H a multiple of Hk (each group of H/Hk
// query heads shares a key/value head), in any strides; their last stride
// is 1 or their last dimension has size 1.
type AttentionBackend interface {
	// Attention sets out [B, H, Tq, Dv] (any strides, last 1) to
	// dropout(softmax(q·kᵀ·Scale + Bias, masked))·v and lse [B, H, Tq]
	// (contiguous) to the log-sum-exp of each row's counted scores, +Inf
	// for a row with none (its output is zero).
	Attention(out, lse, q, k, v View, m AttentionMasks, p AttentionParams)
	// AttentionGrad sets dq, dk and dv (shaped as q, k and v, any strides
	// with last stride 1; each may be absent) to the gradients of the
	// attention given out and lse from the forward pass and dout, the
	// gradient of out. The outputs are overwritten.
	AttentionGrad(dq, dk, dv, q, k, v, out, lse, dout View, m AttentionMasks, p AttentionParams)
}

// attnDims are the sizes of one attention problem.
type attnDims struct{ b, h, hk, tq, tk, dh, dv int }

func checkAttention(op string, q, k, v *Tensor, o *AttentionOptions) attnDims {
	checkNotNil(op, q, k, v)
	if len(q.shape) != 4 || len(k.shape) != 4 || len(v.shape) != 4 {
		panic(fmt.Sprintf("tensor: %s: q %v, k %v, v %v must be [B, H, T, D]", op, q.shape, k.shape, v.shape))
	}
	d := attnDims{b: q.shape[0], h: q.shape[1], tq: q.shape[2], dh: q.shape[3], hk: k.shape[1], tk: k.shape[2], dv: v.shape[3]}
	if k.shape[0] != d.b || v.shape[0] != d.b || v.shape[1] != d.hk || v.shape[2] != d.tk || k.shape[3] != d.dh {
		panic(fmt.Sprintf("tensor: %s: shapes q %v, k %v, v %v do not match", op, q.shape, k.shape, v.shape))
	}
	if d.hk == 0 || d.h%d.hk != 0 {
		panic(fmt.Sprintf("tensor: %s: %d query heads are not a multiple of %d key/value heads (q %v, k %v)", op, d.h, d.hk, q.shape, k.shape))
	}
	checkFloat(op, q)
	checkSameDType2(op, q, k)
	checkSameDType2(op, q, v)
	checkSameDevice(op, q, k, v)
	checkAttentionOptions(op, q, d, o)
	return d
}

func checkAttentionOptions(op string, q *Tensor, d attnDims, o *AttentionOptions) {
	if o.KeepKeys != nil {
		if len(o.KeepKeys.shape) != 2 || o.KeepKeys.shape[0] != d.b || o.KeepKeys.shape[1] != d.tk {
			panic(fmt.Sprintf("tensor: %s: KeepKeys of shape %v, want [B, Tk] = [%d %d]", op, o.KeepKeys.shape, d.b, d.tk))
		}
		checkSameDevice2(op, q, o.KeepKeys)
	}
	want := []int{d.b, d.h, d.tq, d.tk}
	if o.Keep != nil {
		if len(o.Keep.shape) > 4 || !broadcastable(o.Keep.shape, want) {
			panic(fmt.Sprintf("tensor: %s: Keep of shape %v does not broadcast to [B, H, Tq, Tk] = %v", op, o.Keep.shape, want))
		}
		checkSameDevice2(op, q, o.Keep)
	}
	if o.Bias != nil {
		if len(o.Bias.shape) > 4 || !broadcastable(o.Bias.shape, want) {
			panic(fmt.Sprintf("tensor: %s: Bias of shape %v does not broadcast to [B, H, Tq, Tk] = %v", op, o.Bias.shape, want))
		}
		checkSameDevice2(op, q, o.Bias)
		if o.Bias.dtype != q.dtype {
			panic(fmt.Sprintf("tensor: %s: Bias is %s, the queries %s", op, o.Bias.dtype, q.dtype))
		}
	}
	if o.Dropout < 0 || o.Dropout > 1 || o.Dropout != o.Dropout {
		panic(fmt.Sprintf("tensor: %s: dropout probability %v not in [0, 1]", op, o.Dropout))
	}
	if o.Dropout > 0 && o.Gen == nil {
		panic(fmt.Sprintf("tensor: %s: dropout %v needs a Generator", op, o.Dropout))
	}
}

func (o *AttentionOptions) scale(dh int) float64 {
	if o.Scale != 0 {
		return o.Scale
	}
	return 1 / math.Sqrt(float64(dh))
}

// Attention returns softmax(q·kᵀ·scale + bias)·v for queries q
// [B, H, Tq, D], keys k [B, Hk, Tk, D] and values v [B, Hk, Tk, Dv], as
// [B, H, Tq, Dv], with the masks and dropout of o. H must be a multiple of
// Hk: each group of H/Hk query heads shares a key/value head (grouped-query
// attention; Hk = 1 is multi-query attention). q, k and v may be any
// strided views — heads split from a projection by Reshape and Transpose,
// keys and values held by a KV cache — and are not copied.
//
// On a backend with the AttentionBackend capability (the CPU) the
// attention is fused: computed block by block with a streaming softmax,
// never holding the [Tq, Tk] weights, and recomputed block by block in the
// backward pass from one saved log-sum-exp per row. The result is then laid
// out [B, Tq, H, Dv] in memory, so that merging the heads
// (Transpose(1, 2).Reshape(B, Tq, H·Dv)) is free. Elsewhere, or when the
// bias requires a gradient, it is composed from MatMul, Softmax and the
// mask ops, as AttentionWeights computes it.
//
// Shape mismatches panic with a message naming the shapes.
func Attention(q, k, v *Tensor, o AttentionOptions) *Tensor {
	d := checkAttention("Attention", q, k, v, &o)
	if ab, ok := q.backend().(AttentionBackend); ok && (o.Bias == nil || !o.Bias.needsGrad()) {
		return fusedAttention(ab, q, k, v, d, &o, nil)
	}
	out, _ := composedAttention(q, k, v, d, &o)
	return out
}

// AttentionPacked is self-attention whose heads are column ranges of one
// tensor qkv [B, T, (H + 2·Hk)·D], the output of a fused QKV projection:
// H query heads from column 0, Hk key heads from column H·D and Hk value
// heads after them. It returns Attention of those heads ([B, H, T, D]);
// on a fused backend its backward pass writes the three gradients into one
// gradient of qkv, without a scatter or a sum.
func AttentionPacked(qkv *Tensor, heads, kvHeads int, o AttentionOptions) *Tensor {
	checkNotNil("AttentionPacked", qkv)
	if len(qkv.shape) != 3 || heads <= 0 || kvHeads <= 0 || heads%kvHeads != 0 || qkv.shape[2]%(heads+2*kvHeads) != 0 {
		panic(fmt.Sprintf("tensor: AttentionPacked: qkv of shape %v cannot hold %d query heads and %d key/value heads of one size", qkv.shape, heads, kvHeads))
	}
	b, t := qkv.shape[0], qkv.shape[1]
	dh := qkv.shape[2] / (heads + 2*kvHeads)
	src := qkv.Detach()
	split := func(off, n int) *Tensor {
		return src.Narrow(2, off, n*dh).Reshape(b, t, n, dh).Transpose(1, 2)
	}
	q, k, v := split(0, heads), split(heads*dh, kvHeads), split((heads+kvHeads)*dh, kvHeads)
	d := checkAttention("AttentionPacked", q, k, v, &o)
	if ab, ok := qkv.backend().(AttentionBackend); ok && (o.Bias == nil || !o.Bias.needsGrad()) {
		return fusedAttention(ab, q, k, v, d, &o, qkv)
	}
	// Composed: the views of qkv carry the gradient back.
	split = func(off, n int) *Tensor {
		return qkv.Narrow(2, off, n*dh).Reshape(b, t, n, dh).Transpose(1, 2)
	}
	out, _ := composedAttention(split(0, heads), split(heads*dh, kvHeads), split((heads+kvHeads)*dh, kvHeads), d, &o)
	return out
}

// AttentionWeights computes Attention from the [Tq, Tk] score matrix with
// MatMul, Softmax and the mask ops, on every device, and returns the
// attention weights [B, H, Tq, Tk] too (after masking, before dropout),
// for inspection. It is the reference the fused kernels are tested
// against.
func AttentionWeights(q, k, v *Tensor, o AttentionOptions) (out, weights *Tensor) {
	d := checkAttention("AttentionWeights", q, k, v, &o)
	return composedAttention(q, k, v, d, &o)
}

// attnMasks converts the options' masks to backend views of dtype dt.
func attnMasks(o *AttentionOptions, d attnDims, dt DType) AttentionMasks {
	var m AttentionMasks
	full := []int{d.b, d.h, d.tq, d.tk}
	if o.KeepKeys != nil {
		kk := o.KeepKeys
		if kk.dtype != dt {
			kk = kk.Detach().As(dt)
		}
		m.KeepKeys = kk.view()
	}
	if o.Keep != nil {
		kp := o.Keep
		if kp.dtype != dt {
			kp = kp.Detach().As(dt)
		}
		m.Keep = kp.expandedView(full)
	}
	if o.Bias != nil {
		m.Bias = o.Bias.expandedView(full)
	}
	return m
}

// fusedAttention runs the backend's fused kernel and records its backward
// pass. With packed set, q, k and v are views of packed (detached) and the
// gradient goes to packed as one tensor.
func fusedAttention(ab AttentionBackend, q, k, v *Tensor, d attnDims, o *AttentionOptions, packed *Tensor) *Tensor {
	dt := q.dtype
	masks := attnMasks(o, d, dt)
	p := AttentionParams{Scale: o.scale(d.dh), Causal: o.Causal}
	if o.Dropout > 0 {
		p.Dropout, p.Seed, p.Offset = o.Dropout, o.Gen.seed, o.Gen.reserve(d.b*d.h*d.tq*d.tk)
	}
	q, k, v = lastDense(q), lastDense(k), lastDense(v)
	// The output is laid out [B, Tq, H, Dv] and returned as its
	// [B, H, Tq, Dv] view, so that merging the heads is a free reshape.
	outT := newLike(q, dt, []int{d.b, d.tq, d.h, d.dv})
	out := outT.permuteRaw([]int{0, 2, 1, 3})
	lse := newLike(q, dt, []int{d.b, d.h, d.tq})
	ab.Attention(out.view(), lse.view(), q.view(), k.view(), v.view(), masks, p)

	var inputs []*Tensor
	if packed != nil {
		inputs = []*Tensor{packed}
	} else {
		inputs = []*Tensor{q, k, v}
	}
	for _, t := range []*Tensor{o.KeepKeys, o.Keep, o.Bias} {
		if t != nil {
			inputs = append(inputs, t)
		}
	}
	if !anyNeedsGrad(inputs...) {
		lse.release()
		return out
	}
	record(out, "Attention", func(g *Tensor) []*Tensor {
		g = lastDense(g)
		if packed != nil {
			b, t, w := packed.shape[0], packed.shape[1], packed.shape[2]
			dp := newLike(g, dt, []int{b, t, w})
			part := func(off, n, c int) View {
				return View{Storage: dp.buf.storage, Offset: off, Shape: []int{b, n, t, c}, Strides: []int{t * w, c, w, 1}}
			}
			ab.AttentionGrad(part(0, d.h, d.dh), part(d.h*d.dh, d.hk, d.dh), part((d.h+d.hk)*d.dh, d.hk, d.dv),
				q.view(), k.view(), v.view(), out.view(), lse.view(), g.view(), masks, p)
			return []*Tensor{dp}
		}
		grads := make([]*Tensor, 3)
		var views [3]View
		for i, t := range []*Tensor{q, k, v} {
			if t.needsGrad() {
				grads[i] = newLike(g, dt, t.shape)
				views[i] = grads[i].view()
			}
		}
		ab.AttentionGrad(views[0], views[1], views[2], q.view(), k.view(), v.view(), out.view(), lse.view(), g.view(), masks, p)
		return grads
	}, inputs...)
	out.node.scratch = []*Tensor{lse}
	return out
}

// lastDense returns t, or a contiguous copy when its last dimension is
// strided (the fused kernels read rows of the head dimension).
func lastDense(t *Tensor) *Tensor {
	r := len(t.shape)
	if r == 0 || t.shape[r-1] <= 1 || t.strides[r-1] == 1 {
		return t
	}
	return t.Contiguous()
}

// attnNegBig stands for -Inf in masked scores of the composed path: finite,
// so that a row whose every key is masked gives a uniform softmax instead
// of NaN (it is then zeroed), and exp(negBig - max) is exactly 0 beside any
// unmasked score.
func attnNegBig(dt DType) float64 {
	if dt == Float64 {
		return -1e300
	}
	return -1e30
}

// composedAttention computes attention with differentiable tensor ops:
// the masked scores of AttentionScores, a softmax, and a product with v.
func composedAttention(q, k, v *Tensor, d attnDims, o *AttentionOptions) (out, weights *Tensor) {
	g := d.h / d.hk
	dt := q.dtype
	s := attentionScores(q, k, d, o)
	neg := attnNegBig(dt)
	var valid *Tensor // 1 for rows with a key left, else 0: [B, H, Tq, 1]
	if o.Causal || o.KeepKeys != nil || o.Keep != nil || o.Bias != nil {
		valid = s.Detach().Max(-1).Gt(FullOn(q.Device(), dt, neg/2)).Unsqueeze(-1)
	}
	w := s.Softmax(-1)
	if valid != nil {
		w = w.Mul(valid)
	}
	weights = w
	if o.Dropout > 0 {
		w = w.Dropout(o.Dropout, o.Gen)
	}
	if g > 1 {
		w = w.Reshape(d.b, d.hk, g, d.tq, d.tk)
		v = v.Unsqueeze(2)
	}
	out = w.MatMul(v)
	if g > 1 {
		out = out.Reshape(d.b, d.h, d.tq, d.dv)
	}
	return out, weights
}

// AttentionScores returns the scores of attention, q·kᵀ·scale + Bias
// [B, H, Tq, Tk], with every score the masks of o block set to -1e30
// (-1e300 in float64: finite, so that a softmax over a row with no key
// left gives no NaN) and Bias entries of -Inf likewise. It is one op: the
// scale is applied inside the product and the masks in one pass over the
// scores; its backward pass gives no gradient to masked scores. q, k and
// o are as in Attention (o's dropout is not used).
func AttentionScores(q, k *Tensor, o AttentionOptions) *Tensor {
	checkNotNil("AttentionScores", q, k)
	if len(k.shape) != 4 {
		panic(fmt.Sprintf("tensor: AttentionScores: k of shape %v must be [B, Hk, Tk, D]", k.shape))
	}
	o.Dropout = 0
	d := checkAttention("AttentionScores", q, k, k, &o)
	return attentionScores(q, k, d, &o)
}

// attentionScores computes the masked, scaled scores and records their
// backward pass.
func attentionScores(q, k *Tensor, d attnDims, o *AttentionOptions) *Tensor {
	g := d.h / d.hk
	dt := q.dtype
	scale := o.scale(d.dh)
	neg := attnNegBig(dt)
	be := q.backend()
	// Group query heads by their key/value head: q [B, Hk, G, Tq, D]
	// against k [B, Hk, 1, Tk, D], broadcast without copies.
	qg, kt := q, k.swapLast()
	sShape := []int{d.b, d.h, d.tq, d.tk}
	mm := func(dst View, a, b *Tensor, alpha float64) {
		be.MatMul(dst, a.view(), b.view(), alpha, 0)
	}
	s := newLike2(q, k, dt, sShape)
	if g > 1 {
		qg = q.reshapeRaw([]int{d.b, d.hk, g, d.tq, d.dh})
		kb := kt.reshapeRaw([]int{d.b, d.hk, 1, d.dh, d.tk})
		kt = viewOf(kb, kb.offset, []int{d.b, d.hk, g, d.dh, d.tk}, []int{kb.strides[0], kb.strides[1], 0, kb.strides[3], kb.strides[4]})
		s5 := s.reshapeRaw([]int{d.b, d.hk, g, d.tq, d.tk})
		mm(s5.view(), qg, kt, scale)
	} else {
		mm(s.view(), qg, kt, scale)
	}
	masks := attnMasks(o, d, dt)
	if !attnMaskScoresCPU(s, masks, o.Causal, d) {
		attnMaskScoresComposed(s, o, d, neg)
	}
	bias := o.Bias
	if !anyNeedsGrad(q, k, bias) {
		return s
	}
	record(s, "AttentionScores", func(gr *Tensor) []*Tensor {
		gb := gr.backend()
		// dS: the upstream gradient, zero where a score is masked.
		ds := newLike(gr, dt, sShape)
		thr := scalarLike(s, neg/2)
		keep := newLike(s, dt, sShape)
		gb.Binary(OpGt, keep.view(), s.view(), thr.expandedView(sShape))
		gb.Binary(OpMul, ds.view(), gr.view(), keep.view())
		keep.release()
		thr.release()
		var dq, dk, db *Tensor
		dsg := ds
		if g > 1 {
			dsg = ds.reshapeRaw([]int{d.b, d.hk, g, d.tq, d.tk})
		}
		if q.needsGrad() {
			// dq = scale·dS·k, with k broadcast over the group.
			kk := k
			if g > 1 {
				kb := k.reshapeRaw([]int{d.b, d.hk, 1, d.tk, d.dh})
				kk = viewOf(kb, kb.offset, []int{d.b, d.hk, g, d.tk, d.dh}, []int{kb.strides[0], kb.strides[1], 0, kb.strides[3], kb.strides[4]})
			}
			dq = newLike(gr, dt, qg.shape)
			gb.MatMul(dq.view(), dsg.view(), kk.view(), scale, 0)
			dq = dq.reshapeRaw(q.shape)
		}
		if k.needsGrad() {
			// dk = scale·Σ_group dSᵀ·q.
			if g > 1 {
				full := newLike(gr, dt, []int{d.b, d.hk, g, d.tk, d.dh})
				gb.MatMul(full.view(), dsg.swapLast().view(), qg.view(), scale, 0)
				dk = rawReduce(ReduceSum, full, []int{2}, 0)
				full.release()
			} else {
				dk = newLike(gr, dt, k.shape)
				gb.MatMul(dk.view(), ds.swapLast().view(), q.view(), scale, 0)
			}
		}
		if bias != nil && bias.needsGrad() {
			db = sumTo(ds, bias.shape)
			if db == ds {
				ds = nil // handed over
			}
		}
		if ds != nil {
			ds.release()
		}
		return []*Tensor{dq, dk, db}
	}, q, k, bias)
	return s
}

// attnMaskScoresCPU applies the masks and bias to the scores s on the CPU:
// bias added, blocked scores and scores below the -Inf stand-in set to it.
func attnMaskScoresCPU(s *Tensor, m AttentionMasks, causal bool, d attnDims) bool {
	if s.backend() != cpuBackend {
		return false
	}
	switch s.dtype {
	case Float32:
		attnMaskScores[float32](s, m, causal, d)
	case Float64:
		attnMaskScores[float64](s, m, causal, d)
	default:
		return false
	}
	return true
}

func attnMaskScores[T float](s *Tensor, m AttentionMasks, causal bool, d attnDims) {
	if !causal && !m.KeepKeys.Valid() && !m.Keep.Valid() && !m.Bias.Valid() {
		return
	}
	mp := newAttnMaskPlan[T](m, AttentionParams{Causal: causal}, d)
	neg := T(attnNegBig(s.dtype))
	data := data[T](s.view())[s.offset:]
	parallel.For(d.b*d.h, max(1, (1<<14)/max(d.tq*d.tk, 1)), func(lo, hi int) {
		for bh := lo; bh < hi; bh++ {
			b, h := bh/d.h, bh%d.h
			blk := data[bh*d.tq*d.tk : (bh+1)*d.tq*d.tk]
			mp.apply(blk, b, h, 0, d.tq, 0, d.tk)
			for i, x := range blk {
				if x < neg {
					blk[i] = neg
				}
			}
		}
	})
}

// attnMaskScoresComposed applies the masks with backend ops, on devices
// without the CPU's pass.
func attnMaskScoresComposed(s *Tensor, o *AttentionOptions, d attnDims, neg float64) {
	be := s.backend()
	dt, dev := s.dtype, s.Device()
	sv := s.view()
	if o.Bias != nil {
		be.Binary(OpAdd, sv, sv, o.Bias.expandedView(s.shape))
		be.Unary(OpClamp, sv, sv, UnaryParams{A: neg, B: math.Inf(1)})
	}
	var blocked *Tensor
	or := func(x *Tensor) {
		if blocked == nil {
			blocked = x
		} else {
			blocked = rawBinary(OpMaximum, blocked, x)
		}
	}
	zero := FullOn(dev, dt, 0)
	if o.Causal {
		rows := Arange(0, float64(d.tq), 1).As(dt).To(dev).Reshape(d.tq, 1)
		cols := Arange(0, float64(d.tk), 1).As(dt).To(dev).Reshape(1, d.tk)
		or(rawBinary(OpGt, cols, rows.AddScalar(float64(d.tk-d.tq))))
	}
	if o.KeepKeys != nil {
		kk := o.KeepKeys.Detach()
		if kk.dtype != dt {
			kk = kk.As(dt)
		}
		or(rawBinary(OpEq, kk, zero).reshapeRaw([]int{d.b, 1, 1, d.tk}))
	}
	if o.Keep != nil {
		kp := o.Keep.Detach()
		if kp.dtype != dt {
			kp = kp.As(dt)
		}
		or(rawBinary(OpEq, kp, zero))
	}
	if blocked != nil {
		fill := scalarLike(s, neg)
		be.Where(sv, blocked.expandedView(s.shape), fill.expandedView(s.shape), sv)
	}
}
