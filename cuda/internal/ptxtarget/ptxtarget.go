// Package ptxtarget knows the PTX targets goformer's kernels are compiled
// for and rewrites a PTX module from one target to another.
//
// clang's PTX for sm_80 and for sm_90 differs only in two directives
// (.version and .target), so the cuda package embeds the sm_80 module
// alone and retargets it when it loads on a Hopper or newer device; the
// generator (internal/ptxgen) checks that the result equals clang's own
// sm_90 output, and embeds that output instead wherever it does not.
package ptxtarget

import (
	"bytes"
	"fmt"
	"regexp"
)

// Target is a PTX target: the architecture of --cuda-gpu-arch and the PTX
// ISA version its modules declare.
type Target struct {
	Arch    string // "sm_80"
	Version string // PTX ISA version, "7.0"
	// Major and Minor are the least compute capability that runs it.
	Major, Minor int
	// Exact: the code runs only on compute capability Major.Minor
	// (sm_90a's Hopper-only instructions).
	Exact bool
	// OptIn: only kernel files that ask for it ("// goformer:target
	// sm_90a") are compiled for it, and it is never made by retargeting.
	OptIn bool
}

// Base is the target every module is compiled for and embedded in.
const Base = "sm_80"

// Targets lists the targets, best first.
var Targets = []Target{
	{Arch: "sm_90a", Version: "8.0", Major: 9, Minor: 0, Exact: true, OptIn: true},
	{Arch: "sm_90", Version: "7.8", Major: 9, Minor: 0},
	{Arch: Base, Version: "7.0", Major: 8, Minor: 0},
}

// Lookup returns the target of an architecture.
func Lookup(arch string) (Target, bool) {
	for _, t := range Targets {
		if t.Arch == arch {
			return t, true
		}
	}
	return Target{}, false
}

// Runs reports whether a device of compute capability major.minor runs
// code of target t.
func (t Target) Runs(major, minor int) bool {
	if t.Exact {
		return major == t.Major && minor == t.Minor
	}
	return major > t.Major || major == t.Major && minor >= t.Minor
}

var (
	versionRE = regexp.MustCompile(`(?m)^\.version [0-9]+\.[0-9]+$`)
	targetRE  = regexp.MustCompile(`(?m)^\.target sm_[0-9]+a?$`)
)

// Retarget returns a copy of ptx whose .version and .target directives
// name target t. The module must have exactly one of each (as clang
// writes them, at the top); the rest is left as it is.
func Retarget(ptx []byte, t Target) ([]byte, error) {
	v := versionRE.FindAllIndex(ptx, -1)
	g := targetRE.FindAllIndex(ptx, -1)
	if len(v) != 1 || len(g) != 1 {
		return nil, fmt.Errorf("ptxtarget: module has %d .version and %d .target directives, want one of each", len(v), len(g))
	}
	if v[0][0] > g[0][0] {
		return nil, fmt.Errorf("ptxtarget: .target comes before .version")
	}
	var b bytes.Buffer
	b.Grow(len(ptx) + 8)
	b.Write(ptx[:v[0][0]])
	b.WriteString(".version " + t.Version)
	b.Write(ptx[v[0][1]:g[0][0]])
	b.WriteString(".target " + t.Arch)
	b.Write(ptx[g[0][1]:])
	return b.Bytes(), nil
}
