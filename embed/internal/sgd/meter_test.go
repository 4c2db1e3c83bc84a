package sgd

import (
	"bytes"
	"strings"
	"sync"
	"testing"
)

func TestMeterSumsThreadsAndEndsAtOneHundredPercent(t *testing.T) {
	sched := &Schedule{Start: 0.1, Total: 8000}
	var reports []Report
	var out bytes.Buffer
	m := NewMeter(sched, func(r Report) { reports = append(reports, r) }, &out, "test")
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				m.Add(100, 2, 4) // loss 0.5 per example
			}
		}()
	}
	wg.Wait()
	last := m.Finish()
	if last.Words != 8000 || last.Total != 8000 || last.Loss != 0.5 {
		t.Fatalf("final report %+v, want 8000 of 8000 words and loss 0.5", last)
	}
	if len(reports) == 0 || reports[len(reports)-1] != last {
		t.Fatalf("the callback did not get the final report: %+v", reports)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	end := lines[len(lines)-1]
	if !strings.HasPrefix(end, "test 100% 8000/8000 words") || !strings.Contains(end, "loss 0.5000") {
		t.Fatalf("the bar ends with %q", end)
	}
}

func TestMeterWithoutOutputsOnlyCounts(t *testing.T) {
	sched := &Schedule{Start: 0.1, Total: 10}
	m := NewMeter(sched, nil, nil, "")
	if lr := m.Add(5, 1, 1); lr >= 0.1 || lr <= 0 {
		t.Fatalf("rate %v after half the words", lr)
	}
	if r := m.Finish(); r.Words != 10 || r.Loss != 1 {
		t.Fatalf("%+v", r)
	}
}
