// Package progress is goformer's one progress reporter: a bar with a rate
// and an estimated time left when it writes to a terminal, and plain log
// lines when it writes anywhere else (a file, a pipe, CI), always ending
// with a line at 100 %.
//
// Library code that runs long loops — training, embedding and tokenizer
// trainers — takes an io.Writer (nil, or Options.Silent, for none) and
// reports through a Bar:
//
//	bar := progress.New(os.Stderr, progress.Options{Total: steps, Unit: "steps", Desc: "train"})
//	for i := 0; i < steps; i++ {
//		...
//		bar.SetStatus(fmt.Sprintf("loss %.3f", loss))
//		bar.Add(1)
//	}
//	bar.Finish()
//
// A Bar is safe for concurrent use.
package progress

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// Mode says how a Bar draws.
type Mode uint8

// The modes. Auto draws a bar when the writer is a terminal and log lines
// otherwise.
const (
	Auto  Mode = iota // Bar on a terminal, Lines elsewhere
	Bar               // one line redrawn in place with a carriage return
	Lines             // one plain line per report, at most every Interval
)

// Options configures a Bar. The zero value reports an unknown total of
// "it" units in Auto mode.
type Options struct {
	// Total is the number of units at 100 % (0 or less: unknown, no
	// percentage and no ETA).
	Total int64
	// Unit names what is counted ("steps", "tokens"; default "it").
	Unit string
	// Desc is printed at the start of every line ("train", "epoch 2").
	Desc string
	// Silent prints nothing at all.
	Silent bool
	// Mode chooses bar or lines; Auto decides from the writer.
	Mode Mode
	// Interval is the least time between two reports (default 100 ms for
	// a bar, 10 s for lines). The first and the final report are always
	// printed.
	Interval time.Duration
	// Width is the width of the bar itself in characters (default 30).
	Width int
}

// A Reporter is what a Bar does; library code may accept one so that a
// caller can report progress its own way.
type Reporter interface {
	Add(n int64)
	SetStatus(s string)
	Finish()
}

// Progress counts units done toward a total and reports them to a writer.
type Progress struct {
	mu       sync.Mutex
	w        io.Writer
	o        Options
	bar      bool
	now      func() time.Time
	start    time.Time
	last     time.Time // time of the last report
	printed  bool      // a report has been written
	n        int64
	base     int64 // count at the last Restart
	status   string
	finished bool
	lastLen  int // length of the last bar line, to clear leftovers
}

// New returns a Progress writing to w (nil: nowhere). It prints nothing
// until the first Add, Set or Finish.
func New(w io.Writer, o Options) *Progress {
	if o.Unit == "" {
		o.Unit = "it"
	}
	if o.Width <= 0 {
		o.Width = 30
	}
	if w == nil {
		o.Silent = true
	}
	p := &Progress{w: w, o: o, now: time.Now}
	switch o.Mode {
	case Bar:
		p.bar = true
	case Lines:
		p.bar = false
	default:
		p.bar = IsTerminal(w)
	}
	if p.o.Interval <= 0 {
		if p.bar {
			p.o.Interval = 100 * time.Millisecond
		} else {
			p.o.Interval = 10 * time.Second
		}
	}
	p.start = p.now()
	return p
}

// IsTerminal reports whether w is a terminal (an *os.File on a tty).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && f != nil && term.IsTerminal(int(f.Fd()))
}

// Add counts n more units done.
func (p *Progress) Add(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n += n
	p.maybeReport()
}

// Set sets the number of units done.
func (p *Progress) Set(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n = n
	p.maybeReport()
}

// SetStatus sets a short text shown after the counts ("loss 2.31"); it
// appears with the next report.
func (p *Progress) SetStatus(s string) {
	p.mu.Lock()
	p.status = s
	p.mu.Unlock()
}

// Restart starts the clock again from now, keeping the count: the rate and
// the ETA then measure only what follows (a training run resumed from a
// checkpoint at step n calls Set(n) then Restart()).
func (p *Progress) Restart() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.start = p.now()
	p.base = p.n
}

// Printf writes a message on a line of its own (an evaluation's results,
// a warning) without breaking the bar: on a terminal it clears the bar's
// line first, and the bar is drawn again below at the next report.
// Silent progress prints nothing.
func (p *Progress) Printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.o.Silent {
		return
	}
	msg := strings.TrimRight(fmt.Sprintf(format, args...), "\n")
	if p.bar && p.lastLen > 0 && !p.finished {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.lastLen))
		p.lastLen = 0
		p.printed = false // redraw at the next Add
	}
	fmt.Fprintln(p.w, msg)
}

// Count returns the number of units done.
func (p *Progress) Count() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// Finish reports 100 % (the count becomes Total when Total is known) and
// ends the line. Later calls do nothing.
func (p *Progress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	p.finished = true
	if p.o.Total > 0 {
		p.n = p.o.Total
	}
	p.report(true)
}

func (p *Progress) maybeReport() {
	if p.finished || p.o.Silent {
		return
	}
	t := p.now()
	if p.printed && t.Sub(p.last) < p.o.Interval {
		return
	}
	p.report(false)
}

// report writes one line (a bar redrawn in place, or a log line).
func (p *Progress) report(final bool) {
	if p.o.Silent {
		return
	}
	t := p.now()
	p.last = t
	p.printed = true
	line := p.line(t, final)
	if p.bar {
		pad := ""
		if n := len([]rune(line)); n < p.lastLen {
			pad = strings.Repeat(" ", p.lastLen-n)
		}
		p.lastLen = len([]rune(line))
		end := ""
		if final {
			end = "\n"
		}
		fmt.Fprintf(p.w, "\r%s%s%s", line, pad, end)
		return
	}
	fmt.Fprintln(p.w, line)
}

// line formats the current state:
//
//	train  42% [============>                 ] 420/1000 steps  12.3 steps/s  ETA 47s  loss 2.31
func (p *Progress) line(t time.Time, final bool) string {
	var b strings.Builder
	if p.o.Desc != "" {
		b.WriteString(p.o.Desc)
		b.WriteString(" ")
	}
	elapsed := t.Sub(p.start)
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(p.n-p.base) / s
	}
	if p.o.Total > 0 {
		frac := math.Min(math.Max(float64(p.n)/float64(p.o.Total), 0), 1)
		fmt.Fprintf(&b, "%3.0f%% ", 100*math.Floor(100*frac)/100)
		if p.bar {
			b.WriteString(drawBar(frac, p.o.Width))
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%d/%d %s", p.n, p.o.Total, p.o.Unit)
	} else {
		fmt.Fprintf(&b, "%d %s", p.n, p.o.Unit)
	}
	if rate > 0 {
		fmt.Fprintf(&b, "  %s %s/s", formatRate(rate), p.o.Unit)
	}
	switch {
	case final:
		fmt.Fprintf(&b, "  in %s", formatDuration(elapsed))
	case p.o.Total > 0 && rate > 0:
		left := time.Duration(float64(p.o.Total-p.n) / rate * float64(time.Second))
		fmt.Fprintf(&b, "  ETA %s", formatDuration(left))
	}
	if p.status != "" {
		b.WriteString("  ")
		b.WriteString(p.status)
	}
	return b.String()
}

func drawBar(frac float64, width int) string {
	full := int(frac * float64(width))
	var b strings.Builder
	b.WriteByte('[')
	b.WriteString(strings.Repeat("=", full))
	if full < width {
		b.WriteByte('>')
		b.WriteString(strings.Repeat(" ", width-full-1))
	}
	b.WriteByte(']')
	return b.String()
}

// formatRate prints a rate with three significant digits, in k or M for
// large ones.
func formatRate(r float64) string {
	switch {
	case r >= 1e6:
		return fmt.Sprintf("%.3gM", r/1e6)
	case r >= 1e4:
		return fmt.Sprintf("%.3gk", r/1e3)
	case r >= 100:
		return fmt.Sprintf("%.0f", r)
	default:
		return fmt.Sprintf("%.3g", r)
	}
}

// formatDuration prints 7s, 2m05s or 1h02m.
func formatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	default:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	}
}
