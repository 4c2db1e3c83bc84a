package tensor

import "fmt"

// swapLast returns the raw view of t with its last two dims swapped.
func (t *Tensor) swapLast() *Tensor {
	r := len(t.shape)
	perm := make([]int, r)
	for i := range perm {
		perm[i] = i
	}
	perm[r-2], perm[r-1] = r-1, r-2
	return t.permuteRaw(perm)
}

// matmulRaw multiplies a [..., m, k] by b [..., k, n] (rank ≥ 2 each) with
// broadcast batch dims, without recording.
func matmulRaw(a, b *Tensor) *Tensor {
	ra, rb := len(a.shape), len(b.shape)
	m, k, n := a.shape[ra-2], a.shape[ra-1], b.shape[rb-1]
	if b.shape[rb-2] != k {
		panic(fmt.Sprintf("tensor: MatMul: shapes %v and %v: inner dimensions %d and %d differ", a.shape, b.shape, k, b.shape[rb-2]))
	}
	var batch []int
	if ra == 2 && rb == 2 {
		batch = nil
	} else {
		batch = broadcastShapes("MatMul", a.shape[:ra-2], b.shape[:rb-2])
	}
	outShape := append(append(make([]int, 0, len(batch)+2), batch...), m, n)
	aShape := append(append(make([]int, 0, len(batch)+2), batch...), m, k)
	bShape := append(append(make([]int, 0, len(batch)+2), batch...), k, n)
	out := newLike2(a, b, a.dtype, outShape)
	a.backend().MatMul(out.view(), a.expandedView(aShape), b.expandedView(bShape), 1, 0)
	return out
}

// MatMul returns the matrix product of t and b with PyTorch's matmul
// semantics: 1-D operands are treated as a row (first operand) or a column
// (second) vector and that dimension is removed from the result; operands
// of rank ≥ 2 are batches of matrices whose batch dimensions broadcast.
// Transposed operands (views from T or Transpose) are multiplied without
// copies. Shape mismatches panic naming both shapes.
func (t *Tensor) MatMul(b *Tensor) *Tensor {
	checkNotNil("MatMul", t, b)
	checkSameDevice2("MatMul", t, b)
	checkSameDType2("MatMul", t, b)
	checkFloat("MatMul", t)
	if len(t.shape) == 0 || len(b.shape) == 0 {
		panic(fmt.Sprintf("tensor: MatMul: shapes %v and %v: scalars cannot be multiplied as matrices", t.shape, b.shape))
	}
	a, bb := t, b
	squeezeRow, squeezeCol := false, false
	if len(a.shape) == 1 {
		a = a.Unsqueeze(0)
		squeezeRow = true
	}
	if len(bb.shape) == 1 {
		bb = bb.Unsqueeze(1)
		squeezeCol = true
	}
	if a.shape[len(a.shape)-1] != bb.shape[len(bb.shape)-2] {
		panic(fmt.Sprintf("tensor: MatMul: shapes %v and %v do not match (inner dimensions %d and %d)", t.shape, b.shape, a.shape[len(a.shape)-1], bb.shape[len(bb.shape)-2]))
	}
	out := matmulRaw(a, bb)
	if a.needsGrad() || bb.needsGrad() {
		record(out, "MatMul", func(g *Tensor) []*Tensor {
			var da, db *Tensor
			if a.needsGrad() {
				da = sumToTemp(matmulRaw(g, bb.swapLast()), a.shape)
			}
			if bb.needsGrad() {
				db = matmulGradB(a, g, bb.shape)
			}
			return []*Tensor{da, db}
		}, a, bb)
	}
	if squeezeRow {
		out = out.Squeeze(-2)
	}
	if squeezeCol {
		out = out.Squeeze(-1)
	}
	return out
}

// matmulGradB returns the gradient of b in a·b, summed to b's shape. When
// b is a single matrix shared by a batch of a (x·W), the batch folds into
// one product aᵀ·g over all rows.
func matmulGradB(a, g *Tensor, bShape []int) *Tensor {
	ra := len(a.shape)
	if len(bShape) == 2 && ra > 2 {
		// The broadcast batch is a's own batch: fold it into the rows.
		k, gr := a.shape[ra-1], len(g.shape)
		rows := numel(a.shape[:ra-1])
		a2 := a.reshapeRaw([]int{rows, k})
		g2 := g.reshapeRaw([]int{rows, g.shape[gr-1]})
		return matmulRaw(a2.swapLast(), g2)
	}
	return sumToTemp(matmulRaw(a.swapLast(), g), bShape)
}
