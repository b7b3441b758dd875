package controller

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
	crcontroller "sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/k1s-dev/k1s/worktracking"
)

type (
	queue         = workqueue.TypedRateLimitingInterface[reconcile.Request]
	priorityQueue = priorityqueue.PriorityQueue[reconcile.Request]
	rateLimiter   = workqueue.TypedRateLimiter[reconcile.Request]
	newQueueFn    = func(string, rateLimiter) queue
)

var (
	reconcilerType = reflect.TypeFor[reconcile.Reconciler]()
	newQueueType   = reflect.TypeFor[newQueueFn]()
)

// controllerMethods is the method set of controller-runtime's
// TypedController[request], for any request type: a runnable that has
// all of them is a controller, and must be instrumented or refused.
var controllerMethods = []string{"Reconcile", "Watch", "Start", "GetLogger"}

func isController(r any) bool {
	if _, ok := r.(crcontroller.Controller); ok {
		return true
	}
	t := reflect.TypeOf(r)
	if t == nil {
		return false
	}
	for _, m := range controllerMethods {
		if _, ok := t.MethodByName(m); !ok {
			return false
		}
	}
	return true
}

// watched is one instrumented controller: what triggered mode needs to
// know about its queue, and where a source that cannot start reports.
type watched struct {
	name string
	// fail stops the manager with err (a source of this controller
	// cannot start); set by Manager.Add.
	fail func(err error)

	mu         sync.Mutex
	q          queue // the inner queue; nil until the controller starts and builds it
	everWaited bool  // a worker has asked for an item: the controller's sources synced
	processing int   // items handed out and not yet Done
	due        []time.Time
	activity   uint64
}

// instrument wraps the reconciler and the queue constructor of c, a
// controller-runtime controller (isController), and returns its observer.
//
// For controllers built by controller-runtime's builder or controller.New
// there is no public hook to reach: the manager-wide config.Controller
// has no queue constructor, and the builder's controller constructor is
// unexported. So the exported Do and NewQueue fields of controller-runtime's
// internal Controller[reconcile.Request] are set by reflection — they are
// the TypedOptions.Reconciler and TypedOptions.NewQueue the controller was
// built with — and every assumption about that struct is checked here:
// a mismatch is an error naming the controller, never a controller that
// runs unobserved.
func instrument(c any, tracker *worktracking.Registry) (*watched, error) {
	v := reflect.ValueOf(c)
	name := controllerName(v)
	refuse := func(why string) error {
		label := fmt.Sprintf("controller %T", c)
		if name != "" {
			label = fmt.Sprintf("controller %q (%T)", name, c)
		}
		return fmt.Errorf("%s cannot be run by k1s: %s. k1s observes a controller's queue and reconciles through the fields Name, Do and NewQueue of the controllers controller-runtime's builder and controller.New make (an upgrade of controller-runtime may have changed them)", label, why)
	}
	if req := requestType(reflect.TypeOf(c)); req != nil && req != reflect.TypeFor[reconcile.Request]() {
		return nil, refuse(fmt.Sprintf("its request type is %v; k1s runs controllers of reconcile.Request", req))
	}
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil, refuse("it is not a pointer to controller-runtime's controller struct")
	}
	s := v.Elem()
	if name == "" {
		return nil, refuse("it has no string field Name, or the name is empty")
	}
	do, nq := s.FieldByName("Do"), s.FieldByName("NewQueue")
	switch {
	case !do.IsValid() || do.Type() != reconcilerType || !do.CanSet():
		return nil, refuse("it has no settable field Do of type reconcile.Reconciler")
	case do.IsNil():
		return nil, refuse("its reconciler (field Do) is nil")
	case !nq.IsValid() || nq.Type() != newQueueType || !nq.CanSet():
		return nil, refuse("it has no settable field NewQueue of type func(string, workqueue.TypedRateLimiter[reconcile.Request]) workqueue.TypedRateLimitingInterface[reconcile.Request]")
	case nq.IsNil():
		return nil, refuse("its queue constructor (field NewQueue) is nil")
	}
	if q := s.FieldByName("Queue"); q.IsValid() && (q.Kind() == reflect.Interface || q.Kind() == reflect.Pointer) && !q.IsNil() {
		return nil, refuse("it has already started (its queue exists)")
	}
	w := &watched{name: name, fail: func(error) {}}
	inner := do.Interface().(reconcile.Reconciler)
	do.Set(reflect.ValueOf(reconcile.Reconciler(&trackedReconciler{inner: inner, w: w, tracker: tracker})))
	orig := nq.Interface().(newQueueFn)
	nq.Set(reflect.ValueOf(func(controllerName string, rl rateLimiter) queue {
		q := orig(controllerName, &recordingLimiter{TypedRateLimiter: rl, w: w})
		w.mu.Lock()
		w.q = q
		w.mu.Unlock()
		return observe(q, w)
	}))
	return w, nil
}

// controllerName reads the Name field of a controller struct ("" when
// there is none).
func controllerName(v reflect.Value) string {
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return ""
	}
	f := v.Elem().FieldByName("Name")
	if !f.IsValid() || f.Kind() != reflect.String {
		return ""
	}
	return f.String()
}

// requestType is the request parameter of t's Reconcile method (nil if
// it has none of the expected shape).
func requestType(t reflect.Type) reflect.Type {
	m, ok := t.MethodByName("Reconcile")
	if !ok || m.Type.NumIn() != 3 {
		return nil
	}
	return m.Type.In(2)
}

// observe wraps q so that its activity reaches w. A priority queue (what
// controller-runtime builds by default since v0.21) stays one: the
// controller and the event handlers look for priorityqueue.PriorityQueue
// on the queue they are given, and would otherwise fall back to a wrapper
// that drops priorities.
func observe(q queue, w *watched) queue {
	oq := &observedQueue{TypedRateLimitingInterface: q, w: w}
	if pq, ok := q.(priorityQueue); ok {
		return &observedPriorityQueue{observedQueue: oq, pq: pq}
	}
	return oq
}

// controllerRunnable is what Manager.Add hands controller-runtime's
// manager for an instrumented controller: it starts the controller with a
// context that names it. The controller starts its sources, and its
// workers, with that context, so a source that asks the cache for an
// informer of a type k1s does not know can be mapped back to its
// controller (see Cache.GetInformer). It forwards the optional runnable
// interfaces the manager sorts runnables by.
type controllerRunnable struct {
	ctrl manager.Runnable
	w    *watched
}

func (c *controllerRunnable) Start(ctx context.Context) error {
	return c.ctrl.Start(withController(ctx, c.w))
}

// NeedLeaderElection implements manager.LeaderElectionRunnable.
func (c *controllerRunnable) NeedLeaderElection() bool {
	if le, ok := c.ctrl.(manager.LeaderElectionRunnable); ok {
		return le.NeedLeaderElection()
	}
	return true
}

// Warmup implements the manager's warmup runnable interface.
func (c *controllerRunnable) Warmup(ctx context.Context) error {
	if wr, ok := c.ctrl.(interface{ Warmup(context.Context) error }); ok {
		return wr.Warmup(withController(ctx, c.w))
	}
	return nil
}

type (
	controllerKey  struct{}
	reconcilingKey struct{}
)

func withController(ctx context.Context, w *watched) context.Context {
	return context.WithValue(ctx, controllerKey{}, w)
}

// sourceOf returns the controller whose source is calling with ctx: the
// controller named by ctx, unless ctx is a reconcile's (a reconciler's
// own calls are its business, not a source that failed to start).
func sourceOf(ctx context.Context) *watched {
	w, _ := ctx.Value(controllerKey{}).(*watched)
	if w == nil || ctx.Value(reconcilingKey{}) != nil {
		return nil
	}
	return w
}

// trackedReconciler counts each reconcile in the runtime's work tracker.
type trackedReconciler struct {
	inner   reconcile.Reconciler
	w       *watched
	tracker *worktracking.Registry
}

func (t *trackedReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	done, err := t.tracker.Begin(worktracking.Reconcile, t.w.name+" "+req.String())
	if err != nil {
		// Shutting down: a terminal error, so the item is not retried.
		return reconcile.Result{}, reconcile.TerminalError(err)
	}
	defer done()
	return t.inner.Reconcile(context.WithValue(ctx, reconcilingKey{}, true), req)
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

func (w *watched) waiting() {
	w.mu.Lock()
	w.everWaited = true
	w.mu.Unlock()
}

func (w *watched) handedOut() {
	w.mu.Lock()
	w.processing++
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
	q.w.waiting()
	item, shutdown := q.TypedRateLimitingInterface.Get()
	if !shutdown {
		q.w.handedOut()
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

// observedPriorityQueue is observedQueue over a priority queue, and a
// priority queue itself.
type observedPriorityQueue struct {
	*observedQueue
	pq priorityQueue
}

var _ priorityQueue = (*observedPriorityQueue)(nil)

// AddWithOpts implements priorityqueue.PriorityQueue. A rate-limited add
// is scheduled by the recording limiter, which the queue consults.
func (q *observedPriorityQueue) AddWithOpts(o priorityqueue.AddOpts, items ...reconcile.Request) {
	if o.After > 0 {
		q.w.schedule(o.After)
	} else {
		q.w.touch()
	}
	q.pq.AddWithOpts(o, items...)
}

// GetWithPriority implements priorityqueue.PriorityQueue; it is what the
// controller's workers call. (Get is observedQueue's: the priority
// queue's own Get goes through its own GetWithPriority.)
func (q *observedPriorityQueue) GetWithPriority() (reconcile.Request, int, bool) {
	q.w.waiting()
	item, priority, shutdown := q.pq.GetWithPriority()
	if !shutdown {
		q.w.handedOut()
	}
	return item, priority, shutdown
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
	// Len takes the queue's lock, so it is read without ours. A priority
	// queue counts only ready items; waiting ones are in due.
	return q.Len() == 0, activity
}

// checkSourceContext verifies, once per process and against the
// controller-runtime linked in, what Cache.GetInformer relies on to map a
// failing source to its controller: a controller starts its sources with
// the context it was started with. It starts a throwaway controller with
// one source that reports the context it got.
var checkSourceContext = sync.OnceValue(func() error {
	probe := &watched{name: "k1s-source-context-check"}
	c, err := crcontroller.NewUnmanaged(probe.name, crcontroller.Options{
		SkipNameValidation: ptr.To(true),
		UsePriorityQueue:   ptr.To(false),
		Reconciler: reconcile.Func(func(context.Context, reconcile.Request) (reconcile.Result, error) {
			return reconcile.Result{}, nil
		}),
	})
	if err != nil {
		return err
	}
	got := make(chan *watched, 1)
	if err := c.Watch(source.Func(func(ctx context.Context, _ queue) error {
		w, _ := ctx.Value(controllerKey{}).(*watched)
		got <- w
		return nil
	})); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan error, 1)
	go func() { started <- c.Start(withController(ctx, probe)) }()
	var w *watched
	select {
	case w = <-got:
	case err = <-started:
		cancel()
		return fmt.Errorf("k1s's check of controller-runtime: its controller returned without starting its source: %w", err)
	}
	cancel()
	if err := <-started; err != nil {
		return fmt.Errorf("k1s's check of controller-runtime: %w", err)
	}
	if w != probe {
		return errors.New("k1s's check of controller-runtime: a controller's sources did not get the context the controller was started with; k1s relies on it to name the controller whose source watches a type k1s does not know (an upgrade of controller-runtime may have changed it)")
	}
	return nil
})
