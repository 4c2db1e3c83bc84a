package serve

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The metrics are written in Prometheus' text exposition format (0.0.4)
// by a few small types of this file: counters, gauges and histograms,
// optionally labelled, all safe for concurrent use.

// floatValue is a float64 updated atomically.
type floatValue struct{ bits atomic.Uint64 }

func (f *floatValue) load() float64 { return math.Float64frombits(f.bits.Load()) }
func (f *floatValue) set(v float64) { f.bits.Store(math.Float64bits(v)) }
func (f *floatValue) add(v float64) {
	for {
		old := f.bits.Load()
		if f.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// histogram counts observations into cumulative buckets.
type histogram struct {
	bounds []float64 // upper bounds, increasing; +Inf is implied
	counts []atomic.Uint64
	sum    floatValue
	count  atomic.Uint64
}

func newHistogram(bounds ...float64) *histogram {
	return &histogram{bounds: bounds, counts: make([]atomic.Uint64, len(bounds))}
}

func (h *histogram) observe(v float64) {
	if i, _ := slices.BinarySearch(h.bounds, v); i < len(h.bounds) {
		h.counts[i].Add(1)
	}
	h.sum.add(v)
	h.count.Add(1)
}

// labelled holds one series per label value set, created on first use.
type labelled[T any] struct {
	mu     sync.Mutex
	names  []string
	series map[string]*T // by the joined label values
	values map[string][]string
	make   func() *T
}

func newLabelled[T any](mk func() *T, names ...string) *labelled[T] {
	return &labelled[T]{names: names, series: map[string]*T{}, values: map[string][]string{}, make: mk}
}

func (l *labelled[T]) with(values ...string) *T {
	key := strings.Join(values, "\x00")
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.series[key]
	if !ok {
		s = l.make()
		l.series[key] = s
		l.values[key] = values
	}
	return s
}

// each calls f for every series in a stable order with its label text
// (`a="x",b="y"`).
func (l *labelled[T]) each(f func(labels string, s *T)) {
	l.mu.Lock()
	keys := make([]string, 0, len(l.series))
	for k := range l.series {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	type item struct {
		labels string
		s      *T
	}
	items := make([]item, len(keys))
	for i, k := range keys {
		parts := make([]string, len(l.names))
		for j, n := range l.names {
			parts[j] = n + `="` + escapeLabel(l.values[k][j]) + `"`
		}
		items[i] = item{strings.Join(parts, ","), l.series[k]}
	}
	l.mu.Unlock()
	for _, it := range items {
		f(it.labels, it.s)
	}
}

func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// rate measures events per second over a sliding window of whole
// seconds.
type rate struct {
	mu      sync.Mutex
	window  int
	buckets []float64 // per second, indexed by unix second mod window
	seconds []int64   // which second each bucket holds
	start   time.Time
}

func newRate(window int, start time.Time) *rate {
	return &rate{window: window, buckets: make([]float64, window), seconds: make([]int64, window), start: start}
}

func (r *rate) add(n float64, now time.Time) {
	s := now.Unix()
	i := int(s % int64(r.window))
	r.mu.Lock()
	if r.seconds[i] != s {
		r.seconds[i], r.buckets[i] = s, 0
	}
	r.buckets[i] += n
	r.mu.Unlock()
}

// perSecond returns the events of the last window seconds (the current
// one included) divided by the time they cover.
func (r *rate) perSecond(now time.Time) float64 {
	s := now.Unix()
	r.mu.Lock()
	var total float64
	for i, sec := range r.seconds {
		if sec > s-int64(r.window) && sec <= s {
			total += r.buckets[i]
		}
	}
	r.mu.Unlock()
	span := math.Min(float64(r.window-1)+float64(now.Nanosecond())/1e9, now.Sub(r.start).Seconds())
	if span <= 0 {
		return 0
	}
	return total / span
}

// metrics are the server's measurements.
type metrics struct {
	start time.Time

	requests    *labelled[atomic.Uint64] // endpoint, code
	duration    *labelled[histogram]     // endpoint
	rejected    *labelled[atomic.Uint64] // reason
	ttft        *histogram               // time to first token
	queueWait   *histogram               // enqueue to prefill
	stepTime    *histogram               // one decode step
	batchSizes  *histogram               // sequences per decode step
	promptToks  atomic.Uint64            // prompt tokens prefilled
	genToks     atomic.Uint64            // tokens generated
	embedToks   atomic.Uint64            // tokens embedded
	tokenRate   *rate                    // generated tokens per second
	finished    *labelled[atomic.Uint64] // reason: stop, length, cancelled, error
	inFlight    atomic.Int64             // HTTP requests being served (API endpoints)
	engineStats func() engineStats       // queue, batch and KV-cache figures
}

func newMetrics(now time.Time) *metrics {
	latency := []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300}
	return &metrics{
		start:      now,
		requests:   newLabelled(func() *atomic.Uint64 { return new(atomic.Uint64) }, "endpoint", "code"),
		duration:   newLabelled(func() *histogram { return newHistogram(latency...) }, "endpoint"),
		rejected:   newLabelled(func() *atomic.Uint64 { return new(atomic.Uint64) }, "reason"),
		ttft:       newHistogram(latency...),
		queueWait:  newHistogram(latency...),
		stepTime:   newHistogram(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5),
		batchSizes: newHistogram(1, 2, 4, 8, 16, 32, 64, 128, 256),
		tokenRate:  newRate(10, now),
		finished:   newLabelled(func() *atomic.Uint64 { return new(atomic.Uint64) }, "reason"),
	}
}

// write writes every metric in the text exposition format.
func (m *metrics) write(w io.Writer, now time.Time) {
	head := func(name, kind, help string) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, kind)
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	hist := func(name, labels string, h *histogram) {
		sep := ""
		if labels != "" {
			sep = ","
		}
		var cum uint64
		for i, b := range h.bounds {
			cum += h.counts[i].Load()
			fmt.Fprintf(w, "%s_bucket{%s%sle=\"%s\"} %d\n", name, labels, sep, num(b), cum)
		}
		count := h.count.Load()
		fmt.Fprintf(w, "%s_bucket{%s%sle=\"+Inf\"} %d\n", name, labels, sep, count)
		wrap := ""
		if labels != "" {
			wrap = "{" + labels + "}"
		}
		fmt.Fprintf(w, "%s_sum%s %s\n%s_count%s %d\n", name, wrap, num(h.sum.load()), name, wrap, count)
	}
	var es engineStats
	if m.engineStats != nil {
		es = m.engineStats()
	}

	head("goformer_queue_depth", "gauge", "Prompts waiting for a place in the decoding batch.")
	fmt.Fprintf(w, "goformer_queue_depth %d\n", es.Queued)
	head("goformer_batch_size", "gauge", "Sequences in the decoding batch now.")
	fmt.Fprintf(w, "goformer_batch_size %d\n", es.Running)
	head("goformer_batch_size_per_step", "histogram", "Sequences decoded by each step of the model.")
	hist("goformer_batch_size_per_step", "", m.batchSizes)
	head("goformer_decode_step_seconds", "histogram", "Duration of one decoding step of the whole batch.")
	hist("goformer_decode_step_seconds", "", m.stepTime)
	head("goformer_kv_cache_bytes", "gauge", "Bytes of keys and values the decoding batch holds (padding included).")
	fmt.Fprintf(w, "goformer_kv_cache_bytes %d\n", es.KVBytes)
	head("goformer_kv_cache_reserved_bytes", "gauge", "Bytes of KV cache the admitted sequences may grow to.")
	fmt.Fprintf(w, "goformer_kv_cache_reserved_bytes %d\n", es.KVReserved)
	head("goformer_kv_cache_budget_bytes", "gauge", "Bytes of KV cache the server admits sequences up to.")
	fmt.Fprintf(w, "goformer_kv_cache_budget_bytes %d\n", es.KVBudget)
	head("goformer_prompt_tokens_total", "counter", "Prompt tokens prefilled.")
	fmt.Fprintf(w, "goformer_prompt_tokens_total %d\n", m.promptToks.Load())
	head("goformer_generated_tokens_total", "counter", "Tokens generated.")
	fmt.Fprintf(w, "goformer_generated_tokens_total %d\n", m.genToks.Load())
	head("goformer_generated_tokens_per_second", "gauge", "Tokens generated per second over the last 10 seconds.")
	fmt.Fprintf(w, "goformer_generated_tokens_per_second %s\n", num(m.tokenRate.perSecond(now)))
	head("goformer_embedded_tokens_total", "counter", "Tokens embedded.")
	fmt.Fprintf(w, "goformer_embedded_tokens_total %d\n", m.embedToks.Load())
	head("goformer_sequences_finished_total", "counter", "Generated sequences by how they ended.")
	m.finished.each(func(l string, c *atomic.Uint64) {
		fmt.Fprintf(w, "goformer_sequences_finished_total{%s} %d\n", l, c.Load())
	})
	head("goformer_time_to_first_token_seconds", "histogram", "From a request's arrival to its first token.")
	hist("goformer_time_to_first_token_seconds", "", m.ttft)
	head("goformer_queue_wait_seconds", "histogram", "From a prompt's arrival to its prefill.")
	hist("goformer_queue_wait_seconds", "", m.queueWait)
	head("goformer_requests_in_flight", "gauge", "API requests being served.")
	fmt.Fprintf(w, "goformer_requests_in_flight %d\n", m.inFlight.Load())
	head("goformer_requests_total", "counter", "API requests by endpoint and status code.")
	m.requests.each(func(l string, c *atomic.Uint64) { fmt.Fprintf(w, "goformer_requests_total{%s} %d\n", l, c.Load()) })
	head("goformer_requests_rejected_total", "counter", "Requests refused before generation, by reason.")
	m.rejected.each(func(l string, c *atomic.Uint64) {
		fmt.Fprintf(w, "goformer_requests_rejected_total{%s} %d\n", l, c.Load())
	})
	head("goformer_request_duration_seconds", "histogram", "Duration of API requests by endpoint.")
	m.duration.each(func(l string, h *histogram) { hist("goformer_request_duration_seconds", l, h) })
	head("goformer_uptime_seconds", "gauge", "Seconds since the server started.")
	fmt.Fprintf(w, "goformer_uptime_seconds %s\n", num(now.Sub(m.start).Seconds()))
}
