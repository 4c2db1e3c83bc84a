package metrics

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadFixture decodes testdata/name into v.
func loadFixture(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
}

// closeTo reports whether got is within tol of want (absolute), treating
// two NaNs as equal.
func closeTo(got, want, tol float64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	return math.Abs(got-want) <= tol
}

// ulpDiff counts the float64 values between a and b.
func ulpDiff(a, b float64) int64 {
	if a == b {
		return 0
	}
	ia, ib := int64(math.Float64bits(a)), int64(math.Float64bits(b))
	if (ia < 0) != (ib < 0) {
		return math.MaxInt64
	}
	d := ia - ib
	if d < 0 {
		d = -d
	}
	return d
}

// exactness tallies how many values of a fixture a test reproduced to the
// bit, and the largest difference in units in the last place.
type exactness struct {
	n, exact int
	maxULP   int64
}

func (e *exactness) see(got, want float64) {
	e.n++
	d := ulpDiff(got, want)
	if d == 0 {
		e.exact++
	}
	if d > e.maxULP {
		e.maxULP = d
	}
}

func (e *exactness) log(t *testing.T, what string) {
	t.Helper()
	t.Logf("%s: %d of %d values bit-identical to the reference, largest difference %d ulp", what, e.exact, e.n, e.maxULP)
}

var jsonUnmarshal = json.Unmarshal

// syntheticPairs makes n seeded hypothesis/reference pairs of random words
// from a small vocabulary, with punctuation, for self-consistency tests.
func syntheticPairs(n int, seed uint64) ([]string, [][]string) {
	rng := rand.New(rand.NewPCG(seed, 0))
	words := strings.Fields("the a of to and in is was for on that with by it as at be this are from or have an they which one you were her all she there would their we him been has when who will more no if out so said what up its about into than them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people Mr how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three 1990 3.5 U.S. don't well-known")
	sentence := func() string {
		k := 3 + rng.IntN(25)
		ws := make([]string, k)
		for i := range ws {
			ws[i] = words[rng.IntN(len(words))]
		}
		s := strings.Join(ws, " ")
		switch rng.IntN(4) {
		case 0:
			s += "."
		case 1:
			s += ", " + words[rng.IntN(len(words))] + "!"
		}
		return s
	}
	hyps := make([]string, n)
	refs := make([][]string, n)
	for i := range hyps {
		hyps[i] = sentence()
		refs[i] = []string{sentence()}
		if rng.IntN(3) == 0 {
			refs[i] = append(refs[i], hyps[i])
		}
	}
	return hyps, refs
}
