package controller

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/managed"
	"github.com/k1s-dev/k1s/storage/memory"
)

// TestPriorityQueueKept: the queue controller-runtime's builder makes by
// default is a priority queue, and stays one through the instrumentation
// — the controller keeps it (no priority-dropping wrapper) and its
// priorities are honoured: while the one worker is busy, an object
// created now (priority 0) overtakes the objects of the initial list,
// which the event handler queued at handler.LowPriority. With the old
// wrapper the queue was FIFO and "fresh" came last.
func TestPriorityQueueKept(t *testing.T) {
	ctrl.SetLogger(logr.Discard())
	store := memory.New()
	t.Cleanup(func() { _ = store.Close() })
	rt, err := managed.New(managed.Options{EnableControllers: true, CoreClientOptions: core.Options{Storage: store}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Shutdown(context.Background()) })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	initial := []string{"i1", "i2", "i3", "i4", "i5"}
	for _, n := range initial {
		if err := rt.Client().Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: n}}); err != nil {
			t.Fatal(err)
		}
	}
	mgr, err := NewManager(rt, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu      sync.Mutex
		order   []string
		release = make(chan struct{})
		first   = make(chan struct{})
	)
	r := reconcile.Func(func(_ context.Context, req reconcile.Request) (reconcile.Result, error) {
		mu.Lock()
		order = append(order, req.Name)
		n := len(order)
		mu.Unlock()
		if n == 1 {
			close(first)
			<-release
		}
		return reconcile.Result{}, nil
	})
	c, err := ctrl.NewControllerManagedBy(mgr).Named("prio").For(&corev1.ConfigMap{}).Build(r)
	if err != nil {
		t.Fatal(err)
	}
	w := mgr.watchedControllers()[0]
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	select {
	case <-first:
	case err := <-done:
		t.Fatalf("manager stopped: %v", err)
	}
	w.mu.Lock()
	q := w.q
	w.mu.Unlock()
	if _, ok := q.(priorityQueue); !ok {
		t.Fatalf("controller-runtime built a %T, not a priority queue", q)
	}
	// The controller keeps the instrumented queue as it is (it wraps
	// anything that is not a priority queue in one that drops
	// priorities), and hands that to the event handlers.
	if got := reflect.ValueOf(c).Elem().FieldByName("Queue").Interface(); reflect.TypeOf(got) != reflect.TypeFor[*observedPriorityQueue]() {
		t.Fatalf("the controller's queue is a %T", got)
	}
	if err := rt.Client().Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "fresh"}}); err != nil {
		t.Fatal(err)
	}
	// The four other initial objects and "fresh" are ready, one worker is
	// busy with the first.
	for q.Len() != len(initial) {
		select {
		case <-ctx.Done():
			t.Fatalf("queue holds %d ready items, want %d", q.Len(), len(initial))
		case <-time.After(time.Millisecond):
		}
	}
	close(release)
	for {
		mu.Lock()
		n := len(order)
		mu.Unlock()
		if n == len(initial)+1 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("reconciled %v", order)
		case <-time.After(time.Millisecond):
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if order[1] != "fresh" {
		t.Errorf("reconcile order %v: the new object did not overtake the initial list", order)
	}
}
