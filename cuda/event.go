package cuda

import (
	"fmt"
	"time"
)

// Event marks a point in a GPU's stream, for timing work on the device:
// record one before and one after, then ask for the time between them.
type Event struct {
	gpu *GPU
	ev  uintptr
}

// NewEvent creates an event. Destroy it when done.
func (g *GPU) NewEvent() (*Event, error) {
	ev, err := g.eng.eventCreate()
	if err != nil {
		return nil, fmt.Errorf("cuda: create event: %w", err)
	}
	return &Event{gpu: g, ev: ev}, nil
}

// Record marks the current end of the GPU's stream: the event completes
// when the work enqueued before it has finished.
func (e *Event) Record() error { return e.gpu.eng.eventRecord(e.ev) }

// Synchronize waits until the event has completed.
func (e *Event) Synchronize() error { return e.gpu.eng.eventSynchronize(e.ev) }

// Since waits for e and returns the GPU time between start and e, both
// recorded on the same GPU.
func (e *Event) Since(start *Event) (time.Duration, error) {
	if err := e.Synchronize(); err != nil {
		return 0, err
	}
	ms, err := e.gpu.eng.eventElapsed(start.ev, e.ev)
	if err != nil {
		return 0, err
	}
	return time.Duration(float64(ms) * float64(time.Millisecond)), nil
}

// Destroy releases the event.
func (e *Event) Destroy() error { return e.gpu.eng.eventDestroy(e.ev) }
