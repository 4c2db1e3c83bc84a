package metrics

import "errors"

// Sentinel errors that callers can test with errors.Is.
var (
	// ErrLengthMismatch reports hypotheses and references (or labels and
	// predictions) of different lengths.
	ErrLengthMismatch = errors.New("metrics: length mismatch")
	// ErrNoReference reports a hypothesis without any non-empty reference.
	ErrNoReference = errors.New("metrics: no reference")
	// ErrBadOption reports an option value that the metric does not know.
	ErrBadOption = errors.New("metrics: bad option")
	// ErrEmpty reports an input with nothing to score.
	ErrEmpty = errors.New("metrics: empty input")
	// ErrUndefined reports a score that the reference tool cannot compute
	// for this input (it raises an exception there).
	ErrUndefined = errors.New("metrics: score undefined for this input")
)
