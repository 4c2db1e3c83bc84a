package nn

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// ErrNoMatch is returned (wrapped) when a name pattern matches no
// parameter, which usually means a typo.
var ErrNoMatch = errors.New("nn: pattern matches no parameter")

// Freeze stops gradients to every parameter of m (a model or any of its
// submodules): they no longer require a gradient, their accumulated
// gradient is dropped, and optimizers (which update Trainable parameters)
// keep no state for them.
func Freeze(m any) {
	for _, p := range Params(m) {
		p.Tensor.ZeroGrad()
		p.Tensor.SetRequiresGrad(false)
	}
}

// Unfreeze makes every parameter of m require a gradient again.
func Unfreeze(m any) {
	for _, p := range Params(m) {
		if p.Tensor.DType().IsFloat() {
			p.Tensor.SetRequiresGrad(true)
		}
	}
}

// FreezeMatching freezes the parameters of m whose dotted names match one
// of the patterns, and returns how many it froze. A pattern is a glob as in
// path.Match, where * matches any run of characters including dots, and it
// matches a name when it matches the whole name or a dotted prefix of it:
// "embeddings" freezes everything under embeddings, "encoder.layer.[0-5]"
// the first six layers, "*.bias" every bias. A malformed pattern returns
// path.ErrBadPattern; a pattern that matches nothing returns an error
// wrapping ErrNoMatch (after freezing what the other patterns matched).
func FreezeMatching(m any, patterns ...string) (int, error) {
	return setMatching("FreezeMatching", m, patterns, false)
}

// UnfreezeMatching makes the parameters of m whose names match one of the
// patterns require a gradient again; patterns are as in FreezeMatching.
func UnfreezeMatching(m any, patterns ...string) (int, error) {
	return setMatching("UnfreezeMatching", m, patterns, true)
}

func setMatching(op string, m any, patterns []string, on bool) (int, error) {
	for _, pat := range patterns {
		if !validPattern(pat) {
			return 0, fmt.Errorf("nn: %s: pattern %q: %w", op, pat, path.ErrBadPattern)
		}
	}
	used := make([]bool, len(patterns))
	n := 0
	for _, p := range Params(m) {
		hit := false
		for i, pat := range patterns {
			if MatchName(pat, p.Name) {
				used[i] = true
				hit = true
			}
		}
		if !hit {
			continue
		}
		n++
		if on {
			if p.Tensor.DType().IsFloat() {
				p.Tensor.SetRequiresGrad(true)
			}
		} else {
			p.Tensor.ZeroGrad()
			p.Tensor.SetRequiresGrad(false)
		}
	}
	var unused []string
	for i, u := range used {
		if !u {
			unused = append(unused, fmt.Sprintf("%q", patterns[i]))
		}
	}
	if len(unused) > 0 {
		return n, fmt.Errorf("nn: %s: %s: %w", op, strings.Join(unused, ", "), ErrNoMatch)
	}
	return n, nil
}

// MatchName reports whether the glob pattern matches the dotted name or a
// dotted prefix of it, as FreezeMatching uses patterns. A malformed pattern
// matches nothing.
func MatchName(pattern, name string) bool {
	for {
		if ok, err := path.Match(pattern, name); err == nil && ok {
			return true
		}
		i := strings.LastIndexByte(name, '.')
		if i < 0 {
			return false
		}
		name = name[:i]
	}
}

// validPattern reports whether pat is a well-formed glob.
func validPattern(pat string) bool {
	_, err := path.Match(pat, "")
	return err == nil
}
