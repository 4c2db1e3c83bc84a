// Package asm is a separate module holding the avo programs that write
// goformer's amd64 assembly kernels. It keeps avo and its dependencies out of
// the main module's build. Run `go generate ./internal/vec ./tensor/internal/gemm` from the
// repository root to rewrite the generated .s files and their Go stubs.
package asm
