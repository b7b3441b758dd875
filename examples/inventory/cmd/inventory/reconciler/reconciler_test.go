package reconciler_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/controller"
	v1alpha1 "github.com/k1s-dev/k1s/examples/inventory/api/v1alpha1"
	"github.com/k1s-dev/k1s/examples/inventory/cmd/inventory/app"
	"github.com/k1s-dev/k1s/examples/inventory/cmd/inventory/reconciler"
	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/memory"
	"github.com/k1s-dev/k1s/storage/sqlite"
)

func backends(t *testing.T) map[string]func(t *testing.T) storage.Interface {
	return map[string]func(t *testing.T) storage.Interface{
		"memory": func(t *testing.T) storage.Interface {
			s := memory.New()
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
		"sqlite": func(t *testing.T) storage.Interface {
			s, err := sqlite.Open(filepath.Join(t.TempDir(), "k1s.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
	}
}

func item(name, category string, qty int64) *v1alpha1.Item {
	return &v1alpha1.Item{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name},
		Spec:       v1alpha1.ItemSpec{Category: category, Quantity: qty},
	}
}

func category(name string) *v1alpha1.Category {
	return &v1alpha1.Category{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name}}
}

// reconcileOnce runs the controllers in triggered mode over store.
func reconcileOnce(t *testing.T, store storage.Interface) controller.TriggeredResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := app.Reconcile(ctx, store, controller.TriggeredOptions{})
	if err != nil {
		t.Fatalf("triggered reconcile: %v", err)
	}
	return res
}

// writer gives a test a plain client over store (no runtime).
func writer(t *testing.T, store storage.Interface) client.Client {
	t.Helper()
	rt, err := app.NewRuntime(store)
	if err != nil {
		t.Fatal(err)
	}
	return rt.CoreClient()
}

func summary(t *testing.T, c client.Client, cat string) map[string]string {
	t.Helper()
	var cm corev1.ConfigMap
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: "default", Name: cat + reconciler.SummarySuffix}, &cm); err != nil {
		t.Fatalf("summary of %s: %v", cat, err)
	}
	return cm.Data
}

func conditionStatus(t *testing.T, c client.Client, name, cond string) metav1.ConditionStatus {
	t.Helper()
	var it v1alpha1.Item
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: "default", Name: name}, &it); err != nil {
		t.Fatal(err)
	}
	c2 := meta.FindStatusCondition(it.Status.Conditions, cond)
	if c2 == nil {
		return ""
	}
	return c2.Status
}

// TestReconcilerSameOnEveryBackend runs one scenario, unchanged, on every
// backend. The test drives k1s; the reconciler package itself imports
// only controller-runtime.
func TestReconcilerSameOnEveryBackend(t *testing.T) {
	for name, newStore := range backends(t) {
		t.Run(name, func(t *testing.T) {
			store := newStore(t)
			c := writer(t, store)
			ctx := context.Background()
			for _, o := range []client.Object{category("fruit"), item("apple", "fruit", 3), item("pear", "fruit", 0), item("bolt", "hardware", 7)} {
				if err := c.Create(ctx, o); err != nil {
					t.Fatal(err)
				}
			}
			if res := reconcileOnce(t, store); res.Reconciles == 0 {
				t.Fatalf("no reconcile ran")
			}
			want := map[string]string{"items": "2", "totalQuantity": "3", "item.apple": "3", "item.pear": "0"}
			if diff := cmp.Diff(want, summary(t, c, "fruit")); diff != "" {
				t.Errorf("fruit summary (-want +got):\n%s", diff)
			}
			for _, tc := range []struct {
				item, cond string
				want       metav1.ConditionStatus
			}{
				{"apple", reconciler.ConditionReady, metav1.ConditionTrue},
				{"apple", reconciler.ConditionInStock, metav1.ConditionTrue},
				{"pear", reconciler.ConditionInStock, metav1.ConditionFalse},
				{"bolt", reconciler.ConditionReady, metav1.ConditionFalse},
			} {
				if got := conditionStatus(t, c, tc.item, tc.cond); got != tc.want {
					t.Errorf("%s %s = %q, want %q", tc.item, tc.cond, got, tc.want)
				}
			}
			var cat v1alpha1.Category
			if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "fruit"}, &cat); err != nil {
				t.Fatal(err)
			}
			if cat.Status.Items != 2 || cat.Status.TotalQuantity != 3 {
				t.Errorf("fruit status = %+v, want 2 items, total 3", cat.Status)
			}
			// A category without items still gets its status written: zero
			// counts observed at its generation, not an absent status.
			if err := c.Create(ctx, category("empty")); err != nil {
				t.Fatal(err)
			}
			reconcileOnce(t, store)
			var empty v1alpha1.Category
			if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "empty"}, &empty); err != nil {
				t.Fatal(err)
			}
			if empty.Generation == 0 || empty.Status.ObservedGeneration != empty.Generation {
				t.Errorf("empty category: generation %d, status %+v: status never written", empty.Generation, empty.Status)
			}
			var evs corev1.EventList
			if err := c.List(ctx, &evs, client.InNamespace("default")); err != nil {
				t.Fatal(err)
			}
			reasons := map[string]int32{}
			for _, e := range evs.Items {
				reasons[e.Reason] += e.Count
			}
			for _, r := range []string{"CategoryMissing", "OutOfStock", "SummaryCreated"} {
				if reasons[r] == 0 {
					t.Errorf("no %s event; events: %v", r, reasons)
				}
			}

			// Second round: the hardware category appears, pear is deleted
			// (finalizer), apple changes.
			if err := c.Create(ctx, category("hardware")); err != nil {
				t.Fatal(err)
			}
			if err := c.Delete(ctx, item("pear", "", 0)); err != nil {
				t.Fatal(err)
			}
			var apple v1alpha1.Item
			if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "apple"}, &apple); err != nil {
				t.Fatal(err)
			}
			apple.Spec.Quantity = 10
			if err := c.Update(ctx, &apple); err != nil {
				t.Fatal(err)
			}
			reconcileOnce(t, store)
			want = map[string]string{"items": "1", "totalQuantity": "10", "item.apple": "10"}
			if diff := cmp.Diff(want, summary(t, c, "fruit")); diff != "" {
				t.Errorf("fruit summary after changes (-want +got):\n%s", diff)
			}
			if got := conditionStatus(t, c, "bolt", reconciler.ConditionReady); got != metav1.ConditionTrue {
				t.Errorf("bolt Ready = %q after its category appeared", got)
			}
			if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "pear"}, &v1alpha1.Item{}); !apierrors.IsNotFound(err) {
				t.Errorf("pear after delete and reconcile: %v, want NotFound", err)
			}
			// The summary is owned by its category: deleting the category
			// deletes it.
			if err := c.Delete(ctx, category("hardware")); err != nil {
				t.Fatal(err)
			}
			if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "hardware" + reconciler.SummarySuffix}, &corev1.ConfigMap{}); !apierrors.IsNotFound(err) {
				t.Errorf("hardware summary after its category was deleted: %v, want NotFound", err)
			}
		})
	}
}
