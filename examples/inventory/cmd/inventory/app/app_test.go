package app

import (
	"context"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/k1s-dev/k1s/controller"
	"github.com/k1s-dev/k1s/core"
	v1alpha1 "github.com/k1s-dev/k1s/examples/inventory/api/v1alpha1"
	"github.com/k1s-dev/k1s/managed"
	"github.com/k1s-dev/k1s/storage/memory"
)

func TestSchemaValidation(t *testing.T) {
	store := memory.New()
	defer func() { _ = store.Close() }()
	rt, err := NewRuntime(store)
	if err != nil {
		t.Fatal(err)
	}
	c := rt.Client()
	ctx := context.Background()
	for _, tc := range []struct {
		spec v1alpha1.ItemSpec
		want string
	}{
		{v1alpha1.ItemSpec{Category: "c", Quantity: -1}, "spec.quantity"},
		{v1alpha1.ItemSpec{Quantity: 1}, "spec.category"},
	} {
		it := &v1alpha1.Item{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "bad"}, Spec: tc.spec}
		if err := c.Create(ctx, it); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("create %+v = %v, want Invalid naming %s", tc.spec, err, tc.want)
		}
	}
	if err := rt.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestReconcileErrors(t *testing.T) {
	store := memory.New()
	_ = store.Close()
	if _, err := Reconcile(context.Background(), store, controller.TriggeredOptions{}); err == nil {
		t.Error("Reconcile over a closed store: no error")
	}
}

func TestReconcileEmptyStore(t *testing.T) {
	store := memory.New()
	defer func() { _ = store.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := Reconcile(ctx, store, controller.TriggeredOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Reconciles != 0 {
		t.Errorf("%d reconciles over an empty store", res.Reconciles)
	}
}

func TestNewManagerNeedsControllers(t *testing.T) {
	store := memory.New()
	defer func() { _ = store.Close() }()
	rt, err := managed.New(managed.Options{CoreClientOptions: core.Options{Storage: store, Scheme: Scheme(), Registry: Registry()}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewManager(rt); err == nil {
		t.Error("NewManager on a runtime without controllers: no error")
	}
}
