package fieldmanager

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BenchmarkFirstWrite is what the first write of a kind costs a process:
// parsing the kind's part of the schema and building its FieldManager.
func BenchmarkFirstWrite(b *testing.B) {
	s := scheme(b)
	if err := appsv1.AddToScheme(s); err != nil {
		b.Fatal(err)
	}
	for _, gvk := range []struct {
		name string
		o    Options
	}{
		{"ConfigMap", Options{Kind: cmGVK, Scheme: s}},
		{"Deployment", Options{Kind: appsv1.SchemeGroupVersion.WithKind("Deployment"), Scheme: s, StatusSubresource: true}},
	} {
		b.Run(gvk.name, func(b *testing.B) {
			for b.Loop() {
				builtin.Clear()
				if _, err := New(gvk.o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkUpdate is the managedFields bookkeeping of one update of a
// ConfigMap with four data entries and three labels.
func BenchmarkUpdate(b *testing.B) {
	m, err := New(Options{Kind: cmGVK, Scheme: scheme(b)})
	if err != nil {
		b.Fatal(err)
	}
	live := &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "default", Labels: map[string]string{"a": "1", "b": "2", "c": "3"}},
		Data:       map[string]string{"k1": "v1", "k2": "v2", "k3": "v3", "k4": "v4"}}
	live = m.Update(&corev1.ConfigMap{TypeMeta: live.TypeMeta}, live, "creator").(*corev1.ConfigMap)
	next := live.DeepCopy()
	next.Data["k1"] = "changed"
	for b.Loop() {
		_ = m.Update(live, next.DeepCopy(), "updater")
	}
}
