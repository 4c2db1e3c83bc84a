//go:build arm64 && !purego

package cpu

func detect() []Level {
	// Advanced SIMD is mandatory in ARMv8-A.
	return []Level{Generic, NEON}
}
