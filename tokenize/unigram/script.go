package unigram

import (
	"sort"
	"sync"
	"unicode"
)

// Unicode scripts of characters, for the trainer's rule that a piece must
// not mix scripts. Characters without a script count as Common, as in
// SentencePiece. The tables are Go's (the Unicode version of package
// unicode); SentencePiece's are from an older Unicode version, so a few
// recently assigned characters may differ.
const (
	scriptCommon = iota
	scriptInherited
	scriptHan
	scriptHiragana
	scriptKatakana
	scriptFirstOther
)

const scriptTableSize = 0x32400

var scriptTable = sync.OnceValue(func() []uint8 {
	names := make([]string, 0, len(unicode.Scripts))
	for name := range unicode.Scripts {
		names = append(names, name)
	}
	sort.Strings(names)
	ids := map[string]uint8{"Common": scriptCommon, "Inherited": scriptInherited,
		"Han": scriptHan, "Hiragana": scriptHiragana, "Katakana": scriptKatakana}
	next := uint8(scriptFirstOther)
	for _, n := range names {
		if _, ok := ids[n]; !ok {
			ids[n] = next
			next++
		}
	}
	t := make([]uint8, scriptTableSize)
	for _, n := range names {
		id := ids[n]
		tab := unicode.Scripts[n]
		for _, r := range tab.R16 {
			for c := uint32(r.Lo); c <= uint32(r.Hi); c += uint32(r.Stride) {
				t[c] = id
			}
		}
		for _, r := range tab.R32 {
			for c := r.Lo; c <= r.Hi && c < scriptTableSize; c += r.Stride {
				t[c] = id
			}
		}
	}
	return t
})

// scriptOf returns the script class of c.
func scriptOf(c rune) uint8 {
	if c >= 0 && c < scriptTableSize {
		return scriptTable()[c]
	}
	return scriptCommon
}
