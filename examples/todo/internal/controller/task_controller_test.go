package controller_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/k1s-dev/k1s/cliruntime"
	k1sctrl "github.com/k1s-dev/k1s/controller"
	todov1 "github.com/k1s-dev/k1s/examples/todo/api/v1"
	"github.com/k1s-dev/k1s/examples/todo/internal/app"
	"github.com/k1s-dev/k1s/examples/todo/internal/controller"
	"github.com/k1s-dev/k1s/storage/sqlite"
)

var key = crclient.ObjectKey{Namespace: "default", Name: "milk"}

// openClient returns a controller-runtime client over the SQLite file
// of flags, as one-shot code written against controller-runtime gets it.
func openClient(t *testing.T, flags *cliruntime.GlobalFlags) crclient.Client {
	t.Helper()
	store, err := sqlite.Open(flags.Data)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	opts := app.CoreOptions()
	opts.Storage = store
	c, err := k1sctrl.NewCoreClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRun runs the controller in triggered mode over a real SQLite file
// and checks the card, the status, the events, then the finalizer.
func TestRun(t *testing.T) {
	flags := &cliruntime.GlobalFlags{Data: filepath.Join(t.TempDir(), "todo.db")}
	ctx := context.Background()
	c := openClient(t, flags)
	task := &todov1.Task{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}, Spec: todov1.TaskSpec{Title: "Buy milk", Due: "2026-12-24"}}
	if err := c.Create(ctx, task); err != nil {
		t.Fatal(err)
	}
	if res, err := controller.Run(ctx, flags, k1sctrl.TriggeredOptions{}); err != nil || res.Reconciles == 0 {
		t.Fatalf("run: %+v, %v", res, err)
	}
	var card corev1.ConfigMap
	if err := c.Get(ctx, crclient.ObjectKey{Namespace: "default", Name: controller.CardPrefix + "milk"}, &card); err != nil {
		t.Fatal(err)
	}
	if card.Data["title"] != "Buy milk" || card.Data["priority"] != "Medium" || card.Data["due"] != "2026-12-24" || card.Data["done"] != "false" {
		t.Errorf("card data %v", card.Data)
	}
	if ref := metav1.GetControllerOf(&card); ref == nil || ref.Kind != "Task" || ref.Name != "milk" {
		t.Errorf("card's controller %+v", ref)
	}
	if err := c.Get(ctx, key, task); err != nil {
		t.Fatal(err)
	}
	if !meta.IsStatusConditionTrue(task.Status.Conditions, controller.ConditionReady) || task.Status.ObservedGeneration != task.Generation {
		t.Errorf("status %+v at generation %d", task.Status, task.Generation)
	}
	var events corev1.EventList
	if err := c.List(ctx, &events, crclient.InNamespace("default")); err != nil || len(events.Items) != 1 || events.Items[0].Reason != "CardCreated" {
		t.Errorf("events %+v, %v", events.Items, err)
	}

	if err := c.Delete(ctx, task); err != nil {
		t.Fatal(err)
	}
	if _, err := controller.Run(ctx, flags, k1sctrl.TriggeredOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, obj := range []crclient.Object{&todov1.Task{}, &corev1.ConfigMap{}} {
		name := key
		if _, ok := obj.(*corev1.ConfigMap); ok {
			name.Name = controller.CardPrefix + key.Name
		}
		if err := c.Get(ctx, name, obj); !apierrors.IsNotFound(err) {
			t.Errorf("%T %s after the finalizer: %v", obj, name, err)
		}
	}
}

// TestCommand runs todo-controller's reconcile command in-process.
func TestCommand(t *testing.T) {
	data := filepath.Join(t.TempDir(), "todo.db")
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"--data", data, "reconcile", "--settle", "10ms"}, 0, "0 reconciles\n"},
		{[]string{"--data", filepath.Join(data, "under-a-file"), "reconcile"}, 1, ""},
	} {
		var out, errOut bytes.Buffer
		c := app.NewCLI("v0", controller.Commands)
		c.Out, c.ErrOut = &out, &errOut
		if code := c.ExecuteContext(context.Background(), tc.args); code != tc.code || out.String() != tc.out {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", tc.args, code, out.String(), errOut.String())
		}
	}
}

func TestRunErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := controller.Run(ctx, &cliruntime.GlobalFlags{Data: filepath.Join(t.TempDir(), "t.db")}, k1sctrl.TriggeredOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("interrupted run: %v", err)
	}
	if _, err := controller.Run(context.Background(), &cliruntime.GlobalFlags{Storage: "nonsense://"}, k1sctrl.TriggeredOptions{}); err == nil {
		t.Error("run on a bad store: no error")
	}
}

var errInjected = errors.New("injected")

// TestReconcileReturnsErrors calls Reconcile over a real client one of
// whose calls fails (controller-runtime's interceptor), and checks that
// the failure is returned, so that the controller retries.
func TestReconcileReturnsErrors(t *testing.T) {
	flags := &cliruntime.GlobalFlags{Data: filepath.Join(t.TempDir(), "todo.db")}
	base := openClient(t, flags)
	ctx := context.Background()
	live := &todov1.Task{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "milk"}, Spec: todov1.TaskSpec{Title: "Buy milk"}}
	gone := &todov1.Task{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "gone", Finalizers: []string{controller.Finalizer}}, Spec: todov1.TaskSpec{Title: "Old"}}
	for _, o := range []crclient.Object{live, gone} {
		if err := base.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	if err := base.Delete(ctx, gone); err != nil {
		t.Fatal(err)
	}
	fail := func(ctx context.Context, c crclient.WithWatch, obj crclient.Object, _ ...crclient.UpdateOption) error {
		return errInjected
	}
	for _, tc := range []struct {
		name  string
		task  string
		funcs interceptor.Funcs
	}{
		{"get", "milk", interceptor.Funcs{Get: func(context.Context, crclient.WithWatch, crclient.ObjectKey, crclient.Object, ...crclient.GetOption) error {
			return errInjected
		}}},
		{"add finalizer", "milk", interceptor.Funcs{Update: fail}},
		{"write card", "milk", interceptor.Funcs{Create: func(context.Context, crclient.WithWatch, crclient.Object, ...crclient.CreateOption) error {
			return errInjected
		}}},
		{"status", "milk", interceptor.Funcs{SubResourceUpdate: func(context.Context, crclient.Client, string, crclient.Object, ...crclient.SubResourceUpdateOption) error {
			return errInjected
		}}},
		{"delete card", "gone", interceptor.Funcs{Delete: func(context.Context, crclient.WithWatch, crclient.Object, ...crclient.DeleteOption) error {
			return errInjected
		}}},
		{"remove finalizer", "gone", interceptor.Funcs{Update: fail}},
	} {
		r := &controller.TaskReconciler{Client: interceptor.NewClient(base.(crclient.WithWatch), tc.funcs), Scheme: app.Scheme(), Recorder: events.NewFakeRecorder(10)}
		if _, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: crclient.ObjectKey{Namespace: "default", Name: tc.task}}); !errors.Is(err, errInjected) {
			t.Errorf("%s: %v, want the injected error", tc.name, err)
		}
	}
	// A task already gone, or gone and finalized by someone else, is no error.
	r := &controller.TaskReconciler{Client: base, Scheme: app.Scheme(), Recorder: events.NewFakeRecorder(10)}
	for _, name := range []string{"nothing", "gone", "gone"} {
		if _, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: crclient.ObjectKey{Namespace: "default", Name: name}}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
