package decode

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestFromUnstructured(t *testing.T) {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "web", "namespace": "default", "labels": map[string]any{"app": "web"}},
		"data":     map[string]any{"a": "1"}, "binaryData": map[string]any{"b": "AAE="}}}
	var cm corev1.ConfigMap
	if err := FromUnstructured(u, &cm); err != nil {
		t.Fatal(err)
	}
	want := corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Labels: map[string]string{"app": "web"}},
		Data:       map[string]string{"a": "1"}, BinaryData: map[string][]byte{"b": {0, 1}},
	}
	if diff := cmp.Diff(want, cm); diff != "" {
		t.Errorf("FromUnstructured (-want +got):\n%s", diff)
	}
	var cp unstructured.Unstructured
	if err := FromUnstructured(u, &cp); err != nil {
		t.Fatal(err)
	}
	cp.SetName("changed")
	if u.GetName() != "web" {
		t.Error("FromUnstructured into unstructured shares the map")
	}
}

func TestConversionErrors(t *testing.T) {
	if err := FromUnstructured(nil, &corev1.ConfigMap{}); err == nil {
		t.Error("FromUnstructured(nil): no error")
	}
	tests := []struct {
		obj  map[string]any
		want string
	}{
		{map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "c", "namespace": "ns"}, "data": map[string]any{"a": int64(1)}},
			`ConfigMap "ns/c": data: must be a string, not a number`},
		{map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "c"}, "immutable": "yes"},
			`ConfigMap "c": immutable: must be a boolean, not a string`},
		{map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "c", "generation": "x"}},
			`ConfigMap "c": metadata.generation: must be an integer, not a string`},
		{map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "c", "labels": []any{"x"}}},
			`ConfigMap "c": metadata.labels: must be an object, not a array`},
		{map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "c", "finalizers": "x"}},
			`ConfigMap "c": metadata.finalizers: must be a list, not a string`},
		{map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "c", "deletionGracePeriodSeconds": 1.5}},
			`ConfigMap "c": metadata.deletionGracePeriodSeconds: must be an integer, not a number 1.5`},
	}
	for _, tt := range tests {
		var cm corev1.ConfigMap
		err := FromUnstructured(&unstructured.Unstructured{Object: tt.obj}, &cm)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("FromUnstructured(%v) = %v, want %q", tt.obj, err, tt.want)
		}
	}
}

func TestJSONType(t *testing.T) {
	for kind, want := range map[string]string{"string": "a string", "bool": "a boolean", "uint8": "an integer",
		"float32": "a number", "slice": "a list", "struct": "an object", "chan": "chan"} {
		if got := jsonType(kind); got != want {
			t.Errorf("jsonType(%q) = %q, want %q", kind, got, want)
		}
	}
}
