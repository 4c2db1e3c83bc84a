package embed_test

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/goformer/goformer/embed"
	"github.com/goformer/goformer/embed/wordvec"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tensor/gradcheck"
)

func randn(seed uint64, shape ...int) *tensor.Tensor {
	return tensor.RandN(rand.New(rand.NewPCG(seed, 5)), shape...)
}

func expectPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		s, _ := r.(string)
		if r == nil || !strings.Contains(s, want) {
			t.Fatalf("panic %v, want one containing %q", r, want)
		}
	}()
	f()
}

func TestTokenLooksUpRows(t *testing.T) {
	e := embed.NewToken(5, 3, tensor.NewGenerator(1))
	ids := tensor.FromSlice([]int32{4, 0, 4, 2}, 2, 2)
	out := e.Forward(ids)
	if !reflect.DeepEqual(out.Shape(), []int{2, 2, 3}) {
		t.Fatalf("shape %v", out.Shape())
	}
	w := e.Weight.Float32s()
	got := out.Float32s()
	for i, id := range []int{4, 0, 4, 2} {
		if !reflect.DeepEqual(got[3*i:3*i+3], w[3*id:3*id+3]) {
			t.Fatalf("row %d is not weight row %d", i, id)
		}
	}
	expectPanic(t, "ids must be int32", func() { e.Forward(tensor.Ones(2)) })
}

func TestPaddingRowGetsNoGradient(t *testing.T) {
	e := embed.NewToken(4, 2, tensor.NewGenerator(1)).WithPadding(1)
	if w := e.Weight.Float32s(); w[2] != 0 || w[3] != 0 {
		t.Fatal("the padding row was not zeroed")
	}
	ids := tensor.FromSlice([]int32{1, 2, 1, 2, 0}, 5)
	e.Forward(ids).Sum().Backward()
	want := []float32{1, 1, 0, 0, 2, 2, 0, 0}
	if got := e.Weight.Grad().Float32s(); !reflect.DeepEqual(got, want) {
		t.Fatalf("gradient %v, want %v", got, want)
	}
	expectPanic(t, "outside the vocabulary", func() { e.WithPadding(4) })
}

func TestPositionTables(t *testing.T) {
	s := embed.NewSinusoidal(50, 8, false)
	tab := s.Forward(7, 3).Float64s()
	for p := 7; p < 10; p++ {
		for i := range 4 {
			a := float64(p) / math.Pow(10000, float64(2*i)/8)
			if math.Abs(tab[(p-7)*8+2*i]-math.Sin(a)) > 1e-7 || math.Abs(tab[(p-7)*8+2*i+1]-math.Cos(a)) > 1e-7 {
				t.Fatalf("PE[%d, %d..] = %v, %v", p, 2*i, tab[(p-7)*8+2*i], tab[(p-7)*8+2*i+1])
			}
		}
	}
	h := embed.NewSinusoidal(50, 8, true).Forward(7, 1).Float64s()
	if math.Abs(h[1]-tab[2]) > 0 || math.Abs(h[5]-tab[3]) > 0 {
		t.Fatalf("the halves layout does not hold the same values: %v vs %v", h, tab[:8])
	}
	expectPanic(t, "positions [48, 51) outside the table of 50 positions", func() { s.Forward(48, 3) })
	l := embed.NewLearned(10, 4, tensor.NewGenerator(2))
	if got, want := l.Forward(3, 2).Float32s(), l.Weight.Float32s()[12:20]; !reflect.DeepEqual(got, want) {
		t.Fatal("Learned.Forward is not rows 3 and 4")
	}
	if got, want := l.Lookup(tensor.FromSlice([]int32{3, 4})).Float32s(), l.Weight.Float32s()[12:20]; !reflect.DeepEqual(got, want) {
		t.Fatal("Learned.Lookup is not rows 3 and 4")
	}
	expectPanic(t, "outside the table of 10 positions", func() { l.Forward(-1, 2) })
	if len(nn.StateDict(s)) != 0 || len(nn.Tensors(s)) != 1 {
		t.Fatal("the sinusoidal table must be a transient buffer")
	}
}

// rotateRef rotates one head vector as Hugging Face's apply_rotary_pos_emb
// does (or GPT-J's interleaved form), in float64.
func rotateRef(x []float64, pos int, dim int, base float64, interleaved bool) []float64 {
	out := append([]float64(nil), x...)
	for i := range dim / 2 {
		a := float64(pos) * math.Pow(base, -float64(2*i)/float64(dim))
		j, k := i, i+dim/2
		if interleaved {
			j, k = 2*i, 2*i+1
		}
		out[j] = x[j]*math.Cos(a) - x[k]*math.Sin(a)
		out[k] = x[k]*math.Cos(a) + x[j]*math.Sin(a)
	}
	return out
}

func TestRotaryMatchesTheReferenceFormulas(t *testing.T) {
	for _, tc := range []struct {
		name        string
		dim, head   int
		interleaved bool
	}{
		{"rotate-half over the whole head", 8, 8, false},
		{"interleaved pairs", 8, 8, true},
		{"partial rotary leaves the rest unchanged", 4, 8, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := embed.NewRotary(tc.dim, 32, 10000, tc.interleaved)
			x := randn(3, 2, 3, 5, tc.head)
			got := r.Apply(x, 6).Float64s()
			xs := x.Float64s()
			for v := range 2 * 3 * 5 {
				pos := 6 + v%5
				want := rotateRef(xs[v*tc.head:(v+1)*tc.head], pos, tc.dim, 10000, tc.interleaved)
				for j := range want {
					if math.Abs(got[v*tc.head+j]-want[j]) > 2e-6 {
						t.Fatalf("vector %d feature %d: %v, want %v", v, j, got[v*tc.head+j], want[j])
					}
				}
			}
			// Explicit positions give the same result.
			pos := tensor.FromSlice([]int32{6, 7, 8, 9, 10, 6, 7, 8, 9, 10}, 2, 5)
			at := r.ApplyAt(x, pos).Float64s()
			for i := range at {
				if math.Abs(at[i]-got[i]) > 1e-6 {
					t.Fatal("ApplyAt with positions offset.. differs from Apply")
				}
			}
		})
	}
}

func TestRotaryScoresDependOnRelativePositionOnly(t *testing.T) {
	r := embed.NewRotary(16, 64, 10000, false)
	q, k := randn(1, 1, 1, 1, 16), randn(2, 1, 1, 1, 16)
	score := func(pq, pk int) float64 {
		return r.Apply(q, pq).Mul(r.Apply(k, pk)).Sum().Item()
	}
	if a, b := score(5, 2), score(40, 37); math.Abs(a-b) > 1e-4 {
		t.Fatalf("score at distance 3: %v at (5, 2), %v at (40, 37)", a, b)
	}
}

func TestRotaryGradientMatchesFiniteDifferences(t *testing.T) {
	for _, inter := range []bool{false, true} {
		r := nn.Cast(embed.NewRotary(4, 8, 10000, inter), tensor.Float64)
		x := randn(4, 2, 3, 6).As(tensor.Float64).SetRequiresGrad(true)
		if err := gradcheck.Check(func(in []*tensor.Tensor) *tensor.Tensor { return r.Apply(in[0], 2) }, []*tensor.Tensor{x}, gradcheck.Options{}); err != nil {
			t.Fatalf("interleaved=%v: %v", inter, err)
		}
	}
}

func TestRotaryRejectsBadShapes(t *testing.T) {
	r := embed.NewRotary(8, 4, 10000, false)
	expectPanic(t, "head size 6", func() { r.Apply(tensor.Ones(1, 2, 6), 0) })
	expectPanic(t, "outside the table of 4 positions", func() { r.Apply(tensor.Ones(1, 5, 8), 0) })
	expectPanic(t, "dim=3 must be positive and even", func() { embed.NewRotary(3, 4, 10000, false) })
}

func TestFromVectorsCoversTheVocabulary(t *testing.T) {
	table := wordvec.New([]string{"the", "cat", "sat"}, 2, []float32{1, 2, 3, 4, 5, 6})
	vocab := []string{"[PAD]", "The", "cat", "dog", "sat"}
	fallback := func(w string) []float32 {
		if w == "dog" {
			return []float32{7, 8}
		}
		return nil
	}
	for _, tc := range []struct {
		name    string
		o       embed.VectorOptions
		exact   int
		lower   int
		fb      int
		missing []string
		row0    []float32
	}{
		{"exact matches only, zeros elsewhere", embed.VectorOptions{Missing: embed.MissingZero}, 2, 0, 0, []string{"[PAD]", "The", "dog"}, []float32{0, 0}},
		{"lower case and a fallback", embed.VectorOptions{Lowercase: true, Fallback: fallback, Missing: embed.MissingMean}, 2, 1, 1, []string{"[PAD]"}, []float32{3, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, cov, err := embed.FromVectors(table, vocab, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			if cov.Exact != tc.exact || cov.Lowercased != tc.lower || cov.Fallback != tc.fb || !reflect.DeepEqual(cov.Missing, tc.missing) {
				t.Fatalf("coverage %+v", cov)
			}
			w := e.Weight.Float32s()
			if !reflect.DeepEqual(w[0:2], tc.row0) || !reflect.DeepEqual(w[4:6], []float32{3, 4}) {
				t.Fatalf("rows %v", w)
			}
			if tc.o.Lowercase && (!reflect.DeepEqual(w[2:4], []float32{1, 2}) || !reflect.DeepEqual(w[6:8], []float32{7, 8})) {
				t.Fatalf("lower-cased or fallback rows %v", w)
			}
			if !e.Weight.RequiresGrad() {
				t.Fatal("the table must be trainable")
			}
		})
	}
	e, cov, err := embed.FromVectors(table, vocab, embed.VectorOptions{Gen: tensor.NewGenerator(1)})
	if err != nil || len(cov.Missing) != 3 {
		t.Fatalf("random rows: %v, %+v", err, cov)
	}
	if w := e.Weight.Float32s(); w[0] == 0 && w[1] == 0 {
		t.Fatal("MissingRandom left a zero row")
	}
	if _, _, err := embed.FromVectors(table, vocab, embed.VectorOptions{}); err == nil {
		t.Fatal("MissingRandom without a generator must fail")
	}
	bad := func(string) []float32 { return []float32{1} }
	if _, _, err := embed.FromVectors(table, vocab, embed.VectorOptions{Fallback: bad, Missing: embed.MissingZero}); err == nil || !strings.Contains(err.Error(), "1 values, the table 2") {
		t.Fatalf("fallback of the wrong size: %v", err)
	}
	if _, _, err := embed.FromVectors(table, nil, embed.VectorOptions{}); err == nil {
		t.Fatal("an empty vocabulary must fail")
	}
}

func TestOutOfRangeIdsPanicNamingTheId(t *testing.T) {
	e := embed.NewToken(5, 3, tensor.NewGenerator(1))
	expectPanic(t, "index 7 at position 1 is out of range [0, 5)", func() { e.Forward(tensor.FromSlice([]int32{1, 7})) })
}
