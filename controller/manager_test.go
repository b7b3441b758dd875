package controller_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/k1s-dev/k1s/controller"
	"github.com/k1s-dev/k1s/managed"
	"github.com/k1s-dev/k1s/worktracking"
)

const finalizer = "example.com/copier"

// copier is a plain controller-runtime reconciler: for every ConfigMap
// labelled role=source it keeps a "<name>-copy" ConfigMap owned by it, holds
// a finalizer, records an event, and asks once to be requeued after
// c.requeue.
type copier struct {
	client   crclient.Client
	recorder record.EventRecorder
	requeue  time.Duration

	mu    sync.Mutex
	calls map[string]int
}

func (c *copier) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	c.mu.Lock()
	c.calls[req.Name]++
	n := c.calls[req.Name]
	c.mu.Unlock()
	var src corev1.ConfigMap
	if err := c.client.Get(ctx, req.NamespacedName, &src); err != nil {
		return ctrl.Result{}, crclient.IgnoreNotFound(err)
	}
	if src.Labels["fail"] == "once" && n == 1 {
		return ctrl.Result{}, errors.New("failing once on purpose")
	}
	if !src.DeletionTimestamp.IsZero() {
		if controllerutil.RemoveFinalizer(&src, finalizer) {
			return ctrl.Result{}, c.client.Update(ctx, &src)
		}
		return ctrl.Result{}, nil
	}
	if controllerutil.AddFinalizer(&src, finalizer) {
		if err := c.client.Update(ctx, &src); err != nil {
			return ctrl.Result{}, err
		}
	}
	dst := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: src.Namespace, Name: src.Name + "-copy"}}
	op, err := controllerutil.CreateOrUpdate(ctx, c.client, dst, func() error {
		dst.Data = src.Data
		return controllerutil.SetControllerReference(&src, dst, c.client.Scheme())
	})
	if err != nil {
		return ctrl.Result{}, err
	}
	if op != controllerutil.OperationResultNone {
		c.recorder.Eventf(&src, corev1.EventTypeNormal, "Copied", "copy %s", op)
	}
	if n == 1 && c.requeue > 0 {
		return ctrl.Result{RequeueAfter: c.requeue}, nil
	}
	return ctrl.Result{}, nil
}

func (c *copier) count(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[name]
}

func setup(t *testing.T, rt *managed.Runtime, requeue time.Duration) (*controller.Manager, *copier) {
	t.Helper()
	return setupWith(t, rt, controller.Options{}, requeue)
}

func setupWith(t *testing.T, rt *managed.Runtime, opts controller.Options, requeue time.Duration) (*controller.Manager, *copier) {
	t.Helper()
	mgr, err := controller.NewManager(rt, opts)
	if err != nil {
		t.Fatal(err)
	}
	r := &copier{client: mgr.GetClient(), recorder: mgr.GetEventRecorderFor("copier"), requeue: requeue, calls: map[string]int{}} //nolint:staticcheck // the core/v1 recorder is under test
	err = ctrl.NewControllerManagedBy(mgr).
		Named("copier").
		For(&corev1.ConfigMap{}, builderWithLabel()).
		Owns(&corev1.ConfigMap{}).
		Complete(r)
	if err != nil {
		t.Fatal(err)
	}
	return mgr, r
}

func builderWithLabel() builder.ForOption {
	return builder.WithPredicates(predicate.NewPredicateFuncs(func(o crclient.Object) bool { return o.GetLabels()["role"] == "source" }))
}

func seed(t *testing.T, c crclient.Client, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := c.Create(context.Background(), cm(n, map[string]string{"role": "source"})); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTriggeredConverges(t *testing.T) {
	rt := newRuntime(t, managed.Options{EnableControllers: true, EnableEvents: true})
	mgr, r := setup(t, rt, 5*time.Millisecond)
	seed(t, controller.NewClient(rt.Client()), "a", "b", "c")
	flaky := cm("flaky", map[string]string{"role": "source", "fail": "once"})
	if err := rt.Client().Create(context.Background(), flaky); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := mgr.RunTriggered(ctx, controller.TriggeredOptions{})
	if err != nil {
		t.Fatal(err)
	}
	api := mgr.GetAPIReader()
	for _, n := range []string{"a", "b", "c"} {
		var dst corev1.ConfigMap
		if err := api.Get(ctx, crclient.ObjectKey{Namespace: "default", Name: n + "-copy"}, &dst); err != nil {
			t.Fatalf("copy of %s: %v", n, err)
		}
		if owner := metav1.GetControllerOf(&dst); owner == nil || owner.Name != n {
			t.Errorf("copy of %s owned by %v", n, owner)
		}
		// The requeue due within the bound was waited for.
		if got := r.count(n); got < 2 {
			t.Errorf("%s reconciled %d time(s); the requeue after 5ms was not waited for", n, got)
		}
	}
	if got := r.count("flaky"); got < 2 {
		t.Errorf("flaky reconciled %d time(s); the rate-limited retry was not waited for", got)
	}
	if res.Reconciles < 6 {
		t.Errorf("triggered run reports %d reconciles, want >= 6", res.Reconciles)
	}
	if st := rt.WorkTracker().Stats()[worktracking.Reconcile]; st.Total != res.Reconciles || st.InFlight != 0 {
		t.Errorf("work tracker reconciles %+v, result %d", st, res.Reconciles)
	}
	if _, err := mgr.RunTriggered(ctx, controller.TriggeredOptions{}); !apierrors.IsConflict(err) {
		t.Errorf("second run = %v, want Conflict (a manager runs once)", err)
	}
	if err := rt.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	var evs corev1.EventList
	if err := rt.CoreClient().List(ctx, &evs); err != nil || len(evs.Items) != 4 {
		t.Errorf("%d events stored (%v), want one Copied per source", len(evs.Items), err)
	}
}

func TestTriggeredIgnoresFarRequeue(t *testing.T) {
	rt := newRuntime(t, managed.Options{EnableControllers: true, EnableEvents: true})
	mgr, r := setup(t, rt, time.Hour)
	seed(t, controller.NewClient(rt.Client()), "far")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := mgr.RunTriggered(ctx, controller.TriggeredOptions{RequeueBound: 50 * time.Millisecond, Settle: 20 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if r.count("far") < 1 {
		t.Error("never reconciled")
	}
}

func TestTriggeredCancelled(t *testing.T) {
	rt := newRuntime(t, managed.Options{EnableControllers: true, EnableEvents: true})
	mgr, _ := setup(t, rt, 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := mgr.RunTriggered(ctx, controller.TriggeredOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("RunTriggered with a cancelled context = %v", err)
	}
	// Start with a cancelled context returns at once; the manager has then
	// run (once).
	if err := mgr.Start(ctx); err != nil {
		t.Errorf("Start with a cancelled context = %v", err)
	}
	if err := mgr.Start(context.Background()); !apierrors.IsConflict(err) {
		t.Errorf("Start after a cancelled start = %v, want Conflict", err)
	}
}

// TestContinuousStopsOnCancel runs the manager continuously, makes a change
// while it runs, then cancels; Start returns and the finalizer flow ran.
func TestContinuousStopsOnCancel(t *testing.T) {
	rt := newRuntime(t, managed.Options{EnableControllers: true, EnableEvents: true})
	mgr, _ := setup(t, rt, 0)
	c := controller.NewClient(rt.Client())
	seed(t, c, "live")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	api := mgr.GetAPIReader()
	waitFor(t, "the copy", func() bool {
		return api.Get(ctx, crclient.ObjectKey{Namespace: "default", Name: "live-copy"}, &corev1.ConfigMap{}) == nil
	})
	// Delete the source: the finalizer holds it until the reconciler
	// removes it, then the copy goes with its owner.
	if err := c.Delete(ctx, cm("live", nil)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "source and copy gone", func() bool {
		e1 := api.Get(ctx, crclient.ObjectKey{Namespace: "default", Name: "live"}, &corev1.ConfigMap{})
		e2 := api.Get(ctx, crclient.ObjectKey{Namespace: "default", Name: "live-copy"}, &corev1.ConfigMap{})
		return apierrors.IsNotFound(e1) && apierrors.IsNotFound(e2)
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Start returned %v after cancel", err)
	}
	if err := mgr.Stop(context.Background()); err != nil {
		t.Errorf("Stop of a stopped manager = %v", err)
	}
}

// TestShutdownStopsRunningManager: the runtime's Shutdown stops a manager
// that runs continuously.
func TestShutdownStopsRunningManager(t *testing.T) {
	rt := newRuntime(t, managed.Options{EnableControllers: true})
	mgr, _ := setup(t, rt, 0)
	done := make(chan error, 1)
	go func() { done <- mgr.Start(context.Background()) }()
	waitFor(t, "manager running", func() bool { return mgr.GetCache().WaitForCacheSync(context.Background()) && rt.Started() })
	if err := rt.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestManagerOptionsAndRecorders(t *testing.T) {
	rt := newRuntime(t, managed.Options{})
	if _, err := controller.NewManager(rt, controller.Options{}); !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "EnableControllers") {
		t.Errorf("NewManager without controllers = %v", err)
	}
	rt2 := newRuntime(t, managed.Options{EnableControllers: true})
	mgr, err := controller.NewManager(rt2, controller.Options{DisableCacheFor: []crclient.Object{&corev1.Secret{}}})
	if err != nil {
		t.Fatal(err)
	}
	if mgr.Runtime() != rt2 {
		t.Error("Runtime()")
	}
	if _, err := controller.NewManager(rt2, controller.Options{}); !apierrors.IsAlreadyExists(err) {
		t.Errorf("second manager on one runtime = %v", err)
	}
	// Without events the recorders drop events (and say why) instead of
	// failing the reconciler.
	obj := cm("x", nil)
	mgr.GetEventRecorderFor("x").Event(obj, corev1.EventTypeNormal, "R", "m")                //nolint:staticcheck // under test
	mgr.GetEventRecorderFor("x").Eventf(obj, corev1.EventTypeNormal, "R", "m")               //nolint:staticcheck // under test
	mgr.GetEventRecorderFor("x").AnnotatedEventf(obj, nil, corev1.EventTypeNormal, "R", "m") //nolint:staticcheck // under test
	mgr.GetEventRecorder("x").Eventf(obj, nil, corev1.EventTypeNormal, "R", "A", "m")
	mgr.GetEventRecorder("x").AnnotatedEventf(obj, nil, nil, corev1.EventTypeNormal, "R", "A", "m")

	// The manager's client reads Secrets (DisableCacheFor) and
	// unstructured objects from the store, typed ConfigMaps from the cache.
	ctx := context.Background()
	c := mgr.GetClient()
	if err := c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "s"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Get(ctx, crclient.ObjectKey{Namespace: "default", Name: "s"}, &corev1.Secret{}); err != nil {
		t.Errorf("uncached Get before the manager runs = %v", err)
	}
	var sl corev1.SecretList
	if err := c.List(ctx, &sl); err != nil || len(sl.Items) != 1 {
		t.Errorf("uncached List = %v (%d)", err, len(sl.Items))
	}
	if err := c.Get(ctx, crclient.ObjectKey{Namespace: "default", Name: "s"}, &corev1.ConfigMap{}); err == nil {
		t.Error("cached Get before the cache runs: no error")
	}
	if err := c.List(ctx, &corev1.ConfigMapList{}); err == nil {
		t.Error("cached List before the cache runs: no error")
	}
	// Writes through the manager's client, status included.
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default"}}
	if err := mgr.GetAPIReader().Get(ctx, crclient.ObjectKeyFromObject(ns), ns); err != nil {
		t.Fatal(err)
	}
	orig := ns.DeepCopy()
	ns.Labels = map[string]string{"x": "y"}
	if err := c.Patch(ctx, ns, crclient.MergeFrom(orig)); err != nil {
		t.Fatal(err)
	}
	if err := c.Status().Update(ctx, ns); err != nil {
		t.Fatal(err)
	}
	if err := c.Status().Patch(ctx, ns, crclient.MergeFrom(ns.DeepCopy())); err != nil {
		t.Fatal(err)
	}
	if err := c.Update(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "absent"}}); !apierrors.IsNotFound(err) {
		t.Errorf("Update of a missing object = %v", err)
	}
}

func TestEventRecordersWithEvents(t *testing.T) {
	rt := newRuntime(t, managed.Options{EnableControllers: true, EnableEvents: true})
	mgr, err := controller.NewManager(rt, controller.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := rt.Start(ctx); err != nil {
		t.Fatal(err)
	}
	obj := cm("x", nil)
	mgr.GetEventRecorder("new").Eventf(obj, cm("rel", nil), corev1.EventTypeNormal, "Did", "Do", "did %d", 1)
	mgr.GetEventRecorder("new").Eventf(obj, nil, "Bogus", "Did", "Do", "dropped")
	if err := rt.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	var evs corev1.EventList
	if err := rt.CoreClient().List(ctx, &evs); err != nil || len(evs.Items) != 1 || evs.Items[0].Action != "Do" || evs.Items[0].Message != "did 1" {
		t.Errorf("events %v %+v", err, evs.Items)
	}
}

// TestAddPlainRunnable: a runnable that is not a controller is added
// unchanged and runs.
func TestAddPlainRunnable(t *testing.T) {
	rt := newRuntime(t, managed.Options{EnableControllers: true})
	mgr, err := controller.NewManager(rt, controller.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan struct{})
	if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error { close(ran); <-ctx.Done(); return nil })); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := mgr.RunTriggered(ctx, controller.TriggeredOptions{Settle: 5 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	<-ran
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

var _ runtime.Object = (*corev1.ConfigMap)(nil)
