package reconciler_test

import (
	"context"
	"errors"
	"testing"

	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/k1s-dev/k1s/controller"
	v1alpha1 "github.com/k1s-dev/k1s/examples/inventory/api/v1alpha1"
	"github.com/k1s-dev/k1s/examples/inventory/cmd/inventory/app"
	"github.com/k1s-dev/k1s/examples/inventory/cmd/inventory/reconciler"
	"github.com/k1s-dev/k1s/storage/memory"
)

var errInjected = errors.New("injected failure")

// TestReconcilersReportErrors calls the reconcilers directly over a real
// k1s client in which one kind of call fails (controller-runtime's own
// interceptor), and checks that each failure is returned, so the
// controller retries it.
func TestReconcilersReportErrors(t *testing.T) {
	store := memory.New()
	defer func() { _ = store.Close() }()
	rt, err := app.NewRuntime(store)
	if err != nil {
		t.Fatal(err)
	}
	base := controller.NewClient(rt.Client())
	ctx := context.Background()
	for _, o := range []crclient.Object{category("fruit"), item("apple", "fruit", 1), item("kiwi", "fruit", 1)} {
		if err := base.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	// kiwi carries our finalizer already and is being deleted.
	var kiwi v1alpha1.Item
	if err := base.Get(ctx, crclient.ObjectKey{Namespace: "default", Name: "kiwi"}, &kiwi); err != nil {
		t.Fatal(err)
	}
	kiwi.Finalizers = []string{reconciler.Finalizer}
	if err := base.Update(ctx, &kiwi); err != nil {
		t.Fatal(err)
	}
	if err := base.Delete(ctx, &kiwi); err != nil {
		t.Fatal(err)
	}
	failGetOf := func(kind string) interceptor.Funcs {
		return interceptor.Funcs{Get: func(ctx context.Context, c crclient.WithWatch, key crclient.ObjectKey, obj crclient.Object, opts ...crclient.GetOption) error {
			if _, ok := obj.(*v1alpha1.Category); ok == (kind == "Category") {
				return errInjected
			}
			return c.Get(ctx, key, obj, opts...)
		}}
	}
	failUpdate := interceptor.Funcs{Update: func(context.Context, crclient.WithWatch, crclient.Object, ...crclient.UpdateOption) error {
		return errInjected
	}}
	failStatus := interceptor.Funcs{SubResourceUpdate: func(context.Context, crclient.Client, string, crclient.Object, ...crclient.SubResourceUpdateOption) error {
		return errInjected
	}}
	failList := interceptor.Funcs{List: func(context.Context, crclient.WithWatch, crclient.ObjectList, ...crclient.ListOption) error {
		return errInjected
	}}
	failCreate := interceptor.Funcs{Create: func(context.Context, crclient.WithWatch, crclient.Object, ...crclient.CreateOption) error {
		return errInjected
	}}
	rec := record.NewFakeRecorder(100)
	req := func(name string) ctrl.Request {
		return ctrl.Request{NamespacedName: crclient.ObjectKey{Namespace: "default", Name: name}}
	}
	for _, tc := range []struct {
		name  string
		funcs interceptor.Funcs
		item  bool
		req   string
	}{
		{"item: adding the finalizer fails", failUpdate, true, "apple"},
		{"item: removing the finalizer fails", failUpdate, true, "kiwi"},
		{"item: reading its category fails", failGetOf("Category"), true, "apple"},
		{"item: status update fails", failStatus, true, "apple"},
		{"category: listing items fails", failList, false, "fruit"},
		{"category: writing the summary fails", failCreate, false, "fruit"},
		{"category: status update fails", failStatus, false, "fruit"},
	} {
		c := interceptor.NewClient(base, tc.funcs)
		var err error
		if tc.item {
			_, err = (&reconciler.ItemReconciler{Client: c, Recorder: rec}).Reconcile(ctx, req(tc.req))
		} else {
			_, err = (&reconciler.CategoryReconciler{Client: c, Scheme: base.Scheme(), Recorder: rec}).Reconcile(ctx, req(tc.req))
		}
		if !errors.Is(err, errInjected) {
			t.Errorf("%s: Reconcile = %v, want the injected error", tc.name, err)
		}
	}

	// An item being deleted that does not carry our finalizer is left alone.
	other := item("plum", "fruit", 1)
	other.Finalizers = []string{"example.com/other"}
	if err := base.Create(ctx, other); err != nil {
		t.Fatal(err)
	}
	if err := base.Delete(ctx, other); err != nil {
		t.Fatal(err)
	}
	if _, err := (&reconciler.ItemReconciler{Client: base, Recorder: rec}).Reconcile(ctx, req("plum")); err != nil {
		t.Errorf("reconcile of a foreign-finalized deleting item: %v", err)
	}
}
