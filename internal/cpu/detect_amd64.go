//go:build amd64 && !purego

package cpu

import "golang.org/x/sys/cpu"

func detect() []Level {
	l := []Level{Generic}
	x := cpu.X86
	// HasAVX2 and HasAVX512* already include the operating system's support
	// for saving the wider registers (XGETBV).
	if x.HasAVX2 && x.HasFMA {
		l = append(l, AVX2)
		if x.HasAVX512F && x.HasAVX512BW && x.HasAVX512DQ && x.HasAVX512VL {
			l = append(l, AVX512)
		}
	}
	return l
}
