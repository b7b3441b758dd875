package controller_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/k1s-dev/k1s/controller"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/managed"
	"github.com/k1s-dev/k1s/storage"
)

// orphanDependent stores an owner and its dependent, then removes the
// owner from the store directly, as a process that died between the two
// halves of its work (or a k1s without garbage collection) leaves them.
func orphanDependent(t *testing.T, rt *managed.Runtime, name string) {
	t.Helper()
	ctx := context.Background()
	c := rt.Client()
	owner := cm(name+"-owner", nil)
	if err := c.Create(ctx, owner); err != nil {
		t.Fatal(err)
	}
	dep := cm(name, nil)
	dep.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name, UID: owner.UID}}
	if err := c.Create(ctx, dep); err != nil {
		t.Fatal(err)
	}
	store := rt.CoreClient().(*core.Client).Storage()
	if _, err := store.Delete(ctx, storage.Key(storage.DefaultTenant, schema.GroupResource{Resource: "configmaps"}, "default", owner.Name), nil); err != nil {
		t.Fatal(err)
	}
}

func gone(ctx context.Context, c crclient.Client, name string) bool {
	err := c.Get(ctx, crclient.ObjectKey{Namespace: "default", Name: name}, &corev1.ConfigMap{})
	return apierrors.IsNotFound(err)
}

// TestTriggeredRunCollectsGarbage checks that a triggered run first
// collects a dependent whose owner is gone, as a cluster's garbage
// collector would have.
func TestTriggeredRunCollectsGarbage(t *testing.T) {
	rt := newRuntime(t, managed.Options{EnableControllers: true})
	orphanDependent(t, rt, "left")
	mgr, err := controller.NewManager(rt, controller.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mgr.RunTriggered(context.Background(), controller.TriggeredOptions{}); err != nil {
		t.Fatal(err)
	}
	if !gone(context.Background(), controller.NewClient(rt.Client()), "left") {
		t.Error("the dependent of a deleted owner survived a triggered run")
	}
}

// TestContinuousRunCollectsGarbage checks the periodic sweep of a
// continuous run, and that a negative interval turns it off.
func TestContinuousRunCollectsGarbage(t *testing.T) {
	for _, tc := range []struct {
		name     string
		interval time.Duration
		collect  bool
	}{{"sweeping", 10 * time.Millisecond, true}, {"off", -1, false}} {
		t.Run(tc.name, func(t *testing.T) {
			rt := newRuntime(t, managed.Options{EnableControllers: true})
			mgr, err := controller.NewManager(rt, controller.Options{GarbageCollectionInterval: tc.interval})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- mgr.Start(ctx) }()
			orphanDependent(t, rt, "left")
			c := controller.NewClient(rt.Client())
			deadline := time.Now().Add(time.Minute)
			for tc.collect && !gone(ctx, c, "left") && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if !tc.collect {
				time.Sleep(100 * time.Millisecond) // ten intervals of the sweep it must not run
			}
			if got := gone(ctx, c, "left"); got != tc.collect {
				t.Errorf("dependent of a deleted owner collected = %v, want %v", got, tc.collect)
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
}
