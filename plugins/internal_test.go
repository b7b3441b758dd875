package plugins

import (
	"encoding/json"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestEncodeWithKind gives every object's JSON its apiVersion and kind,
// whichever way it is encoded.
func TestEncodeWithKind(t *testing.T) {
	gvk := corev1.SchemeGroupVersion.WithKind("ConfigMap")
	withKind := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a"}}
	withKind.SetGroupVersionKind(gvk)
	u := &unstructured.Unstructured{Object: map[string]any{"metadata": map[string]any{"name": "a"}}}
	for name, obj := range map[string]runtime.Object{
		"typed with its kind":  withKind,
		"typed without":        &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a"}},
		"a field named kind":   &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a"}, Data: map[string]string{"kind": "x"}},
		"unstructured without": u,
		"another kind":         &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}, ObjectMeta: metav1.ObjectMeta{Name: "a"}},
	} {
		raw, err := encodeWithKind(obj, gvk)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var m struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal(raw, &m); err != nil || m.APIVersion != "v1" || m.Kind != "ConfigMap" || m.Metadata.Name != "a" {
			t.Errorf("%s: %s (%v)", name, raw, err)
		}
	}
}

func TestDoublingMemory(t *testing.T) {
	m := memoryAllocator.Allocate(2, 10).(*doublingMemory)
	if b := m.Reallocate(3); len(b) != 3 || cap(b) != 4 {
		t.Errorf("grown to len %d cap %d, want 3 and 4 (doubled)", len(b), cap(b))
	}
	if b := m.Reallocate(9); len(b) != 9 || cap(b) != 9 {
		t.Errorf("grown to len %d cap %d, want 9 and 9 (doubling stops at the maximum)", len(b), cap(b))
	}
	if m.Reallocate(11) != nil {
		t.Error("grown past the maximum")
	}
	m.Free()
	if m.buf != nil {
		t.Error("Free kept the memory")
	}
}

func TestDiscovered(t *testing.T) {
	m := New(Options{Paths: []string{t.TempDir()}})
	if m.Discovered() {
		t.Fatal("discovered before any use")
	}
	_ = m.Plugins()
	if !m.Discovered() {
		t.Fatal("not discovered after Plugins")
	}
}
