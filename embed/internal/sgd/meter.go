package sgd

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/goformer/goformer/internal/progress"
)

// Report is the state of training that a Meter reports.
type Report struct {
	Words    int64   // words processed (all epochs)
	Total    int64   // words to process
	LR       float32 // current learning rate
	Loss     float64 // mean loss per example since the start
	WordsSec float64 // words per second so far
}

// Meter advances a Schedule from the training threads, sums their loss,
// and reports progress: to a callback about once a second, and to a
// progress bar (with its rate and ETA) on a writer. Both end with a
// report at 100 % from Finish.
type Meter struct {
	sched    *Schedule
	start    time.Time
	callback func(Report)
	bar      *progress.Progress

	mu           sync.Mutex
	loss         float64
	examples     int64
	lastCallback time.Time
}

// NewMeter returns a Meter for sched that calls callback (may be nil) and
// draws a bar named desc on w (nil: none).
func NewMeter(sched *Schedule, callback func(Report), w io.Writer, desc string) *Meter {
	m := &Meter{sched: sched, start: time.Now(), callback: callback}
	if w != nil {
		m.bar = progress.New(w, progress.Options{Total: sched.Total, Unit: "words", Desc: desc})
	}
	return m
}

// Add records words more words processed and the loss of examples
// examples, from one training thread, and returns the new learning rate.
func (m *Meter) Add(words int64, loss float64, examples int64) float32 {
	lr := m.sched.Add(words)
	m.mu.Lock()
	m.loss += loss
	m.examples += examples
	call := m.callback != nil && time.Since(m.lastCallback) >= time.Second
	if call {
		m.lastCallback = time.Now()
	}
	r := m.report(lr)
	m.mu.Unlock()
	if m.bar != nil {
		m.bar.SetStatus(status(r))
		m.bar.Set(r.Words)
	}
	if call {
		m.callback(r)
	}
	return lr
}

// report returns the current state; m.mu is held.
func (m *Meter) report(lr float32) Report {
	done := m.sched.Done()
	r := Report{Words: done, Total: m.sched.Total, LR: lr}
	if s := time.Since(m.start).Seconds(); s > 0 {
		r.WordsSec = float64(done) / s
	}
	if m.examples > 0 {
		r.Loss = m.loss / float64(m.examples)
	}
	return r
}

func status(r Report) string { return fmt.Sprintf("lr %.6f  loss %.4f", r.LR, r.Loss) }

// Finish makes the final report, at 100 %, and returns it. Call it once,
// after every thread is done.
func (m *Meter) Finish() Report {
	m.mu.Lock()
	r := m.report(m.sched.Rate())
	m.mu.Unlock()
	// Every word of every epoch has been read: the words the schedule
	// counted are the total, unless the text changed after counting.
	r.Words = max(r.Words, r.Total)
	if m.bar != nil {
		m.bar.SetStatus(status(r))
		m.bar.Finish()
	}
	if m.callback != nil {
		m.callback(r)
	}
	return r
}
