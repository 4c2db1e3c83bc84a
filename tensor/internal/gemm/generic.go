package gemm

// The assembly is generated: avo writes the amd64 kernels, a small
// program of its own the arm64 ones (see internal/_asm).
//go:generate sh -c "cd ../../../internal/_asm && go run ./gemm -out ../../tensor/internal/gemm/kernels_amd64.s -stubs ../../tensor/internal/gemm/kernels_amd64_stubs.go -pkg gemm"
//go:generate sh -c "cd ../../../internal/_asm && go run ./neon -gemm ../../tensor/internal/gemm/kernel_arm64.s"

import (
	"github.com/goformer/goformer/internal/cpu"
	"github.com/goformer/goformer/internal/parallel"
)

// The kernels and block sizes in use, chosen once at start-up from
// cpu.Active (GOFORMER_CPU) and cpu.Caches.
var (
	sKernel, dKernel = kernelsFor(cpu.Active)
	sBlock           = blockSizes(sKernel.mr, sKernel.nr, 4, cpu.Caches())
	dBlock           = blockSizes(dKernel.mr, dKernel.nr, 8, cpu.Caches())
	sJobs            jobPool[float32]
	dJobs            jobPool[float64]
)

// KernelName names the float32 micro-kernel in use (for benchmark reports),
// for example "avx512-12x32".
func KernelName() string { return sKernel.name }

func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if alpha != 0 && small(transA, transB, m, n, k) {
		sgemmSmall(sDots, parallel.Workers(), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if alpha != 0 && k > 0 && useXW(sKernel, transA, transB, m, n) {
		runXW(sKernel, sBlock, parallel.Workers(), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if k > 0 && alpha != 0 && (m == 1 || n == 1) {
		sgemmVector(parallel.Workers(), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	run(&sJobs, sKernel, sBlock, parallel.Workers(), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	run(&dJobs, dKernel, dBlock, parallel.Workers(), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
