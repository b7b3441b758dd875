package kubetypes_test

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/k1s-dev/k1s/coretypes"
	"github.com/k1s-dev/k1s/kubetypes"
)

func benchDeployment() *appsv1.Deployment {
	labels := map[string]string{"app": "web"}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web", UID: "u1", ResourceVersion: "7"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{
					{Name: "web", Image: "nginx", Ports: []corev1.ContainerPort{{ContainerPort: 80}}},
					{Name: "log", Image: "busybox", Env: []corev1.EnvVar{{Name: "A", Value: "1"}}},
				}},
			},
		},
		Status: appsv1.DeploymentStatus{Replicas: 3, ReadyReplicas: 1, UpdatedReplicas: 2, AvailableReplicas: 1},
	}
}

func BenchmarkNewScheme(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = kubetypes.NewScheme()
	}
}

// BenchmarkValidate: a valid Deployment, typed (as the CoreClient hands
// it to the Validator) and unstructured (decoded strictly first).
func BenchmarkValidate(b *testing.B) {
	d := benchDeployment()
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(d)
	if err != nil {
		b.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: content}
	b.Run("typed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := kubetypes.Validate(d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unstructured", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := kubetypes.Validate(u); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDeploymentRow computes every cell of a Deployment's -o wide
// row, as a table printer does for each object.
func BenchmarkDeploymentRow(b *testing.B) {
	var typ = kubetypes.Types()[0]
	for _, t := range kubetypes.Types() {
		if t.Kind.Kind == "Deployment" {
			typ = t
		}
	}
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(benchDeployment())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range typ.PrintColumns {
			if coretypes.IsComputed(c.JSONPath) {
				if _, _, err := coretypes.Compute(c.JSONPath, content); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}
