// Package progressreader reports the bytes read from a reader on one of
// goformer's progress bars (internal/progress), for the tokenizer trainers
// that stream their input.
package progressreader

import (
	"io"
	"os"

	"github.com/goformer/goformer/internal/progress"
)

// Reader counts the bytes read through it on a progress bar.
type Reader struct {
	r   io.Reader
	bar *progress.Progress
}

// New returns a Reader over r reporting to w (nil: nowhere) under desc. The
// total, and so the percentage and ETA, is known when r has a Size method
// (strings.Reader, bytes.Reader, a reader of several files that sums their
// sizes) or is a regular file.
func New(r io.Reader, w io.Writer, desc string) *Reader {
	return &Reader{r: r, bar: progress.New(w, progress.Options{Total: Size(r), Unit: "B", Desc: desc})}
}

// Size returns the number of bytes r holds, or 0 when unknown.
func Size(r io.Reader) int64 {
	switch x := r.(type) {
	case interface{ Size() int64 }:
		return x.Size()
	case *os.File:
		if fi, err := x.Stat(); err == nil && fi.Mode().IsRegular() {
			if off, err := x.Seek(0, io.SeekCurrent); err == nil {
				return fi.Size() - off
			}
		}
	}
	return 0
}

// Read reads from the underlying reader and counts the bytes.
func (p *Reader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.bar.Add(int64(n))
	return n, err
}

// Finish ends the bar at 100 %.
func (p *Reader) Finish() { p.bar.Finish() }
