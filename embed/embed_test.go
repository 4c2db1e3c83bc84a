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
	expectPanic(t, "negative position -1", func() { r.Apply(tensor.Ones(1, 5, 8), -1) })
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

// rotateFreqs rotates x (rotate_half pairing) at position pos with the
// given angle per position of each feature pair.
func rotateFreqs(x []float64, pos float64, freqs []float64) []float64 {
	out := append([]float64(nil), x...)
	h := len(freqs)
	for i, f := range freqs {
		s, c := math.Sincos(pos * f)
		out[i] = x[i]*c - x[i+h]*s
		out[i+h] = x[i+h]*c + x[i]*s
	}
	return out
}

func TestRotaryScalingMatchesHuggingFaceFormulas(t *testing.T) {
	const dim, base = 16, 10000.0
	plain := make([]float64, dim/2)
	for i := range plain {
		plain[i] = 1 / math.Pow(base, float64(2*i)/dim)
	}
	scaled := func(f func(i int, v float64) float64) []float64 {
		out := make([]float64, len(plain))
		for i, v := range plain {
			out[i] = f(i, v)
		}
		return out
	}
	// Llama 3.1's rule with a short original context, so that the three
	// bands (kept, blended, stretched) all occur among 8 frequencies.
	const old, factor, low, high = 64.0, 8.0, 1.0, 4.0
	llama3 := scaled(func(_ int, v float64) float64 {
		wave := 2 * math.Pi / v
		if wave < old/high {
			return v
		}
		if wave > old/low {
			return v / factor
		}
		s := (old/wave - low) / (high - low)
		return (1-s)*v/factor + s*v
	})
	ntk := func(n int) []float64 {
		b := base * math.Pow(2*float64(n)/16-1, dim/(dim-2.0))
		return scaled(func(i int, _ float64) float64 { return 1 / math.Pow(b, float64(2*i)/dim) })
	}
	for _, tc := range []struct {
		name   string
		s      embed.RotaryScaling
		offset int
		t      int
		freqs  []float64
	}{
		{"none", embed.RotaryScaling{}, 3, 4, plain},
		{"beyond the tables", embed.RotaryScaling{}, 18, 5, plain},
		{"linear divides every frequency", embed.RotaryScaling{Type: "linear", Factor: 4}, 3, 4, scaled(func(_ int, v float64) float64 { return v / 4 })},
		{"llama3 blends by wavelength", embed.RotaryScaling{Type: "llama3", Factor: factor, OriginalMaxLen: old, LowFreqFactor: low, HighFreqFactor: high}, 5, 3, llama3},
		{"dynamic within the original context changes nothing", embed.RotaryScaling{Type: "dynamic", Factor: 2, OriginalMaxLen: 16}, 10, 6, plain},
		{"dynamic beyond it grows the base with the length", embed.RotaryScaling{Type: "dynamic", Factor: 2, OriginalMaxLen: 16}, 10, 14, ntk(24)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := embed.NewScaledRotary(dim, 20, base, tc.s)
			x := randn(7, 1, 2, tc.t, dim)
			check := func(what string, got []float64) {
				t.Helper()
				xs := x.Float64s()
				for v := range 2 * tc.t {
					want := rotateFreqs(xs[v*dim:(v+1)*dim], float64(tc.offset+v%tc.t), tc.freqs)
					for j := range want {
						if math.Abs(got[v*dim+j]-want[j]) > 1e-5 {
							t.Fatalf("%s: vector %d feature %d: %v, want %v", what, v, j, got[v*dim+j], want[j])
						}
					}
				}
			}
			check("Apply", r.Apply(x, tc.offset).Float64s())
			ps := make([]int32, tc.t)
			for i := range ps {
				ps[i] = int32(tc.offset + i)
			}
			check("ApplyAt", r.ApplyAt(x, tensor.FromSlice(ps, 1, tc.t)).Float64s())
		})
	}
}

func TestRotaryScalingRejectsBadParameters(t *testing.T) {
	for _, s := range []embed.RotaryScaling{
		{Type: "yarnish", Factor: 2},
		{Type: "linear", Factor: 0.5},
		{Type: "dynamic", Factor: 2},
		{Type: "llama3", Factor: 8, OriginalMaxLen: 8192, LowFreqFactor: 4, HighFreqFactor: 1},
	} {
		if err := s.Validate(); err == nil {
			t.Errorf("%+v: no error", s)
		}
	}
	expectPanic(t, "unknown rotary scaling", func() { embed.NewScaledRotary(8, 4, 10000, embed.RotaryScaling{Type: "su"}) })
}
