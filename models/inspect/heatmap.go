package inspect

import (
	"bufio"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/goformer/goformer/internal/atomicfile"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	vgdraw "gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// HeatMapOptions configures HeatMap.
type HeatMapOptions struct {
	// Queries and Keys label the rows (queries, top to bottom) and the
	// columns (keys, left to right): the tokens. When set, each must have
	// one label per row or column; when nil the axes are numbered.
	Queries, Keys []string
	// Title heads the image; empty: the map's module, layer and head.
	Title string
	// Max is the weight drawn darkest (weights above it too): 0 means 1,
	// the same scale for every map; a negative Max means the map's largest
	// weight, so that a head whose weights spread thinly over many tokens
	// shows its pattern.
	Max float64
	// Cell is the side of one cell (0: 0.55 cm); the image grows with the
	// number of tokens.
	Cell vg.Length
	// DPI is the image's resolution (0: 96).
	DPI int
}

// HeatMap draws map m as a PNG image on w: one cell per query (row) and
// key (column), darker for a higher weight, with the tokens on the axes
// (keys along the bottom, written upwards) and a colour scale from 0 to the
// darkest weight.
func HeatMap(w io.Writer, m Map, o HeatMapOptions) error {
	if m.Queries <= 0 || m.Keys <= 0 || len(m.Weights) != m.Queries*m.Keys {
		return fmt.Errorf("inspect: heat map of %d×%d holds %d weights", m.Queries, m.Keys, len(m.Weights))
	}
	if o.Queries != nil && len(o.Queries) != m.Queries {
		return fmt.Errorf("inspect: heat map: %d query labels for %d queries", len(o.Queries), m.Queries)
	}
	if o.Keys != nil && len(o.Keys) != m.Keys {
		return fmt.Errorf("inspect: heat map: %d key labels for %d keys", len(o.Keys), m.Keys)
	}
	hi := o.Max
	switch {
	case hi == 0:
		hi = 1
	case hi < 0:
		hi = 0
		for _, v := range m.Weights {
			hi = math.Max(hi, float64(v))
		}
		if hi <= 0 {
			hi = 1
		}
	}
	cell := o.Cell
	if cell <= 0 {
		cell = 0.55 * vg.Centimeter
	}
	dpi := o.DPI
	if dpi <= 0 {
		dpi = 96
	}
	title := o.Title
	if title == "" {
		title = fmt.Sprintf("layer %d, head %d", m.Layer, m.Head)
		if m.Call > 0 {
			title += fmt.Sprintf(", call %d", m.Call)
		}
		title += " (" + m.Module + ")"
	}

	pal := blues(256)
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "key"
	p.Y.Label.Text = "query"
	p.Add(plotter.NewImage(raster(m, hi, pal), -0.5, -0.5, float64(m.Keys)-0.5, float64(m.Queries)-0.5))
	p.X.Padding, p.Y.Padding = 0, 0
	p.X.Min, p.X.Max = -0.5, float64(m.Keys)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(m.Queries)-0.5
	p.X.Tick.Marker = labelTicks(o.Keys, m.Keys, false)
	p.Y.Tick.Marker = labelTicks(o.Queries, m.Queries, true)
	p.X.Tick.Label.Rotation = math.Pi / 2
	p.X.Tick.Label.XAlign = vgdraw.XRight
	p.X.Tick.Label.YAlign = vgdraw.YCenter

	// The colour scale: a one-column heat map from 0 to hi.
	bar := plot.New()
	bar.HideX()
	bar.Y.Padding = 0
	bar.Add(plotter.NewImage(scaleImage(pal), 0, 0, 1, hi))
	bar.Y.Min, bar.Y.Max = 0, hi
	bar.Y.Tick.Marker = plot.ConstantTicks{{Value: 0, Label: "0"}, {Value: hi / 2, Label: fmt.Sprintf("%.2g", hi/2)}, {Value: hi, Label: fmt.Sprintf("%.2g", hi)}}

	// The plot area is one cell per token; the margins hold the labels,
	// the title and the scale.
	longest := func(labels []string, n int) vg.Length {
		var w vg.Length
		for i := range n {
			w = max(w, p.X.Tick.Label.Width(label(labels, i)))
		}
		return w
	}
	left := longest(o.Queries, m.Queries) + 1.5*vg.Centimeter
	bottom := longest(o.Keys, m.Keys) + 1.5*vg.Centimeter
	top := 1.2 * vg.Centimeter
	barW := 2.6 * vg.Centimeter
	width := max(cell*vg.Length(m.Keys)+left+barW+vg.Centimeter, p.Title.TextStyle.Width(title)+vg.Centimeter, 8*vg.Centimeter)
	height := max(cell*vg.Length(m.Queries)+bottom+top, 6*vg.Centimeter)

	img := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(dpi))
	dc := vgdraw.New(img)
	p.Draw(vgdraw.Crop(dc, 0, -barW, 0, 0))
	bar.Draw(vgdraw.Crop(dc, width-barW+vg.Centimeter/2, -vg.Centimeter/2, bottom, -top))
	bw := bufio.NewWriter(w)
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(bw); err != nil {
		return fmt.Errorf("inspect: heat map: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("inspect: heat map: %w", err)
	}
	return nil
}

// SaveHeatMaps writes a heat map of each map into dir (created if
// needed), named after the map (Map.Name() + ".png"), with the same labels
// for every map (o.Queries and o.Keys; a map whose size differs from them,
// a decoding step's, is numbered instead), and returns the files' paths.
func SaveHeatMaps(dir string, maps []Map, o HeatMapOptions) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("inspect: %w", err)
	}
	var paths []string
	for _, m := range maps {
		mo := o
		if mo.Queries != nil && len(mo.Queries) != m.Queries {
			mo.Queries = nil
		}
		if mo.Keys != nil && len(mo.Keys) != m.Keys {
			mo.Keys = nil
		}
		path := filepath.Join(dir, m.Name()+".png")
		if err := writeFile(path, func(w io.Writer) error { return HeatMap(w, m, mo) }); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// writeFile writes path through a temporary file renamed into place.
func writeFile(path string, write func(io.Writer) error) error {
	if err := atomicfile.Write(path, write); err != nil {
		return fmt.Errorf("inspect: %w", err)
	}
	return nil
}

// cellPixels is the side of a cell in the raster drawn for a map, large
// enough that scaling it to the plot blurs only the cells' edges.
const cellPixels = 24

// raster draws map m as an image, query 0 at the top, each weight's colour
// taken from pal on the scale 0 to hi.
func raster(m Map, hi float64, pal blues) image.Image {
	colors := pal.Colors()
	img := image.NewRGBA(image.Rect(0, 0, m.Keys*cellPixels, m.Queries*cellPixels))
	for i := range m.Queries {
		for j := range m.Keys {
			k := int(float64(m.At(i, j)) / hi * float64(len(colors)-1))
			c := colors[min(max(k, 0), len(colors)-1)]
			draw.Draw(img, image.Rect(j*cellPixels, i*cellPixels, (j+1)*cellPixels, (i+1)*cellPixels), image.NewUniform(c), image.Point{}, draw.Src)
		}
	}
	return img
}

// scaleImage is the colour scale: a column of the palette's colours, the
// highest at the top.
func scaleImage(pal blues) image.Image {
	colors := pal.Colors()
	img := image.NewRGBA(image.Rect(0, 0, 1, len(colors)))
	for k, c := range colors {
		img.Set(0, len(colors)-1-k, c)
	}
	return img
}

// label returns labels[i], or i when there are no labels.
func label(labels []string, i int) string {
	if labels == nil {
		return fmt.Sprint(i)
	}
	return labels[i]
}

// labelTicks puts one labelled tick on each cell; flip numbers the cells
// from the top (the query axis).
func labelTicks(labels []string, n int, flip bool) plot.Ticker {
	ticks := make(plot.ConstantTicks, n)
	for i := range n {
		v := float64(i)
		if flip {
			v = float64(n - 1 - i)
		}
		ticks[i] = plot.Tick{Value: v, Label: label(labels, i)}
	}
	return ticks
}

// blues is a palette of n colours from white to a dark blue.
type blues int

func (b blues) Colors() []color.Color {
	out := make([]color.Color, int(b))
	for i := range out {
		t := float64(i) / float64(len(out)-1)
		out[i] = color.RGBA{
			R: uint8(255 - t*(255-8)),
			G: uint8(255 - t*(255-48)),
			B: uint8(255 - t*(255-107)),
			A: 255,
		}
	}
	return out
}
