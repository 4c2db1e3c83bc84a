package train

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/goformer/goformer/internal/atomicfile"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// History is the record of a run: the training loss of every update and
// the metrics of every evaluation.
type History struct {
	// Loss[i] is the mean loss of the micro-batches of update i+1.
	Loss []float64 `json:"loss"`
	// LR[i] is the learning rate of the first group at update i+1.
	LR []float64 `json:"lr"`
	// Evals are the evaluations in order.
	Evals []Eval `json:"evals"`
}

// Eval is one evaluation: its step and metrics.
type Eval struct {
	Step    int                `json:"step"`
	Metrics map[string]float64 `json:"metrics"`
}

// smooth returns the exponential moving average of xs with weight 1-a on
// each new value, bias-corrected as TensorBoard does.
func smooth(xs []float64, a float64) []float64 {
	out := make([]float64, len(xs))
	m, w := 0.0, 0.0
	for i, x := range xs {
		m = a*m + (1-a)*x
		w = a*w + (1 - a)
		out[i] = m / w
	}
	return out
}

var palette = []color.Color{
	color.RGBA{R: 31, G: 119, B: 180, A: 255},
	color.RGBA{R: 255, G: 127, B: 14, A: 255},
	color.RGBA{R: 44, G: 160, B: 44, A: 255},
	color.RGBA{R: 214, G: 39, B: 40, A: 255},
	color.RGBA{R: 148, G: 103, B: 189, A: 255},
	color.RGBA{R: 140, G: 86, B: 75, A: 255},
}

// Plot writes the curves of h as a PNG image at path: on the left the
// training loss per update (faint) with its moving average, and the
// evaluated metrics whose name says loss; on the right the other
// evaluation metrics (accuracy, F1, perplexity), all against the update
// step.
// title heads the loss panel. The file is replaced atomically.
func Plot(path, title string, h History) error {
	left := plot.New()
	left.Title.Text = "loss"
	if title != "" {
		left.Title.Text = title + ": loss"
	}
	left.X.Label.Text = "step"
	right := plot.New()
	right.Title.Text = "evaluation"
	right.X.Label.Text = "step"
	if len(h.Loss) > 0 {
		raw := make(plotter.XYs, len(h.Loss))
		avg := make(plotter.XYs, len(h.Loss))
		sm := smooth(h.Loss, 0.9)
		for i, l := range h.Loss {
			raw[i] = plotter.XY{X: float64(i + 1), Y: finite(l)}
			avg[i] = plotter.XY{X: float64(i + 1), Y: finite(sm[i])}
		}
		if err := addLine(left, raw, color.NRGBA{R: 31, G: 119, B: 180, A: 70}, ""); err != nil {
			return err
		}
		if err := addLine(left, avg, palette[0], "train (smoothed)"); err != nil {
			return err
		}
	}
	names := map[string]bool{}
	for _, e := range h.Evals {
		for k := range e.Metrics {
			names[k] = true
		}
	}
	sorted := make([]string, 0, len(names))
	for k := range names {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	rightUsed := false
	for i, name := range sorted {
		var pts plotter.XYs
		for _, e := range h.Evals {
			if v, ok := e.Metrics[name]; ok && !math.IsNaN(v) && !math.IsInf(v, 0) {
				pts = append(pts, plotter.XY{X: float64(e.Step), Y: v})
			}
		}
		if len(pts) == 0 {
			continue
		}
		p := right
		if isLoss(name) {
			p = left
		} else {
			rightUsed = true
		}
		c := palette[(i+1)%len(palette)]
		if err := addLine(p, pts, c, name); err != nil {
			return err
		}
		s, err := plotter.NewScatter(pts)
		if err != nil {
			return err
		}
		s.Color = c
		s.Shape = draw.CircleGlyph{}
		p.Add(s)
	}
	for _, p := range []*plot.Plot{left, right} {
		p.Legend.Top = true
		p.Add(plotter.NewGrid())
	}
	cols := 1
	if rightUsed {
		cols = 2
	}
	const w, hgt = 6 * vg.Inch, 4 * vg.Inch
	img := vgimg.New(w*vg.Length(cols), hgt)
	body := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 4, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2}
	canvases := plot.Align([][]*plot.Plot{[]*plot.Plot{left, right}[:cols]}, tiles, body)
	left.Draw(canvases[0][0])
	if cols == 2 {
		right.Draw(canvases[0][1])
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	err := atomicfile.Write(path, func(w io.Writer) error {
		_, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(w)
		return err
	})
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return nil
}

func isLoss(name string) bool {
	return strings.Contains(strings.ToLower(name), "loss")
}

func finite(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}

func addLine(p *plot.Plot, pts plotter.XYs, c color.Color, name string) error {
	l, err := plotter.NewLine(pts)
	if err != nil {
		return err
	}
	l.Color = c
	l.Width = vg.Points(1.5)
	p.Add(l)
	if name != "" {
		p.Legend.Add(name, l)
	}
	return nil
}
