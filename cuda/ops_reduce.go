package cuda

import "fmt"

type reduceKernels struct{ warp, block, thread, finish *kernel }

func defReduce(suffix string) reduceKernels {
	in := structParam(layoutSize(1))
	return reduceKernels{
		warp:   defKernel("reduce", "gf_reduce_warp_"+suffix, in, in, ptr, ptr, ptr, i32, f64),
		block:  defKernel("reduce", "gf_reduce_block_"+suffix, in, in, ptr, ptr, ptr, i32, f64),
		thread: defKernel("reduce", "gf_reduce_thread_"+suffix, in, in, ptr, ptr, ptr, i32, f64),
		finish: defKernel("reduce", "gf_reduce_finish_"+suffix, ptr, ptr, i64, i32, i32, f64, f64),
	}
}

var kReduce = map[int]reduceKernels{
	dtF32: defReduce("f32"),
	dtF64: defReduce("f64"),
	dtI32: defReduce("i32"),
}

// Reduce op codes (tensor.ReduceOp).
const (
	reduceSum = iota
	reduceMean
	reduceMax
	reduceMin
	reduceArgMax
	reduceArgMin
	reduceVar
	reduceLogSumExp
)

// reduceShape is how a reduction is launched: a warp, a block or a thread
// per row, and how many slices R is split into.
type reduceShape struct {
	mode   string
	splits int
}

// reduceOverride, when set by a test, forces the launch shape.
var reduceOverride *reduceShape

func (g *GPU) chooseReduce(rows, r int64, colMode bool) reduceShape {
	if reduceOverride != nil {
		return *reduceOverride
	}
	sms := int64(max(1, g.props.Multiprocessors))
	clamp := func(v, hi int64) int {
		return int(max(1, min(v, hi, 1024)))
	}
	switch {
	case colMode:
		want := sms * 2048
		s := 1
		if rows < want {
			s = clamp(want/rows, r/64)
		}
		return reduceShape{"thread", s}
	case r >= 2048:
		s := 1
		if rows < sms*4 {
			s = clamp((sms*4+rows-1)/rows, r/2048)
		}
		return reduceShape{"block", s}
	}
	return reduceShape{"warp", 1}
}

// reduce reduces the trailing dimensions of x into the contiguous dst
// (x's shape is dst's followed by the reduced dimensions).
func (g *GPU) reduce(op int, dst, x operand, p float64) error {
	k := len(dst.shape)
	ks, ok := kReduce[x.dtype]
	if !ok {
		panic(fmt.Sprintf("cuda: Reduce: dtype %d not supported", x.dtype))
	}
	outer, ok1 := makeLayout(x.shape[:k], x.strides[:k])
	inner, ok2 := makeLayout(x.shape[k:], x.strides[k:])
	if !ok1 || !ok2 {
		return errRankTooHigh
	}
	rows, r := outer.n, inner.n
	if rows == 0 {
		return nil
	}
	colMode := outer.rank == 1 && outer.str[0][0] == 1 && rows > 1 && r > 1 && inner.str[0][inner.rank-1] != 1
	sh := g.chooseReduce(rows, r, colMode)
	var partial *Buffer
	if sh.splits > 1 {
		var err error
		partial, err = g.Alloc(32 * sh.splits * int(rows))
		if err != nil {
			return err
		}
		defer partial.Free()
	}
	var a argBuffer
	a.layout(&outer)
	a.layout(&inner)
	a.ptr(dst.ptr())
	a.ptr(x.ptr())
	if partial != nil {
		a.ptr(partial.Ptr())
	} else {
		a.ptr(0)
	}
	a.i32(op)
	a.f64(p)
	sms := int64(max(1, g.props.Multiprocessors))
	var kern *kernel
	var blocks int64
	switch sh.mode {
	case "warp":
		kern, blocks = ks.warp, min((rows+7)/8, sms*64)
	case "block":
		kern, blocks = ks.block, min(rows, sms*64)
	default:
		kern, blocks = ks.thread, min((rows+255)/256, sms*32)
	}
	if g.emulated {
		blocks = min(blocks, 4)
	}
	if err := g.launch(kern, dim3{uint32(max(blocks, 1)), uint32(sh.splits), 1}, dim3{256, 1, 1}, 0, &a); err != nil {
		return err
	}
	if sh.splits == 1 {
		return nil
	}
	var f argBuffer
	f.ptr(dst.ptr())
	f.ptr(partial.Ptr())
	f.i64(rows)
	f.i32(sh.splits)
	f.i32(op)
	f.f64(float64(r))
	f.f64(p)
	grid, block := g.elementwiseGrid(rows)
	return g.launch(ks.finish, grid, block, 0, &f)
}
