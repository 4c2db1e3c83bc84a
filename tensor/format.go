package tensor

import (
	"fmt"
	"strconv"
	"strings"
)

// summarizeAbove is the element count beyond which printing shows only
// the first and last edgeItems entries of each dimension.
const (
	summarizeAbove = 1000
	edgeItems      = 3
)

// Format implements fmt.Formatter. %v prints the values as nested
// brackets (rows on separate lines), summarizing large tensors with "...";
// %+v and %s (and String) add a header with shape, dtype and device, and
// the gradient function of a computed tensor. The float verbs %e, %f and %g
// (with their precision, as in %.3f) format each value.
func (t *Tensor) Format(f fmt.State, verb rune) {
	if t == nil {
		fmt.Fprint(f, "Tensor(nil)")
		return
	}
	vf := valueFormat{verb: 'g', prec: -1}
	switch verb {
	case 'v', 's':
	case 'e', 'E', 'f', 'F', 'g', 'G':
		vf.verb = byte(verb)
		if p, ok := f.Precision(); ok {
			vf.prec = p
		} else if verb != 'g' && verb != 'G' {
			vf.prec = 6
		}
	default:
		fmt.Fprintf(f, "%%!%c(*tensor.Tensor)", verb)
		return
	}
	if verb == 's' || f.Flag('+') {
		fmt.Fprintf(f, "Tensor(%v %s on %s", t.shape, t.dtype, t.Device())
		if t.node != nil {
			fmt.Fprintf(f, ", grad_fn=%s", t.node.op)
		} else if t.requiresGrad {
			fmt.Fprint(f, ", requires_grad")
		}
		fmt.Fprint(f, ")\n")
	}
	if t.buf.dead {
		fmt.Fprintf(f, "<released by %s>", t.buf.why)
		return
	}
	vals := t.Float64s()
	var b strings.Builder
	summarize := len(vals) > summarizeAbove
	formatDims(&b, t.shape, vals, 0, t.dtype, vf, summarize, 1)
	fmt.Fprint(f, b.String())
}

func formatDims(b *strings.Builder, shape []int, vals []float64, off int, dt DType, vf valueFormat, summarize bool, indent int) {
	if len(shape) == 0 {
		b.WriteString(vf.format(vals[off], dt))
		return
	}
	n := shape[0]
	inner := numel(shape[1:])
	b.WriteByte('[')
	for i := 0; i < n; i++ {
		if summarize && n > 2*edgeItems && i == edgeItems {
			b.WriteString("...")
			if len(shape) > 1 {
				b.WriteString("\n" + strings.Repeat(" ", indent))
			} else {
				b.WriteByte(' ')
			}
			i = n - edgeItems - 1
			continue
		}
		formatDims(b, shape[1:], vals, off+i*inner, dt, vf, summarize, indent+1)
		if i < n-1 {
			if len(shape) > 1 {
				b.WriteString("\n" + strings.Repeat(" ", indent))
			} else {
				b.WriteByte(' ')
			}
		}
	}
	b.WriteByte(']')
}

// valueFormat is how one element prints.
type valueFormat struct {
	verb byte
	prec int
}

func (vf valueFormat) format(v float64, dt DType) string {
	if vf.verb == 'g' && vf.prec < 0 {
		switch dt {
		case Int32:
			return strconv.FormatInt(int64(v), 10)
		case Float64:
			return strconv.FormatFloat(v, 'g', -1, 64)
		}
		return strconv.FormatFloat(v, 'g', -1, 32)
	}
	return strconv.FormatFloat(v, vf.verb, vf.prec, 64)
}
