package main

import "fmt"

// The few-row kernels of package gemm (small.go) on NEON: an MR×NR block
// of C = alpha·A·Bᵀ (+ beta·C) from rows of A and B read in place, with
// the arithmetic of the amd64 ones (internal/_asm/gemm/dot.go) on
// 4 lanes: lane l takes the fused products of the elements p ≡ l (mod 4)
// in increasing p, the last k mod 4 elements zero-filled; the lanes are
// summed by halving (l + l+2, then l + l+1); the sum s is stored as
// alpha·s, or alpha·s + beta·C, each operation rounded.
//
// Registers: A rows R3-R6, B rows R7, R8, R10-R15; accumulators V8-V31
// (row i, column j in V8 + i·NR + j); A vectors V0-V3; B vectors V4-V5.

var dotNEONShapes = [][2]int{{1, 8}, {2, 8}, {3, 8}, {4, 6}, {1, 1}, {2, 1}, {3, 1}, {4, 1}}

// zip1d and zip2d interleave the 64-bit halves: Vd = [Vn.d0, Vm.d0] and
// [Vn.d1, Vm.d1].
func zip1d(d, n, m int) {
	word(0x4EC03800|uint32(m)<<16|uint32(n)<<5|uint32(d), fmt.Sprintf("ZIP1 V%d.2D, V%d.2D, V%d.2D", d, n, m))
}

func zip2d(d, n, m int) {
	word(0x4EC07800|uint32(m)<<16|uint32(n)<<5|uint32(d), fmt.Sprintf("ZIP2 V%d.2D, V%d.2D, V%d.2D", d, n, m))
}

func dotKernelNEON(mr, nr int) {
	name := fmt.Sprintf("sdotNEON_%dx%d", mr, nr)
	fmt.Fprintf(&out, "// func %s(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, flags int)\n", name)
	fmt.Fprintf(&out, "TEXT ·%s(SB), NOSPLIT, $0-72\n", name)
	aReg := func(i int) int { return 3 + i }
	bReg := func(j int) int { return []int{7, 8, 10, 11, 12, 13, 14, 15}[j] }
	acc := func(i, j int) int { return 8 + i*nr + j }

	emit("MOVD k+0(FP), R0")
	emit("MOVD a+8(FP), R%d", aReg(0))
	emit("MOVD lda+16(FP), R1")
	emit("LSL $2, R1, R1")
	for i := 1; i < mr; i++ {
		emit("ADD R1, R%d, R%d", aReg(i-1), aReg(i))
	}
	emit("MOVD b+24(FP), R%d", bReg(0))
	emit("MOVD ldb+32(FP), R1")
	emit("LSL $2, R1, R1")
	for j := 1; j < nr; j++ {
		emit("ADD R1, R%d, R%d", bReg(j-1), bReg(j))
	}
	for i := range mr {
		for j := range nr {
			zero(acc(i, j))
		}
	}
	step := func() {
		for j := range nr {
			t := 4 + j%2
			emit("VLD1.P 16(R%d), [V%d.S4]", bReg(j), t)
			for i := range mr {
				fmla(acc(i, j), i, t)
			}
		}
	}
	emit("LSR $2, R0, R2")
	emit("CBZ R2, %s_tail", name)
	label(name + "_loop")
	for i := range mr {
		emit("VLD1.P 16(R%d), [V%d.S4]", aReg(i), i)
	}
	step()
	emit("SUBS $1, R2, R2")
	emit("BNE %s_loop", name)

	// The last k mod 4 elements, loaded lane by lane into zeroed vectors;
	// B's vectors are built in V4 and V5 as the loop does, then used.
	label(name + "_tail")
	emit("AND $3, R0, R2")
	emit("CBZ R2, %s_reduce", name)
	for r := 1; r <= 3; r++ {
		if r < 3 {
			emit("CMP $%d, R2", r)
			emit("BNE %s_tail%d", name, r+1)
		}
		loadLanes := func(reg, v int) {
			zero(v)
			for l := range r {
				emit("VLD1.P 4(R%d), V%d.S[%d]", reg, v, l)
			}
		}
		for i := range mr {
			loadLanes(aReg(i), i)
		}
		for j := range nr {
			t := 4 + j%2
			loadLanes(bReg(j), t)
			for i := range mr {
				fmla(acc(i, j), i, t)
			}
		}
		emit("B %s_reduce", name)
		if r < 3 {
			label(fmt.Sprintf("%s_tail%d", name, r+1))
		}
	}

	label(name + "_reduce")
	emit("MOVD c+40(FP), R1")
	emit("MOVD ldc+48(FP), R2")
	emit("LSL $2, R2, R2")
	emit("FMOVS alpha+56(FP), F6")
	dup(6, 6)
	emit("FMOVS beta+60(FP), F7")
	dup(7, 7)
	emit("MOVD flags+64(FP), R0")
	for i := range mr {
		emit("MOVD R1, R3")
		for j0 := 0; j0 < nr; j0 += 4 {
			g := min(4, nr-j0)
			v := make([]int, 4)
			for q := range v {
				v[q] = acc(i, j0+min(q, g-1))
			}
			// Lane l + l+2: [a0+a2 a1+a3 b0+b2 b1+b3] in V0, likewise
			// c, d in V1; then l + l+1 across the pairs: V0 = [a b c d].
			zip1d(0, v[0], v[1])
			zip2d(1, v[0], v[1])
			fadd(0, 0, 1)
			zip1d(1, v[2], v[3])
			zip2d(2, v[2], v[3])
			fadd(1, 1, 2)
			faddp(0, 0, 1)
			fmul(0, 0, 6)
			lb := fmt.Sprintf("%s_st%d_%d", name, i, j0)
			emit("TBZ $0, R0, %s", lb)
			if g == 4 {
				emit("VLD1 (R3), [V1.S4]")
			} else {
				zero(1)
				emit("MOVD R3, R4")
				for l := range g {
					emit("VLD1.P 4(R4), V1.S[%d]", l)
				}
			}
			fmul(1, 1, 7)
			fadd(0, 0, 1)
			label(lb)
			if g == 4 {
				emit("VST1.P [V0.S4], 16(R3)")
			} else {
				for l := range g {
					emit("VST1.P V0.S[%d], 4(R3)", l)
				}
			}
		}
		emit("ADD R2, R1, R1")
	}
	emit("RET")
	out.WriteString("\n")
}

func dotKernelsNEON() {
	for _, sh := range dotNEONShapes {
		dotKernelNEON(sh[0], sh[1])
	}
}
