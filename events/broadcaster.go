package events

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/tools/record"
	ref "k8s.io/client-go/tools/reference"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/worktracking"
)

// Options tune a Broadcaster.
type Options struct {
	// QueueSize bounds the events waiting to be written; 0 means 1024.
	QueueSize int
	// Host is the source host stamped on events; "" means os.Hostname.
	Host string
	// Tracker, when set, counts every event from the Event call until it
	// is stored (worktracking.EventWrite) and refuses events once it is
	// shutting down.
	Tracker *worktracking.Registry
	// CacheSize bounds the number of distinct events remembered for
	// aggregation; 0 means 4096 (client-go's maxLruCacheEntries).
	CacheSize int
	// ErrorHandler receives write failures; nil means
	// k8s.io/apimachinery/pkg/util/runtime.HandleError.
	ErrorHandler func(error)
}

// Broadcaster writes the events of its Recorders to the store.
type Broadcaster struct {
	client  client.Client
	opts    Options
	host    string
	queue   chan *pending
	onError func(error)

	mu       sync.Mutex
	closing  bool
	started  bool
	inQueue  int           // accepted and not yet written
	idle     chan struct{} // closed when inQueue drops to zero
	stopped  chan struct{} // closed when the writer goroutine ends
	cancel   context.CancelFunc
	accepted int64
	written  int64
	failed   int64

	// Only the writer goroutine touches seen.
	seen *lru
}

type pending struct {
	event *corev1.Event
	done  func()
}

// NewBroadcaster returns a broadcaster writing through c. It starts no
// goroutine: events recorded before Start wait in the queue.
func NewBroadcaster(c client.Client, opts Options) *Broadcaster {
	if opts.QueueSize <= 0 {
		opts.QueueSize = 1024
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = 4096
	}
	host := opts.Host
	if host == "" {
		host, _ = os.Hostname()
	}
	onError := opts.ErrorHandler
	if onError == nil {
		onError = func(err error) { utilruntime.HandleError(err) }
	}
	return &Broadcaster{
		client:  c,
		opts:    opts,
		host:    host,
		queue:   make(chan *pending, opts.QueueSize),
		onError: onError,
		idle:    make(chan struct{}),
		stopped: make(chan struct{}),
		seen:    newLRU(opts.CacheSize),
	}
}

// NewRecorder returns a recorder whose events name component as their
// source (and reporting controller).
func (b *Broadcaster) NewRecorder(component string) *Recorder {
	return &Recorder{b: b, source: corev1.EventSource{Component: component, Host: b.host}}
}

// Start runs the writer until Shutdown (or ctx ends, which drops what is
// still queued). Calling it again does nothing.
func (b *Broadcaster) Start(ctx context.Context) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.started {
		return
	}
	b.started = true
	ctx, b.cancel = context.WithCancel(ctx)
	go b.run(ctx)
}

// Stats reports events accepted by recorders, written to the store, and
// failed to write.
type Stats struct {
	Accepted, Written, Failed int64
	// Queued is the number accepted and not yet written or failed.
	Queued int
}

// Stats returns the broadcaster's counters.
func (b *Broadcaster) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return Stats{Accepted: b.accepted, Written: b.written, Failed: b.failed, Queued: b.inQueue}
}

// enqueue hands ev to the writer, waiting for room when the queue is full.
func (b *Broadcaster) enqueue(ev *corev1.Event) error {
	done := func() {}
	if b.opts.Tracker != nil {
		d, err := b.opts.Tracker.Begin(worktracking.EventWrite, fmt.Sprintf("%s %s %s/%s", ev.Reason, ev.InvolvedObject.Kind, ev.InvolvedObject.Namespace, ev.InvolvedObject.Name))
		if err != nil {
			return err
		}
		done = d
	}
	b.mu.Lock()
	if b.closing {
		b.mu.Unlock()
		done()
		return apierrors.NewServiceUnavailable(fmt.Sprintf("event %s for %s %s refused: the event broadcaster is shut down", ev.Reason, ev.InvolvedObject.Kind, ev.InvolvedObject.Name))
	}
	b.inQueue++
	b.accepted++
	b.mu.Unlock()
	b.queue <- &pending{event: ev, done: done}
	return nil
}

// finish records that n queued events were handled.
func (b *Broadcaster) finish(n int, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inQueue -= n
	if ok {
		b.written += int64(n)
	} else {
		b.failed += int64(n)
	}
	if b.inQueue == 0 {
		close(b.idle)
		b.idle = make(chan struct{})
	}
}

func (b *Broadcaster) run(ctx context.Context) {
	defer close(b.stopped)
	batch := make([]*pending, 0, 128)
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-b.queue:
			batch = append(batch[:0], p)
		drain:
			for len(batch) < cap(batch) {
				select {
				case p := <-b.queue:
					batch = append(batch, p)
				default:
					break drain
				}
			}
			b.writeBatch(ctx, batch)
		}
	}
}

// writeBatch folds repeats within the batch and writes each distinct
// event once.
func (b *Broadcaster) writeBatch(ctx context.Context, batch []*pending) {
	type group struct {
		key   aggKey
		first *corev1.Event
		last  time.Time
		items []*pending
	}
	var order []*group
	byKey := map[aggKey]*group{}
	for _, p := range batch {
		k := keyOf(p.event)
		g := byKey[k]
		if g == nil {
			g = &group{key: k, first: p.event}
			byKey[k] = g
			order = append(order, g)
		}
		g.last = p.event.LastTimestamp.Time
		g.items = append(g.items, p)
	}
	for _, g := range order {
		err := b.write(ctx, g.key, g.first, int32(len(g.items)), g.last)
		for _, p := range g.items {
			p.done()
		}
		b.finish(len(g.items), err == nil)
		if err != nil {
			b.onError(fmt.Errorf("writing event %s/%s (%s %s for %s %s): %w", g.first.Namespace, g.first.Name, g.first.Type, g.first.Reason, g.first.InvolvedObject.Kind, g.first.InvolvedObject.Name, err))
		}
	}
}

// write stores n occurrences of ev: a new Event the first time, then a
// count/lastTimestamp patch of the one already stored.
func (b *Broadcaster) write(ctx context.Context, key aggKey, ev *corev1.Event, n int32, last time.Time) error {
	if prev, ok := b.seen.get(key); ok {
		patch, _ := json.Marshal(map[string]any{
			"count":         prev.count + n,
			"lastTimestamp": metav1.NewTime(last),
		})
		stored := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: ev.Namespace, Name: prev.name}}
		err := b.client.Patch(ctx, stored, client.RawPatch(types.MergePatchType, patch))
		if err == nil {
			b.seen.add(key, seenEvent{name: prev.name, count: prev.count + n})
			return nil
		}
		if !apierrors.IsNotFound(err) {
			return err
		}
		// Someone deleted it: start over with a new Event, as client-go does.
	}
	ev = ev.DeepCopy()
	ev.Count = n
	ev.LastTimestamp = metav1.NewTime(last)
	if err := b.client.Create(ctx, ev); err != nil {
		return err
	}
	b.seen.add(key, seenEvent{name: ev.Name, count: n})
	return nil
}

// Flush waits until every event accepted so far is written (or failed),
// or ctx is done.
func (b *Broadcaster) Flush(ctx context.Context) error {
	for {
		b.mu.Lock()
		n, idle := b.inQueue, b.idle
		b.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-idle:
		case <-ctx.Done():
			return fmt.Errorf("flushing events: %d event(s) not written: %w", n, ctx.Err())
		}
	}
}

// Shutdown refuses new events, writes those queued (starting the writer if
// Start was never called), and stops the writer. If ctx ends first, the
// error says how many events were not written.
func (b *Broadcaster) Shutdown(ctx context.Context) error {
	b.mu.Lock()
	b.closing = true
	b.mu.Unlock()
	b.Start(context.WithoutCancel(ctx))
	err := b.Flush(ctx)
	b.mu.Lock()
	cancel := b.cancel
	b.mu.Unlock()
	cancel()
	<-b.stopped
	return err
}

// aggKey identifies repeats of one event, with the fields client-go's
// EventCorrelator compares (getEventKey): source, involved object, type,
// reason and message.
type aggKey struct {
	component, host                                   string
	kind, namespace, name, uid, apiVersion, fieldPath string
	eventType, reason, message                        string
}

func keyOf(ev *corev1.Event) aggKey {
	io := ev.InvolvedObject
	return aggKey{
		component: ev.Source.Component, host: ev.Source.Host,
		kind: io.Kind, namespace: io.Namespace, name: io.Name, uid: string(io.UID), apiVersion: io.APIVersion, fieldPath: io.FieldPath,
		eventType: ev.Type, reason: ev.Reason, message: ev.Message,
	}
}

// newEvent builds the Event for obj the way client-go's recorder does.
func newEvent(scheme *runtime.Scheme, source corev1.EventSource, obj runtime.Object, annotations map[string]string, eventType, reason, message string) (*corev1.Event, error) {
	if eventType != corev1.EventTypeNormal && eventType != corev1.EventTypeWarning {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("event type %q is not %s or %s (reason %s)", eventType, corev1.EventTypeNormal, corev1.EventTypeWarning, reason))
	}
	var objRef *corev1.ObjectReference
	if r, ok := obj.(*corev1.ObjectReference); ok {
		objRef = r
	} else {
		r, err := ref.GetReference(scheme, obj)
		if err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("event %s: cannot reference the involved object: %v", reason, err))
		}
		objRef = r
	}
	if objRef.Name == "" {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("event %s: the involved %s has no name", reason, objRef.Kind))
	}
	now := time.Now()
	ns := objRef.Namespace
	if ns == "" {
		ns = metav1.NamespaceDefault
	}
	return &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{
			Name:        fmt.Sprintf("%v.%x", objRef.Name, now.UnixNano()),
			Namespace:   ns,
			Annotations: annotations,
		},
		InvolvedObject:      *objRef,
		Reason:              reason,
		Message:             message,
		FirstTimestamp:      metav1.NewTime(now),
		LastTimestamp:       metav1.NewTime(now),
		Count:               1,
		Type:                eventType,
		Source:              source,
		ReportingController: source.Component,
		ReportingInstance:   source.Host,
	}, nil
}

// Recorder records events for one component. It satisfies client-go's
// record.EventRecorder.
type Recorder struct {
	b      *Broadcaster
	source corev1.EventSource
}

var _ record.EventRecorder = (*Recorder)(nil)

// Event records an event about object; eventType is Normal or Warning.
// Errors (a bad type, a refused event during shutdown) go to the
// broadcaster's ErrorHandler, since the interface returns none; Record
// returns them.
func (r *Recorder) Event(object runtime.Object, eventType, reason, message string) {
	if err := r.Record(object, nil, eventType, reason, message); err != nil {
		r.b.onError(err)
	}
}

// Eventf is Event with a formatted message.
func (r *Recorder) Eventf(object runtime.Object, eventType, reason, messageFmt string, args ...any) {
	r.Event(object, eventType, reason, fmt.Sprintf(messageFmt, args...))
}

// AnnotatedEventf is Eventf with annotations on the Event object.
func (r *Recorder) AnnotatedEventf(object runtime.Object, annotations map[string]string, eventType, reason, messageFmt string, args ...any) {
	if err := r.Record(object, annotations, eventType, reason, fmt.Sprintf(messageFmt, args...)); err != nil {
		r.b.onError(err)
	}
}

// Record is Event with annotations that returns its error: nil once the
// event is accepted for writing.
func (r *Recorder) Record(object runtime.Object, annotations map[string]string, eventType, reason, message string) error {
	ev, err := newEvent(r.b.client.Scheme(), r.source, object, annotations, eventType, reason, message)
	if err != nil {
		return err
	}
	return r.b.enqueue(ev)
}

// RecordWithAction records an event with an action and a related object,
// the fields of the events.k8s.io API that core/v1 Event also carries.
func (r *Recorder) RecordWithAction(regarding, related runtime.Object, annotations map[string]string, eventType, reason, action, message string) error {
	ev, err := newEvent(r.b.client.Scheme(), r.source, regarding, annotations, eventType, reason, message)
	if err != nil {
		return err
	}
	ev.Action = action
	if related != nil {
		if rr, err := ref.GetReference(r.b.client.Scheme(), related); err == nil {
			ev.Related = rr
		}
	}
	return r.b.enqueue(ev)
}
