package controller

import (
	"context"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/k1s-dev/k1s/worktracking"
)

// methods gives a struct controller-runtime's controller method set, so
// that the structs below stand for internal controllers whose layout a
// controller-runtime upgrade changed.
type methods struct{}

func (methods) Reconcile(context.Context, reconcile.Request) (reconcile.Result, error) {
	return reconcile.Result{}, nil
}
func (methods) Watch(source.Source) error    { return nil }
func (methods) Start(context.Context) error  { return nil }
func (methods) GetLogger() logr.Logger       { return logr.Discard() }
func (methods) NeedLeaderElection() bool     { return false }
func (methods) Warmup(context.Context) error { return nil }

var noop = reconcile.Func(func(context.Context, reconcile.Request) (reconcile.Result, error) { return reconcile.Result{}, nil })

func plainQueue(name string, rl rateLimiter) queue {
	return workqueue.NewTypedRateLimitingQueueWithConfig(rl, workqueue.TypedRateLimitingQueueConfig[reconcile.Request]{Name: name})
}

type (
	goodShape struct {
		methods
		Name     string
		Do       reconcile.Reconciler
		NewQueue newQueueFn
	}
	noDo struct {
		methods
		Name     string
		NewQueue newQueueFn
	}
	doOfOtherType struct {
		methods
		Name     string
		Do       func(context.Context, reconcile.Request) (reconcile.Result, error)
		NewQueue newQueueFn
	}
	noNewQueue struct {
		methods
		Name string
		Do   reconcile.Reconciler
	}
	nameNotString struct {
		methods
		Name     []byte
		Do       reconcile.Reconciler
		NewQueue newQueueFn
	}
)

// TestInstrumentChecksTheLayout: each assumption about controller-runtime's
// internal controller that instrument relies on is an error naming the
// controller when it does not hold.
func TestInstrumentChecksTheLayout(t *testing.T) {
	tracker := worktracking.New(nil)
	for _, tc := range []struct {
		c    any
		want string
	}{
		{&noDo{Name: "a", NewQueue: plainQueue}, `controller "a" (*controller.noDo) cannot be run by k1s: it has no settable field Do`},
		{&doOfOtherType{Name: "b", Do: noop, NewQueue: plainQueue}, `controller "b" (*controller.doOfOtherType) cannot be run by k1s: it has no settable field Do`},
		{&goodShape{Name: "c", NewQueue: plainQueue}, `controller "c" (*controller.goodShape) cannot be run by k1s: its reconciler (field Do) is nil`},
		{&noNewQueue{Name: "d", Do: noop}, `controller "d" (*controller.noNewQueue) cannot be run by k1s: it has no settable field NewQueue`},
		{&goodShape{Name: "e", Do: noop}, `controller "e" (*controller.goodShape) cannot be run by k1s: its queue constructor (field NewQueue) is nil`},
		{&nameNotString{Name: []byte("f"), Do: noop, NewQueue: plainQueue}, `controller *controller.nameNotString cannot be run by k1s: it has no string field Name`},
		{goodShape{Name: "g", Do: noop, NewQueue: plainQueue}, `controller controller.goodShape cannot be run by k1s: it is not a pointer`},
		{(*goodShape)(nil), `controller *controller.goodShape cannot be run by k1s: it is not a pointer`},
	} {
		if !isController(tc.c) {
			t.Errorf("%T not recognised as a controller", tc.c)
			continue
		}
		w, err := instrument(tc.c, tracker)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("instrument(%T) = %v, %v; want an error starting %q", tc.c, w, err, tc.want)
		}
	}
	if isController(nil) || isController(manager.RunnableFunc(func(context.Context) error { return nil })) {
		t.Error("a nil runnable or a RunnableFunc taken for a controller")
	}

	// The layout that holds is instrumented: the queue it builds reports
	// to its watcher, and the reconciler counts in the work tracker.
	good := &goodShape{Name: "ok", Do: noop, NewQueue: plainQueue}
	w, err := instrument(good, tracker)
	if err != nil {
		t.Fatal(err)
	}
	q := good.NewQueue("ok", workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
	defer q.ShutDown()
	if _, isPQ := q.(priorityQueue); isPQ {
		t.Errorf("a plain queue became a priority queue (%T)", q)
	}
	q.Add(reconcile.Request{})
	if item, shutdown := q.Get(); shutdown || w.processing != 1 || !w.everWaited {
		t.Errorf("Get = %v %v; watcher %+v", item, shutdown, w)
	}
	if _, err := good.Do.Reconcile(context.Background(), reconcile.Request{}); err != nil {
		t.Fatal(err)
	}
	if got := tracker.Stats()[worktracking.Reconcile].Total; got != 1 {
		t.Errorf("%d reconciles tracked, want 1", got)
	}
}

// TestControllerRunnableForwards: the runnable Add hands the manager
// forwards the controller's leader-election and warmup answers, and has
// the manager's defaults for a controller without them.
func TestControllerRunnableForwards(t *testing.T) {
	w := &watched{name: "x"}
	withAll := &controllerRunnable{ctrl: &goodShape{}, w: w}
	if withAll.NeedLeaderElection() || withAll.Warmup(context.Background()) != nil {
		t.Error("not forwarded")
	}
	var seen *watched
	bare := &controllerRunnable{ctrl: manager.RunnableFunc(func(ctx context.Context) error {
		seen = sourceOf(ctx)
		return nil
	}), w: w}
	if !bare.NeedLeaderElection() || bare.Warmup(context.Background()) != nil {
		t.Error("defaults: want leader election needed, no warmup")
	}
	if err := bare.Start(context.Background()); err != nil || seen != w {
		t.Errorf("Start: %v, context names %v", err, seen)
	}
	if sourceOf(context.WithValue(withController(context.Background(), w), reconcilingKey{}, true)) != nil {
		t.Error("a reconcile's context taken for a source's")
	}
}
