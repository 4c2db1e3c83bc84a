package metrics

import "math"

// The reference tools call the C library's exp and log, which on the
// reference machine (glibc) return the correctly rounded result for all but
// a tiny fraction of inputs; Go's math.Exp and math.Log may be one unit in
// the last place away. To reproduce the tools' printed digits as often as
// possible, the metrics compute exp and log in double-double arithmetic
// (about 106 bits) and round once.

// dd is an unevaluated sum hi + lo with |lo| <= ulp(hi)/2.
type dd struct{ hi, lo float64 }

func twoSum(a, b float64) dd {
	s := a + b
	bb := s - a
	return dd{s, (a - (s - bb)) + (b - bb)}
}

func quickTwoSum(a, b float64) dd {
	s := a + b
	return dd{s, b - (s - a)}
}

func twoProd(a, b float64) dd {
	p := a * b
	return dd{p, math.FMA(a, b, -p)}
}

func ddAdd(a, b dd) dd {
	s := twoSum(a.hi, b.hi)
	t := twoSum(a.lo, b.lo)
	s.lo += t.hi
	s = quickTwoSum(s.hi, s.lo)
	s.lo += t.lo
	return quickTwoSum(s.hi, s.lo)
}

func ddMul(a, b dd) dd {
	p := twoProd(a.hi, b.hi)
	p.lo += a.hi*b.lo + a.lo*b.hi
	return quickTwoSum(p.hi, p.lo)
}

func ddMulF(a dd, b float64) dd {
	p := twoProd(a.hi, b)
	p.lo += a.lo * b
	return quickTwoSum(p.hi, p.lo)
}

func ddDiv(a, b dd) dd {
	q1 := a.hi / b.hi
	r := ddAdd(a, ddMulF(b, -q1))
	q2 := r.hi / b.hi
	r = ddAdd(r, ddMulF(b, -q2))
	q3 := r.hi / b.hi
	q := quickTwoSum(q1, q2)
	return ddAdd(q, dd{q3, 0})
}

// ln2DD is ln 2 to about 107 bits.
var ln2DD = dd{0.6931471805599453, 2.3190468138462996e-17}

// crLog returns log(x) rounded once from a double-double result.
func crLog(x float64) float64 {
	switch {
	case math.IsNaN(x) || x < 0:
		return math.NaN()
	case x == 0:
		return math.Inf(-1)
	case math.IsInf(x, 1):
		return x
	case x == 1:
		return 0
	}
	m, e := math.Frexp(x) // x = m·2^e, m in [0.5, 1)
	if m < math.Sqrt2/2 {
		m *= 2
		e--
	}
	// log(m) = 2·atanh(s), s = (m-1)/(m+1), |s| <= 0.172.
	s := ddDiv(twoSum(m, -1), twoSum(m, 1))
	s2 := ddMul(s, s)
	term := s
	sum := s
	for k := 3; k < 80; k += 2 {
		term = ddMul(term, s2)
		t := ddDiv(term, dd{float64(k), 0})
		sum = ddAdd(sum, t)
		if math.Abs(t.hi) < 1e-36*math.Abs(sum.hi) {
			break
		}
	}
	r := ddAdd(ddMulF(sum, 2), ddMulF(ln2DD, float64(e)))
	return r.hi + r.lo
}

// crExp returns exp(x) rounded once from a double-double result (outside
// the normal range it falls back to math.Exp).
func crExp(x float64) float64 {
	if math.IsNaN(x) || x > 709 || x < -708 {
		return math.Exp(x)
	}
	if x == 0 {
		return 1
	}
	// x = k·ln2 + r, then exp(r) = (exp(r/2^10))^(2^10).
	k := math.Round(x / math.Ln2)
	r := ddAdd(dd{x, 0}, ddMulF(ln2DD, -k))
	const sq = 10
	r = ddMulF(r, 1.0/(1<<sq))
	// Taylor series of exp(r) - 1; |r| < 4e-4.
	sum := r
	term := r
	for n := 2; n < 30; n++ {
		term = ddDiv(ddMul(term, r), dd{float64(n), 0})
		sum = ddAdd(sum, term)
		if math.Abs(term.hi) < 1e-36 {
			break
		}
	}
	// (1+s)^2 - 1 = s·(2+s), kept in the small part for accuracy.
	for i := 0; i < sq; i++ {
		sum = ddMul(sum, ddAdd(dd{2, 0}, sum))
	}
	res := ddAdd(dd{1, 0}, sum)
	return math.Ldexp(res.hi+res.lo, int(k))
}
