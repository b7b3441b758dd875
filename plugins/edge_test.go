package plugins_test

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/k1s-dev/k1s/plugins"
)

// TestHooksDirect calls the hooks outside a Client, as a program may:
// the kind comes from the client's scheme when the object lacks it, and
// unstructured objects are patched in place.
func TestHooksDirect(t *testing.T) {
	root := t.TempDir()
	writePlugin(t, root, "guest", guestWasm, configMapHooks)
	m, _ := newManager(t, root)
	a := m.Admission()
	ctx := t.Context()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "typed", Namespace: "default"}}
	if err := a.Default(ctx, cm); err != nil || cm.Labels["guest"] != "mutated" {
		t.Errorf("Default of a typed object without a kind: %v %v", err, cm.Labels)
	}
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind("ConfigMap")
	u.SetName("deny-u")
	u.SetNamespace("default")
	if _, err := a.Mutate(ctx, "CREATE", u, nil); err != nil || u.GetLabels()["guest"] != "mutated" {
		t.Errorf("Mutate of an unstructured object: %v %v", err, u.GetLabels())
	}
	if _, err := a.ValidateUpdate(ctx, u, u); err == nil || !strings.Contains(err.Error(), "denied the request") {
		t.Errorf("ValidateUpdate: %v", err)
	}
	if _, err := a.ValidateDelete(ctx, u); err == nil {
		t.Error("ValidateDelete of deny-u passed")
	}
	bare := plugins.New(plugins.Options{Paths: []string{root}, CompilationCacheDir: cacheDir})
	t.Cleanup(func() { _ = bare.Close(context.Background()) })
	if _, err := bare.Admission().ValidateCreate(ctx, &corev1.ConfigMap{}); err == nil || !strings.Contains(err.Error(), "the kind of a *v1.ConfigMap is unknown") {
		t.Errorf("a manager without a client and an object without a kind: %v", err)
	}
}

// TestCallEdges: a cancelled call, a malformed reconcile result, a
// release after a restart.
func TestCallEdges(t *testing.T) {
	root := t.TempDir()
	writePlugin(t, root, "guest", guestWasm, configMapHooks+"  limits: {timeout: 60s}\n")
	writePlugin(t, root, "raw", rawModule(1, []byte("{not json"), 2048, 9), "  reconcile:\n  - {apiVersion: v1, kind: ConfigMap}\n")
	writePlugin(t, root, "rawok", rawModule(1, []byte(`{"requeue":true}`), 2048, 16), "  reconcile:\n  - {apiVersion: v1, kind: ConfigMap}\n")
	m, c := newManager(t, root)
	if err := m.Plugin("guest").Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(300*time.Millisecond, cancel)
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind("ConfigMap")
	u.SetName("loop")
	u.SetNamespace("default")
	if _, err := m.Admission().ValidateCreate(ctx, u); err == nil || !strings.Contains(err.Error(), "k1s_admit: cancelled") {
		t.Errorf("a cancelled call: %v", err)
	}
	gvk := corev1.SchemeGroupVersion.WithKind("ConfigMap")
	key := types.NamespacedName{Namespace: "default", Name: "x"}
	if _, _, err := m.Plugin("raw").Reconcile(t.Context(), gvk, key); err == nil || !strings.Contains(err.Error(), "the result it answered is malformed") {
		t.Errorf("malformed reconcile result: %v", err)
	}
	if res, _, err := m.Plugin("rawok").Reconcile(t.Context(), gvk, key); err != nil || !res.Requeue {
		t.Errorf("requeue: %+v %v", res, err)
	}
	// ReconcileAll gives up on a reconciler that requeues at once
	// forever, after a few attempts per object, and ends: nothing wrote.
	if err := c.Create(t.Context(), newCM("x")); err != nil {
		t.Fatal(err)
	}
	rep, err := m.ReconcileAll(t.Context())
	if err == nil || rep.Passes != 1 || rep.Reconciles != 5 {
		t.Errorf("ReconcileAll: %+v %v", rep, err)
	}
	cctx, ccancel := context.WithCancel(t.Context())
	ccancel()
	if _, err := m.ReconcileAll(cctx); err == nil {
		t.Error("ReconcileAll with a cancelled context succeeded")
	}
}
