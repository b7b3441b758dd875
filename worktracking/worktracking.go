package worktracking

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Kind is a class of tracked work.
type Kind string

// The kinds of work a runtime tracks.
const (
	// ClientCall is one call of a Client method (Get, Create, ...).
	ClientCall Kind = "client call"
	// Reconcile is one call of a reconciler.
	Reconcile Kind = "reconcile"
	// EventWrite is one recorded event, from the Event call until the event
	// is in the store.
	EventWrite Kind = "event write"
)

// kinds fixes the order in which Stats and errors list the kinds.
var kinds = []Kind{ClientCall, Reconcile, EventWrite}

// Config tunes a Registry. The zero value (or a nil *Config) is ready to use.
type Config struct {
	// MaxReported caps how many cut-off operations Shutdown's error names
	// one by one; the rest are counted. 0 means 10.
	MaxReported int
}

// Counts are the figures of one kind of work.
type Counts struct {
	// InFlight is the number of operations running now.
	InFlight int64
	// Total is the number of operations ever begun.
	Total int64
	// Peak is the highest InFlight seen.
	Peak int64
	// Refused is the number of operations refused because the registry was
	// shutting down.
	Refused int64
}

// Stats maps each kind of work to its counts.
type Stats map[Kind]Counts

// Registry tracks work in flight. It is safe for concurrent use.
type Registry struct {
	maxReported int

	mu       sync.Mutex
	closing  bool
	nextID   uint64
	inFlight map[uint64]op
	counts   map[Kind]*Counts
	idle     chan struct{} // closed and replaced whenever inFlight drains to zero
}

type op struct {
	kind  Kind
	what  string
	start time.Time
}

// New returns an empty registry; cfg may be nil.
func New(cfg *Config) *Registry {
	r := &Registry{
		maxReported: 10,
		inFlight:    map[uint64]op{},
		counts:      map[Kind]*Counts{},
		idle:        make(chan struct{}),
	}
	if cfg != nil && cfg.MaxReported > 0 {
		r.maxReported = cfg.MaxReported
	}
	for _, k := range kinds {
		r.counts[k] = &Counts{}
	}
	return r
}

// ErrShuttingDown is wrapped by the error Begin returns once Shutdown has
// been called; errors.Is finds it, and apierrors.IsServiceUnavailable is
// true for it, as for an API server that is shutting down.
var ErrShuttingDown = errors.New("k1s runtime is shutting down")

// Begin records the start of one operation of kind described by what (for
// example "create items.inventory.example.com default/apple") and returns
// the function that records its end; that function is safe to call more
// than once. Once Shutdown has begun, Begin refuses new work with a
// ServiceUnavailable error naming the operation.
func (r *Registry) Begin(kind Kind, what string) (done func(), err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.countsLocked(kind)
	if r.closing {
		c.Refused++
		return func() {}, &refusedError{
			StatusError: apierrors.NewServiceUnavailable(fmt.Sprintf("%s %s refused: %v", kind, what, ErrShuttingDown)),
		}
	}
	r.nextID++
	id := r.nextID
	r.inFlight[id] = op{kind: kind, what: what, start: time.Now()}
	c.InFlight++
	c.Total++
	if c.InFlight > c.Peak {
		c.Peak = c.InFlight
	}
	var once sync.Once
	return func() { once.Do(func() { r.end(id) }) }, nil
}

// refusedError is a ServiceUnavailable StatusError that errors.Is also
// matches against ErrShuttingDown.
type refusedError struct{ *apierrors.StatusError }

func (e *refusedError) Is(target error) bool { return target == ErrShuttingDown }

func (e *refusedError) Unwrap() error { return e.StatusError }

func (r *Registry) countsLocked(kind Kind) *Counts {
	c := r.counts[kind]
	if c == nil {
		c = &Counts{}
		r.counts[kind] = c
	}
	return c
}

func (r *Registry) end(id uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o, ok := r.inFlight[id]
	if !ok {
		return
	}
	delete(r.inFlight, id)
	r.counts[o.kind].InFlight--
	if len(r.inFlight) == 0 {
		close(r.idle)
		r.idle = make(chan struct{})
	}
}

// Track runs fn as one operation of kind; it returns Begin's error without
// running fn when the registry is shutting down.
func (r *Registry) Track(kind Kind, what string, fn func() error) error {
	done, err := r.Begin(kind, what)
	if err != nil {
		return err
	}
	defer done()
	return fn()
}

// Stats returns a snapshot of the counts of every kind seen.
func (r *Registry) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := make(Stats, len(r.counts))
	for k, c := range r.counts {
		s[k] = *c
	}
	return s
}

// ShuttingDown reports whether Shutdown has been called.
func (r *Registry) ShuttingDown() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closing
}

// StopAccepting makes Begin refuse new work from now on without waiting
// for anything; Shutdown calls it first. It lets a runtime stop new work
// before it stops its own components and only then waits.
func (r *Registry) StopAccepting() {
	r.mu.Lock()
	r.closing = true
	r.mu.Unlock()
}

// Shutdown stops new work (Begin fails from now on), then waits until
// nothing is in flight or ctx is done. In the second case it returns a
// *CutOffError listing the operations still running.
func (r *Registry) Shutdown(ctx context.Context) error {
	r.StopAccepting()
	for {
		r.mu.Lock()
		if len(r.inFlight) == 0 {
			r.mu.Unlock()
			return nil
		}
		idle := r.idle
		r.mu.Unlock()
		select {
		case <-idle:
		case <-ctx.Done():
			return r.cutOff(ctx.Err())
		}
	}
}

func (r *Registry) cutOff(cause error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.inFlight) == 0 {
		return nil
	}
	ops := make([]op, 0, len(r.inFlight))
	for _, o := range r.inFlight {
		ops = append(ops, o)
	}
	slices.SortFunc(ops, func(a, b op) int { return a.start.Compare(b.start) })
	e := &CutOffError{Cause: cause, Counts: map[Kind]int{}}
	for _, o := range ops {
		e.Counts[o.kind]++
		if len(e.Operations) < r.maxReported {
			e.Operations = append(e.Operations, fmt.Sprintf("%s %s (running for %s)", o.kind, o.what, time.Since(o.start).Round(time.Millisecond)))
		}
	}
	e.Total = len(ops)
	return e
}

// CutOffError is returned by Shutdown when work was still in flight when its
// context ended.
type CutOffError struct {
	// Cause is the context's error.
	Cause error
	// Total is the number of operations cut off.
	Total int
	// Counts is the number cut off per kind.
	Counts map[Kind]int
	// Operations names the oldest cut-off operations (up to
	// Config.MaxReported).
	Operations []string
}

// Error names how many operations of each kind were cut off, the
// context's error, and the oldest operations one per line.
func (e *CutOffError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "shutdown cut off %d operation(s) in flight (", e.Total)
	first := true
	for _, k := range sortedKinds(e.Counts) {
		if n := e.Counts[k]; n > 0 {
			if !first {
				b.WriteString(", ")
			}
			first = false
			fmt.Fprintf(&b, "%d %s", n, k)
		}
	}
	fmt.Fprintf(&b, "): %v", e.Cause)
	for _, o := range e.Operations {
		b.WriteString("\n  ")
		b.WriteString(o)
	}
	if more := e.Total - len(e.Operations); more > 0 {
		fmt.Fprintf(&b, "\n  ... and %d more", more)
	}
	return b.String()
}

// Unwrap returns the context's error, so errors.Is(err,
// context.DeadlineExceeded) works.
func (e *CutOffError) Unwrap() error { return e.Cause }

// sortedKinds lists the kinds of counts: the built-in ones first, in their
// fixed order, then any others by name.
func sortedKinds(counts map[Kind]int) []Kind {
	out := slices.Clone(kinds)
	var extra []Kind
	for k := range counts {
		if !slices.Contains(kinds, k) {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	return append(out, extra...)
}
