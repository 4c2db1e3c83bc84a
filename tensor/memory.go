package tensor

import (
	"fmt"
	"sync"
)

// releaseReason records which release point released a buffer, for the
// panic of a later read.
type releaseReason uint8

const (
	releasedInternally releaseReason = iota + 1 // scratch of an op, a gradient consumed by Backward
	releasedByScope                             // Scope.Close
	releasedByZeroGrad                          // ZeroGrad of the leaf that owned the gradient
	releasedByRelease                           // Tensor.Release
)

func (r releaseReason) String() string {
	switch r {
	case releasedInternally:
		return "the op that made it (an internal buffer)"
	case releasedByScope:
		return "Scope.Close (keep it with Scope.Keep to use it after its scope)"
	case releasedByZeroGrad:
		return "ZeroGrad (a gradient is valid until the next ZeroGrad)"
	case releasedByRelease:
		return "Release"
	}
	return "an unknown release point"
}

// releasedStorage stands in the buffer of a released tensor: its metadata
// stays readable (device, dtype, length), its elements are gone. A kernel
// handed one fails its type assertion instead of reading recycled memory.
type releasedStorage struct {
	dev   Device
	dtype DType
	n     int
}

func (s *releasedStorage) Device() Device { return s.dev }
func (s *releasedStorage) DType() DType   { return s.dtype }
func (s *releasedStorage) Len() int       { return s.n }

// release marks the buffer dead and, when the package allocated its
// storage, hands the storage back to its backend's cache. Releasing twice
// is a no-op.
func (b *buffer) release(why releaseReason) {
	if b.dead {
		return
	}
	st := b.storage
	b.dead, b.why = true, why
	b.storage = &releasedStorage{dev: st.Device(), dtype: st.DType(), n: st.Len()}
	if b.owned {
		b.backend.Free(st)
	}
}

func (t *Tensor) panicReleased() {
	panic(fmt.Sprintf("tensor: a %v %s tensor is used after its storage was released by %s", t.shape, t.dtype, t.buf.why))
}

// IsReleased reports whether t's storage was released (by Release, the
// Close of its Scope, or ZeroGrad for a gradient): reading it then panics.
func (t *Tensor) IsReleased() bool { return t.buf.dead }

// Release hands t's storage back to the buffer cache at once, for a
// caller that knows it is done with t: t and every view of it become
// unreadable (using one panics, naming the release), and the memory serves
// the next tensor of its size. Tensors wrapping a caller's memory
// (FromSlice, FromStorage) are only marked: their memory stays the
// caller's. Releasing a tensor that an autograd graph saved makes the
// Backward that reads it panic. Releasing twice does nothing.
func (t *Tensor) Release() {
	if t == nil {
		return
	}
	t.buf.release(releasedByRelease)
}

// Scope gathers the tensors computed for one unit of work — a training
// step, one inference request, one generated token — so that Close
// returns all their storage to the buffer cache at once. The next step's
// tensors then reuse that memory, warm and already mapped, instead of
// asking the garbage collector for fresh zeroed pages: a loop that opens
// and closes a scope per step allocates almost nothing in steady state.
//
// A scope follows the data, not the goroutine: the result of an op goes to
// the scope of its operands (the first that has one), so that a forward
// pass started from inputs adopted with Use is gathered entirely, while
// parameters, optimizer state and gradients accumulated into leaves stay
// outside. Many scopes may be open at once on different goroutines, each
// gathering its own request's tensors.
//
//	for step := range steps {
//		sc := tensor.NewScope()
//		logits := model.Forward(sc.Use(inputs))
//		loss := tensor.CrossEntropy(logits, targets)
//		loss.Backward()
//		opt.Step()
//		losses = append(losses, loss.Item())
//		sc.Close() // every activation of the step goes back to the cache
//	}
//
// After Close, the tensors of the scope are released: using one panics
// with a message that names the release, never reads recycled memory.
// Keep exempts a tensor (and its views) that must outlive the scope.
// Tensors computed from a closed scope's tensors belong to no scope.
type Scope struct {
	mu       sync.Mutex
	bufs     []*buffer
	cpuBytes int64 // memory of the CPU buffer cache's size classes allocated in the scope
	closed   bool
}

// NewScope returns an open scope.
func NewScope() *Scope { return &Scope{} }

// adopt registers a buffer allocated in the scope; after Close nothing is
// registered.
func (s *Scope) adopt(b *buffer) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	b.scope, b.scoped = s, true
	s.bufs = append(s.bufs, b)
	if st, ok := b.storage.(*CPUStorage); ok && st.class >= 0 {
		s.cpuBytes += st.bytes()
	}
	s.mu.Unlock()
}

// Use returns a view of t that belongs to the scope without being released
// by it: ops on the view (and on their results) allocate their results in
// the scope. t itself, and its storage, are not affected; gradients flow
// through the view to t. Use the inputs of a step or request this way.
func (s *Scope) Use(t *Tensor) *Tensor {
	checkNotNil("Scope.Use", t)
	if t.buf.dead {
		t.panicReleased()
	}
	tb := &tensorAndBuffer{}
	tb.b = buffer{storage: t.buf.storage, backend: t.buf.backend, version: t.buf.version, scope: s}
	v := &tb.t
	v.buf = &tb.b
	v.dtype = t.dtype
	v.offset = t.offset
	v.setRank(len(t.shape))
	copy(v.shape, t.shape)
	copy(v.strides, t.strides)
	if t.needsGrad() {
		record(v, "Scope.Use", func(g *Tensor) []*Tensor { return []*Tensor{g} }, t)
	}
	return v
}

// Keep exempts t's storage (shared by all its views) from the scope's
// Close, so that t outlives the scope, and returns t. It panics when t was
// already released.
func (s *Scope) Keep(t *Tensor) *Tensor {
	checkNotNil("Scope.Keep", t)
	if t.buf.dead {
		t.panicReleased()
	}
	s.mu.Lock()
	if t.buf.scope == s {
		t.buf.scoped = false
	}
	s.mu.Unlock()
	return t
}

// Close releases the storage of every tensor computed in the scope and not
// kept. Closing twice does nothing. Close must not run while another
// goroutine still computes in the scope.
func (s *Scope) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	bufs := s.bufs
	s.bufs = nil
	s.mu.Unlock()
	// The buffer cache learns the step's size first, so that it can keep
	// all of it for the next step.
	if s.cpuBytes > 0 {
		cpuCache.scopeClosed(s.cpuBytes)
	}
	for _, b := range bufs {
		if b.scope == s && b.scoped {
			b.release(releasedByScope)
		}
		b.scope = nil
	}
}
