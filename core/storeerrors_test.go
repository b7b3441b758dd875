package core_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/core/coretest"
	"github.com/k1s-dev/k1s/storage/memory"
)

// TestStoreErrors checks that every method passes a failing store's error
// through unchanged, here a closed store's ServiceUnavailable.
func TestStoreErrors(t *testing.T) {
	ctx := t.Context()
	store := memory.New()
	c, err := core.New(core.Options{Storage: store, Scheme: coretest.NewScheme(), Registry: coretest.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	owner := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owner", Namespace: "default"}}
	if err := c.Create(ctx, owner); err != nil {
		t.Fatal(err)
	}
	owned := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owned", Namespace: "default",
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "owner", UID: owner.UID}}}}
	if err := c.Create(ctx, owned); err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	cm := func() *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owned", Namespace: "default", ResourceVersion: owned.ResourceVersion}}
	}
	merge := client.RawPatch(types.MergePatchType, []byte(`{}`))
	ops := map[string]func() error{
		"Get":  func() error { return c.Get(ctx, client.ObjectKeyFromObject(owned), cm()) },
		"List": func() error { return c.List(ctx, &corev1.ConfigMapList{}) },
		"Create": func() error {
			return c.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "new", Namespace: "default"}})
		},
		"Update":      func() error { return c.Update(ctx, cm()) },
		"Patch":       func() error { return c.Patch(ctx, cm(), merge) },
		"Delete":      func() error { return c.Delete(ctx, cm()) },
		"DeleteAllOf": func() error { return c.DeleteAllOf(ctx, cm(), client.InNamespace("default")) },
		"Status().Patch": func() error {
			return c.Status().Patch(ctx, &coretest.Item{ObjectMeta: metav1.ObjectMeta{Name: "i", Namespace: "default"}}, merge)
		},
		"Watch": func() error {
			_, err := c.Watch(ctx, &corev1.ConfigMapList{})
			return err
		},
		"Watch from a revision": func() error {
			_, err := c.Watch(ctx, &corev1.ConfigMapList{}, &client.ListOptions{ResourceVersion: "1"})
			return err
		},
		"New": func() error {
			_, err := core.New(core.Options{Storage: store})
			return err
		},
	}
	for name, op := range ops {
		if err := op(); !apierrors.IsServiceUnavailable(err) && (name != "New" || err == nil) {
			t.Errorf("%s over a closed store: got %v, want the store's ServiceUnavailable", name, err)
		}
	}
}
