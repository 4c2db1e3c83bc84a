// Package cpu chooses, once at start-up, which instruction set goformer's
// kernels use, and reports the sizes of the CPU caches that size their
// blocking.
//
// The kernel packages (gemm, vec) read [Active] in their init functions and
// bind their function tables to it. The best level the CPU and the build
// support is used unless the GOFORMER_CPU environment variable asks for a
// lower one:
//
//	GOFORMER_CPU=purego   portable Go code everywhere (the twins of the kernels)
//	GOFORMER_CPU=avx2     AVX2+FMA kernels on amd64, even when AVX-512 is present
//	GOFORMER_CPU=avx512   AVX-512 kernels on amd64 (the default where supported)
//	GOFORMER_CPU=neon     NEON kernels on arm64 (the default there)
//
// A request the CPU cannot honour (avx512 on an AVX2-only machine) falls back
// to the best level below it; an unknown name is ignored. [Note] says what
// happened. Builds with the purego tag, and architectures other than amd64
// and arm64, always use the Go code.
package cpu

import (
	"fmt"
	"os"
	"strings"
)

// Level is a family of kernels: one instruction-set level of one
// architecture, or the portable Go code.
type Level int

// The kernel families, in increasing order of capability within an
// architecture.
const (
	Generic Level = iota // portable Go code
	AVX2                 // amd64 with AVX2 and FMA3
	AVX512               // amd64 with AVX-512 F, BW, DQ and VL
	NEON                 // arm64 Advanced SIMD
)

// String returns the name GOFORMER_CPU uses for the level.
func (l Level) String() string {
	switch l {
	case Generic:
		return "purego"
	case AVX2:
		return "avx2"
	case AVX512:
		return "avx512"
	case NEON:
		return "neon"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// ParseLevel maps a GOFORMER_CPU value (case-insensitive; "generic" and "go"
// are accepted for purego) to its level.
func ParseLevel(s string) (Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "purego", "generic", "go":
		return Generic, nil
	case "avx2":
		return AVX2, nil
	case "avx512", "avx-512":
		return AVX512, nil
	case "neon", "asimd":
		return NEON, nil
	}
	return Generic, fmt.Errorf("cpu: unknown kernel level %q (want purego, avx2, avx512 or neon)", s)
}

// Supports reports whether this CPU and build can run kernels of level l.
func Supports(l Level) bool {
	if l == Generic {
		return true
	}
	for _, s := range supported {
		if s == l {
			return true
		}
	}
	return false
}

// Best returns the most capable level this CPU and build support.
func Best() Level { return supported[len(supported)-1] }

// Supported lists the levels this CPU and build can run, Generic first.
func Supported() []Level { return append([]Level(nil), supported...) }

var (
	supported = detect() // Generic first, best last
	// Active is the level the kernels use, chosen at start-up from Best and
	// the GOFORMER_CPU environment variable. It does not change afterwards.
	Active Level
	note   string
)

func init() {
	Active, note = choose(os.Getenv("GOFORMER_CPU"), supported)
}

// choose picks the level for a GOFORMER_CPU value among the supported
// levels (Generic first, best last) and explains the choice.
func choose(env string, sup []Level) (Level, string) {
	best := sup[len(sup)-1]
	if strings.TrimSpace(env) == "" {
		return best, "using " + best.String() + ", the best this CPU supports"
	}
	want, err := ParseLevel(env)
	if err != nil {
		return best, fmt.Sprintf("GOFORMER_CPU=%q is not a kernel level; using %s", env, best)
	}
	for _, s := range sup {
		if s == want {
			return want, "using " + want.String() + " as GOFORMER_CPU asks"
		}
	}
	// Fall back to the best supported level below the request, on the
	// same architecture.
	got := Generic
	for _, s := range sup {
		if s < want && sameArch(s, want) {
			got = s
		}
	}
	return got, fmt.Sprintf("GOFORMER_CPU=%s is not supported here; using %s", want, got)
}

func sameArch(a, b Level) bool {
	x86 := func(l Level) bool { return l == AVX2 || l == AVX512 }
	return a == Generic || b == Generic || x86(a) == x86(b)
}

// Note says which level is active and why (for logs and error reports).
func Note() string { return note }
