package progress

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newWithClock(w *bytes.Buffer, o Options) (*Progress, *fakeClock) {
	c := &fakeClock{t: time.Unix(1000, 0)}
	p := New(w, o)
	p.now = c.now
	p.start = c.now()
	return p, c
}

func TestLinesReportRateETAAndEndAtHundredPercent(t *testing.T) {
	var buf bytes.Buffer
	p, clk := newWithClock(&buf, Options{Total: 100, Unit: "steps", Desc: "train", Mode: Lines, Interval: time.Second})
	for i := 0; i < 50; i++ {
		clk.add(100 * time.Millisecond)
		p.SetStatus("loss 1.5")
		p.Add(1)
	}
	p.Finish()
	p.Finish() // a second call does nothing
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	// First report at once, then one per second of the 5 s, then the final.
	if len(lines) < 5 || len(lines) > 8 {
		t.Fatalf("got %d lines, want 5 to 8:\n%s", len(lines), buf.String())
	}
	if !strings.HasPrefix(lines[0], "train   1% 1/100 steps") {
		t.Errorf("first line %q", lines[0])
	}
	mid := lines[len(lines)/2]
	if !strings.Contains(mid, "10 steps/s") || !strings.Contains(mid, "ETA") || !strings.Contains(mid, "loss 1.5") {
		t.Errorf("middle line lacks rate, ETA or status: %q", mid)
	}
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "train 100% 100/100 steps") || !strings.Contains(last, "in 5.0s") {
		t.Errorf("last line %q, want 100%% and the elapsed time", last)
	}
	if strings.Contains(buf.String(), "\r") {
		t.Error("lines mode wrote a carriage return")
	}
}

func TestBarRedrawsInPlace(t *testing.T) {
	var buf bytes.Buffer
	p, clk := newWithClock(&buf, Options{Total: 10, Mode: Bar, Width: 10})
	for i := 0; i < 10; i++ {
		clk.add(time.Second)
		p.Add(1)
	}
	p.Finish()
	out := buf.String()
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
		t.Errorf("a bar ends with exactly one newline: %q", out)
	}
	if !strings.Contains(out, "\r 50% [=====>    ] 5/10 it  1 it/s  ETA 5.0s") {
		t.Errorf("no half-way bar in %q", out)
	}
	if !strings.Contains(out, "100% [==========] 10/10 it") {
		t.Errorf("no full bar in %q", out)
	}
}

func TestFinishCompletesAnUnfinishedCount(t *testing.T) {
	var buf bytes.Buffer
	p, _ := newWithClock(&buf, Options{Total: 7, Mode: Lines})
	p.Add(3)
	p.Finish()
	if !strings.Contains(buf.String(), "100% 7/7 it") {
		t.Errorf("got %q", buf.String())
	}
	if p.Count() != 7 {
		t.Errorf("count %d after Finish, want 7", p.Count())
	}
}

func TestUnknownTotal(t *testing.T) {
	var buf bytes.Buffer
	p, clk := newWithClock(&buf, Options{Unit: "tokens", Mode: Lines})
	clk.add(2 * time.Second)
	p.Add(50000)
	p.Finish()
	out := buf.String()
	if strings.Contains(out, "%") || strings.Contains(out, "ETA") {
		t.Errorf("an unknown total has no percentage or ETA: %q", out)
	}
	if !strings.Contains(out, "50000 tokens  25k tokens/s") {
		t.Errorf("got %q", out)
	}
}

func TestSilentAndNilWriterPrintNothing(t *testing.T) {
	var buf bytes.Buffer
	p := New(&buf, Options{Total: 3, Silent: true})
	p.Add(3)
	p.Finish()
	if buf.Len() != 0 {
		t.Errorf("silent wrote %q", buf.String())
	}
	q := New(nil, Options{Total: 3})
	q.Add(1)
	q.Finish()
	if q.Count() != 3 {
		t.Errorf("nil writer: count %d", q.Count())
	}
}

func TestRestartMeasuresOnlyWhatFollows(t *testing.T) {
	var buf bytes.Buffer
	p, clk := newWithClock(&buf, Options{Total: 100, Mode: Lines, Interval: time.Nanosecond})
	p.Set(50) // resumed at 50
	p.Restart()
	clk.add(time.Second)
	p.Add(5)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	last := lines[len(lines)-1]
	if !strings.Contains(last, "55/100 it  5 it/s  ETA 9.0s") {
		t.Errorf("got %q", last)
	}
}

func TestAutoIsLinesForABuffer(t *testing.T) {
	var buf bytes.Buffer
	p := New(&buf, Options{Total: 2})
	if p.bar {
		t.Error("a buffer is not a terminal")
	}
	if IsTerminal(&buf) || IsTerminal(nil) {
		t.Error("IsTerminal true for a non-file")
	}
}

func TestConcurrentAdds(t *testing.T) {
	var buf bytes.Buffer
	p := New(&buf, Options{Total: 1000, Mode: Lines})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 125; i++ {
				p.Add(1)
			}
		}()
	}
	wg.Wait()
	if p.Count() != 1000 {
		t.Errorf("count %d, want 1000", p.Count())
	}
	p.Finish()
}

func TestFormatDuration(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0.0s"},
		{1500 * time.Millisecond, "1.5s"},
		{42 * time.Second, "42s"},
		{125 * time.Second, "2m05s"},
		{3725 * time.Second, "1h02m"},
	} {
		if got := formatDuration(c.d); got != c.want {
			t.Errorf("formatDuration(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestFormatRate(t *testing.T) {
	for _, c := range []struct {
		r    float64
		want string
	}{
		{0.5, "0.5"}, {12.34, "12.3"}, {345.6, "346"}, {12345, "12.3k"}, {2.5e6, "2.5M"},
	} {
		if got := formatRate(c.r); got != c.want {
			t.Errorf("formatRate(%v) = %q, want %q", c.r, got, c.want)
		}
	}
}

func TestPrintfKeepsTheBarWhole(t *testing.T) {
	var buf bytes.Buffer
	p, clk := newWithClock(&buf, Options{Total: 4, Mode: Bar, Width: 4})
	p.Add(1)
	p.Printf("eval: accuracy %.2f\n", 0.75)
	clk.add(time.Millisecond) // well within the interval: still redrawn after a message
	p.Add(1)
	p.Finish()
	out := buf.String()
	if !strings.Contains(out, "\r\reval: accuracy 0.75\n\r 50%") && !strings.Contains(out, "\reval: accuracy 0.75\n\r 50%") {
		t.Errorf("got %q", out)
	}
	var lines bytes.Buffer
	q := New(&lines, Options{Total: 2, Mode: Lines})
	q.Printf("hello")
	if lines.String() != "hello\n" {
		t.Errorf("lines mode: %q", lines.String())
	}
	s := New(&lines, Options{Silent: true})
	s.Printf("nothing")
	if lines.String() != "hello\n" {
		t.Errorf("silent printed: %q", lines.String())
	}
}
