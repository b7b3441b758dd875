package worktracking_test

import (
	"context"
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/storage/memory"
	"github.com/k1s-dev/k1s/worktracking"
)

func TestTrackedClientCountsEveryCall(t *testing.T) {
	store := memory.New()
	defer func() { _ = store.Close() }()
	cc, err := core.New(core.Options{Storage: store})
	if err != nil {
		t.Fatal(err)
	}
	r := worktracking.New(nil)
	c := worktracking.Client(cc, r)
	ctx := context.Background()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "a"}, Data: map[string]string{"k": "v"}}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "extra"}}
	calls := []func() error{
		func() error { return c.Create(ctx, cm) },
		func() error { return c.Get(ctx, client.ObjectKeyFromObject(cm), cm) },
		func() error { return c.List(ctx, &corev1.ConfigMapList{}) },
		func() error { cm.Data["k"] = "w"; return c.Update(ctx, cm) },
		func() error {
			return c.Patch(ctx, cm, client.RawPatch("application/merge-patch+json", []byte(`{"data":{"x":"y"}}`)))
		},
		func() error { return c.Create(ctx, ns) },
		func() error { return c.Status().Update(ctx, ns) },
		func() error {
			return c.Status().Patch(ctx, ns, client.RawPatch("application/merge-patch+json", []byte(`{"status":{}}`)))
		},
		func() error {
			w, err := c.Watch(ctx, &corev1.ConfigMapList{})
			if err == nil {
				w.Stop()
			}
			return err
		},
		func() error { return c.Delete(ctx, cm) },
		func() error { return c.DeleteAllOf(ctx, &corev1.ConfigMap{}, client.InNamespace("default")) },
	}
	for i, call := range calls {
		if err := call(); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	// Status().Create is not served by k1s, but it is still counted.
	_ = c.Status().Create(ctx, ns, ns)
	if got, want := r.Stats()[worktracking.ClientCall].Total, int64(len(calls)+1); got != want {
		t.Errorf("counted %d client calls, want %d", got, want)
	}
	if c.Scheme() != cc.Scheme() || c.RESTMapper() == nil {
		t.Error("Scheme/RESTMapper not passed through")
	}
	if gvk, err := c.GroupVersionKindFor(cm); err != nil || gvk.Kind != "ConfigMap" {
		t.Errorf("GroupVersionKindFor = %v, %v", gvk, err)
	}
	if ok, err := c.IsObjectNamespaced(cm); err != nil || !ok {
		t.Errorf("IsObjectNamespaced = %v, %v", ok, err)
	}
	if err := r.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Get(ctx, client.ObjectKeyFromObject(cm), cm); !errors.Is(err, worktracking.ErrShuttingDown) {
		t.Errorf("Get after Shutdown = %v, want ErrShuttingDown", err)
	}
	if _, err := c.Watch(ctx, &corev1.ConfigMapList{}); !errors.Is(err, worktracking.ErrShuttingDown) {
		t.Errorf("Watch after Shutdown = %v, want ErrShuttingDown", err)
	}
}
