package controller_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	crcontroller "sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/k1s-dev/k1s/controller"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/managed"
	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/memory"
	"github.com/k1s-dev/k1s/storage/sqlite"
)

// backends are the stores the controller tests run on.
var backends = []struct {
	name string
	open func(t *testing.T) storage.Interface
}{
	{"memory", func(*testing.T) storage.Interface { return memory.New() }},
	{"sqlite", func(t *testing.T) storage.Interface {
		s, err := sqlite.Open(filepath.Join(t.TempDir(), "k1s.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}},
}

func newRuntimeOn(t *testing.T, store storage.Interface, opts managed.Options) *managed.Runtime {
	t.Helper()
	t.Cleanup(func() { _ = store.Close() })
	opts.CoreClientOptions = core.Options{Storage: store}
	rt, err := managed.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Shutdown(context.Background()) })
	return rt
}

// TestUnknownWatchedTypeFailsStart: a controller that watches a type k1s
// does not know — a Go type missing from the scheme, or a kind missing
// from the registry — stops the manager at once with an error naming the
// controller and the type, in triggered and in continuous mode. (It used
// to log "no matches for kind" every 10 s while RunTriggered waited for
// its deadline.)
func TestUnknownWatchedTypeFailsStart(t *testing.T) {
	ghost := &unstructured.Unstructured{}
	ghost.SetGroupVersionKind(schema.GroupVersionKind{Group: "ghost.example.com", Version: "v1", Kind: "Ghost"})
	cases := []struct {
		name  string
		build func(mgr ctrl.Manager, r reconcile.Reconciler) error
		want  []string
	}{
		{"owned Go type not in the scheme", func(mgr ctrl.Manager, r reconcile.Reconciler) error {
			return ctrl.NewControllerManagedBy(mgr).Named("memcached").For(&corev1.ConfigMap{}).Owns(&appsv1.Deployment{}).Complete(r)
		}, []string{`controller "memcached"`, "k8s.io/api/apps/v1.Deployment", "no kind is registered"}},
		{"kind not in the registry", func(mgr ctrl.Manager, r reconcile.Reconciler) error {
			return ctrl.NewControllerManagedBy(mgr).Named("ghosts").For(ghost).Complete(r)
		}, []string{`controller "ghosts"`, `apiVersion "ghost.example.com/v1", kind "Ghost"`, "no matches for kind"}},
	}
	for _, b := range backends {
		for _, tc := range cases {
			for _, mode := range []string{"triggered", "continuous"} {
				t.Run(b.name+"/"+tc.name+"/"+mode, func(t *testing.T) {
					rt := newRuntimeOn(t, b.open(t), managed.Options{EnableControllers: true})
					mgr, err := controller.NewManager(rt, controller.Options{})
					if err != nil {
						t.Fatal(err)
					}
					reconciles := 0
					r := reconcile.Func(func(context.Context, reconcile.Request) (reconcile.Result, error) {
						reconciles++
						return reconcile.Result{}, nil
					})
					if err := tc.build(mgr, r); err != nil {
						t.Fatal(err)
					}
					// Far beyond the 10 s retry of controller-runtime's Kind
					// source: reaching it would be the old failure.
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
					defer cancel()
					if mode == "triggered" {
						_, err = mgr.RunTriggered(ctx, controller.TriggeredOptions{})
					} else {
						err = mgr.Start(ctx)
					}
					if err == nil || errors.Is(err, context.DeadlineExceeded) {
						t.Fatalf("%s run = %v, want an error at start", mode, err)
					}
					for _, w := range tc.want {
						if !strings.Contains(err.Error(), w) {
							t.Errorf("error %q does not say %q", err, w)
						}
					}
				})
			}
		}
	}
}

// TestTriggeredOnBothQueues runs the copier (For + Owns, finalizer,
// events, a requeue, a failing first reconcile) to convergence through
// controller-runtime's builder, with its default priority queue and with
// the plain rate-limited queue, on the memory store and on SQLite.
func TestTriggeredOnBothQueues(t *testing.T) {
	for _, b := range backends {
		for _, usePQ := range []bool{true, false} {
			name := b.name + "/priority-queue"
			if !usePQ {
				name = b.name + "/plain-queue"
			}
			t.Run(name, func(t *testing.T) {
				rt := newRuntimeOn(t, b.open(t), managed.Options{EnableControllers: true, EnableEvents: true})
				opts := controller.Options{}
				opts.Controller.UsePriorityQueue = &usePQ
				mgr, r := setupWith(t, rt, opts, 5*time.Millisecond)
				seed(t, controller.NewClient(rt.Client()), "a", "b")
				if err := rt.Client().Create(context.Background(), cm("flaky", map[string]string{"role": "source", "fail": "once"})); err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				defer cancel()
				res, err := mgr.RunTriggered(ctx, controller.TriggeredOptions{})
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range []string{"a", "b", "flaky"} {
					if err := mgr.GetAPIReader().Get(ctx, types.NamespacedName{Namespace: "default", Name: n + "-copy"}, &corev1.ConfigMap{}); err != nil {
						t.Errorf("copy of %s: %v", n, err)
					}
					if got := r.count(n); got < 2 {
						t.Errorf("%s reconciled %d time(s), want the requeue (or retry) too", n, got)
					}
				}
				if res.Reconciles < 6 {
					t.Errorf("%d reconciles, want >= 6", res.Reconciles)
				}
			})
		}
	}
}

// uninstrumentable is a controller of its own making: it has
// controller-runtime's controller interface but none of the fields k1s
// instruments.
type uninstrumentable struct{ crcontroller.Controller }

type otherRequest struct{ Key string }

// TestAddRefusesWhatItCannotInstrument: a controller k1s cannot observe is
// an error from Add that names it, not a controller that runs unwatched.
func TestAddRefusesWhatItCannotInstrument(t *testing.T) {
	rt := newRuntime(t, managed.Options{EnableControllers: true})
	mgr, err := controller.NewManager(rt, controller.Options{})
	if err != nil {
		t.Fatal(err)
	}
	noop := reconcile.Func(func(context.Context, reconcile.Request) (reconcile.Result, error) { return reconcile.Result{}, nil })

	inner, err := crcontroller.NewUnmanaged("wrapped", crcontroller.Options{Reconciler: noop})
	if err != nil {
		t.Fatal(err)
	}
	typed, err := crcontroller.NewTypedUnmanaged("typed", crcontroller.TypedOptions[otherRequest]{
		Reconciler: reconcile.TypedFunc[otherRequest](func(context.Context, otherRequest) (reconcile.Result, error) { return reconcile.Result{}, nil }),
	})
	if err != nil {
		t.Fatal(err)
	}
	started, err := crcontroller.NewUnmanaged("started", crcontroller.Options{Reconciler: noop})
	if err != nil {
		t.Fatal(err)
	}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if err := started.Start(done); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		r    any
		want []string
	}{
		{&uninstrumentable{inner}, []string{"controller *controller_test.uninstrumentable cannot be run by k1s", "no string field Name"}},
		{typed, []string{`controller "typed"`, "controller_test.otherRequest"}},
		{started, []string{`controller "started"`, "already started"}},
	} {
		r, ok := tc.r.(interface{ Start(context.Context) error })
		if !ok {
			t.Fatalf("%T is not a runnable", tc.r)
		}
		err := mgr.Add(r)
		if err == nil {
			t.Errorf("Add(%T) accepted it", tc.r)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Add(%T) = %q, does not say %q", tc.r, err, w)
			}
		}
	}
	// The manager still runs what it accepted (nothing here).
	ctx, stop := context.WithTimeout(context.Background(), time.Minute)
	defer stop()
	if _, err := mgr.RunTriggered(ctx, controller.TriggeredOptions{}); err != nil {
		t.Fatal(err)
	}
}
