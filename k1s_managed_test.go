package k1s_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/k1s-dev/k1s"
	"github.com/k1s-dev/k1s/storage/memory"
)

// TestNewManagedRuntime goes through the front door end to end: the
// runtime's Client writes, its informer sees the write, Shutdown stops it.
func TestNewManagedRuntime(t *testing.T) {
	if _, err := k1s.NewManagedRuntime(k1s.ManagedRuntimeOptions{}); err == nil {
		t.Fatal("NewManagedRuntime without storage succeeded")
	}
	rt, err := k1s.NewManagedRuntime(k1s.ManagedRuntimeOptions{
		CoreClientOptions: k1s.CoreClientOptions{Storage: memory.New()},
		EnableInformers:   true,
		EnableEvents:      true,
	})
	if err != nil {
		t.Fatalf("NewManagedRuntime: %v", err)
	}
	informer, err := rt.GetInformerFor(&corev1.ConfigMap{})
	if err != nil {
		t.Fatalf("GetInformerFor: %v", err)
	}
	added := make(chan string, 1)
	if _, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { added <- obj.(*corev1.ConfigMap).Name },
	}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	if err := rt.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "seen", Namespace: "default"}}
	if err := rt.Client().Create(ctx, cm); err != nil {
		t.Fatalf("Create: %v", err)
	}
	select {
	case name := <-added:
		if name != "seen" {
			t.Fatalf("informer saw %q, want seen", name)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the informer never saw the ConfigMap")
	}
	recorder, err := rt.GetEventRecorderFor("front-door-test")
	if err != nil {
		t.Fatalf("GetEventRecorderFor: %v", err)
	}
	recorder.Event(cm, corev1.EventTypeNormal, "Seen", "the informer saw it")
	if err := rt.Shutdown(t.Context()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	var events corev1.EventList
	if err := rt.CoreClient().List(t.Context(), &events); err != nil {
		t.Fatalf("List events: %v", err)
	}
	if len(events.Items) != 1 || events.Items[0].Reason != "Seen" {
		t.Fatalf("events after Shutdown = %+v, want the one recorded (flushed by Shutdown)", events.Items)
	}
}
