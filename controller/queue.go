package controller

import (
	"context"
	"reflect"
	"sync"
	"time"

	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/k1s-dev/k1s/worktracking"
)

type (
	queue       = workqueue.TypedRateLimitingInterface[reconcile.Request]
	rateLimiter = workqueue.TypedRateLimiter[reconcile.Request]
	newQueueFn  = func(string, rateLimiter) queue
)

var (
	reconcilerType = reflect.TypeFor[reconcile.Reconciler]()
	newQueueType   = reflect.TypeFor[newQueueFn]()
)

// watched is one instrumented controller: what triggered mode needs to
// know about its queue.
type watched struct {
	name string

	mu         sync.Mutex
	q          queue // nil until the controller starts and builds it
	everWaited bool  // a worker has called Get: the controller's sources synced
	processing int   // items handed out by Get and not yet Done
	due        []time.Time
	activity   uint64
}

// instrument wraps the reconciler and queue constructor of r when r is a
// controller-runtime controller, and returns its observer (nil otherwise).
func instrument(r any, tracker *worktracking.Registry) *watched {
	v := reflect.ValueOf(r)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	s := v.Elem()
	do, nq, name := s.FieldByName("Do"), s.FieldByName("NewQueue"), s.FieldByName("Name")
	if !do.IsValid() || !nq.IsValid() || !name.IsValid() || name.Kind() != reflect.String ||
		do.Type() != reconcilerType || nq.Type() != newQueueType || !do.CanSet() || !nq.CanSet() || do.IsNil() {
		return nil
	}
	w := &watched{name: name.String()}
	inner := do.Interface().(reconcile.Reconciler)
	do.Set(reflect.ValueOf(reconcile.Reconciler(&trackedReconciler{inner: inner, name: w.name, tracker: tracker})))
	orig, _ := nq.Interface().(newQueueFn)
	nq.Set(reflect.ValueOf(func(controllerName string, rl rateLimiter) queue {
		rl = &recordingLimiter{TypedRateLimiter: rl, w: w}
		var q queue
		if orig != nil {
			q = orig(controllerName, rl)
		} else {
			q = workqueue.NewTypedRateLimitingQueueWithConfig(rl, workqueue.TypedRateLimitingQueueConfig[reconcile.Request]{Name: controllerName})
		}
		w.mu.Lock()
		w.q = q
		w.mu.Unlock()
		return &observedQueue{TypedRateLimitingInterface: q, w: w}
	}))
	return w
}

// trackedReconciler counts each reconcile in the runtime's work tracker.
type trackedReconciler struct {
	inner   reconcile.Reconciler
	name    string
	tracker *worktracking.Registry
}

func (t *trackedReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	done, err := t.tracker.Begin(worktracking.Reconcile, t.name+" "+req.String())
	if err != nil {
		// Shutting down: a terminal error, so the item is not retried.
		return reconcile.Result{}, reconcile.TerminalError(err)
	}
	defer done()
	return t.inner.Reconcile(ctx, req)
}

// recordingLimiter notes when a rate-limited requeue will come due.
type recordingLimiter struct {
	workqueue.TypedRateLimiter[reconcile.Request]
	w *watched
}

func (r *recordingLimiter) When(item reconcile.Request) time.Duration {
	d := r.TypedRateLimiter.When(item)
	r.w.schedule(d)
	return d
}

func (w *watched) schedule(d time.Duration) {
	w.mu.Lock()
	w.activity++
	if d > 0 {
		w.due = append(w.due, time.Now().Add(d))
	}
	w.mu.Unlock()
}

func (w *watched) touch() {
	w.mu.Lock()
	w.activity++
	w.mu.Unlock()
}

// observedQueue reports a controller's queue activity to its watcher.
type observedQueue struct {
	workqueue.TypedRateLimitingInterface[reconcile.Request]
	w *watched
}

func (q *observedQueue) Add(item reconcile.Request) {
	q.w.touch()
	q.TypedRateLimitingInterface.Add(item)
}

func (q *observedQueue) AddAfter(item reconcile.Request, d time.Duration) {
	q.w.schedule(d)
	q.TypedRateLimitingInterface.AddAfter(item, d)
}

func (q *observedQueue) AddRateLimited(item reconcile.Request) {
	q.w.touch()
	q.TypedRateLimitingInterface.AddRateLimited(item)
}

func (q *observedQueue) Get() (reconcile.Request, bool) {
	q.w.mu.Lock()
	q.w.everWaited = true
	q.w.mu.Unlock()
	item, shutdown := q.TypedRateLimitingInterface.Get()
	if !shutdown {
		q.w.mu.Lock()
		q.w.processing++
		q.w.activity++
		q.w.mu.Unlock()
	}
	return item, shutdown
}

func (q *observedQueue) Done(item reconcile.Request) {
	q.TypedRateLimitingInterface.Done(item)
	q.w.mu.Lock()
	q.w.processing--
	q.w.activity++
	q.w.mu.Unlock()
}

// state reports whether the controller is idle — started, nothing queued
// or running, no requeue due within bound — and its activity counter.
// Delayed items whose time came less than grace ago count as pending: the
// queue may not have moved them to its ready list yet.
func (w *watched) state(now time.Time, bound, grace time.Duration) (idle bool, activity uint64) {
	w.mu.Lock()
	q, started, processing, activity := w.q, w.everWaited, w.processing, w.activity
	pending := false
	kept := w.due[:0]
	for _, t := range w.due {
		if t.After(now.Add(-grace)) {
			kept = append(kept, t)
			if !t.After(now.Add(bound)) {
				pending = true
			}
		}
	}
	w.due = kept
	w.mu.Unlock()
	if q == nil || !started || processing > 0 || pending {
		return false, activity
	}
	// Len takes the queue's lock, so it is read without ours.
	return q.Len() == 0, activity
}
