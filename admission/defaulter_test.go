package admission_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/k1s-dev/k1s/admission"
)

func defaultSize(_ context.Context, cm *corev1.ConfigMap) {
	if cm.Data == nil {
		cm.Data = map[string]string{}
	}
	if _, ok := cm.Data["size"]; !ok {
		cm.Data["size"] = "1"
	}
}

func TestTypedDefaulter(t *testing.T) {
	ctx := context.Background()
	d := admission.NewChain().AddMutating(cmGVK, admission.TypedDefaulter(defaultSize))

	cm := &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: metav1.ObjectMeta{Name: "cm"}}
	if err := d.Default(ctx, cm); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]string{"size": "1"}, cm.Data); d != "" {
		t.Errorf("typed (-want +got):\n%s", d)
	}

	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "cm"},
		"data":     map[string]any{"other": "x"},
	}}
	if err := d.Default(ctx, u); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "cm"},
		"data":     map[string]any{"other": "x", "size": "1"},
	}
	if d := cmp.Diff(want, u.Object); d != "" {
		t.Errorf("unstructured (-want +got):\n%s", d)
	}

	bad := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "data": "x"}}
	if err := d.Default(ctx, bad); !apierrors.IsBadRequest(err) {
		t.Errorf("undecodable: got %v, want BadRequest", err)
	}
	wrongType := &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}}
	if err := d.Default(ctx, wrongType); !apierrors.IsInternalError(err) {
		t.Errorf("other Go type: got %v, want InternalError", err)
	}
}

func TestChainDefaultByKind(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("boom")
	var seen []string
	d := admission.NewChain().
		AddMutating(cmGVK, admission.DefaulterFunc(func(_ context.Context, obj runtime.Object) error {
			seen = append(seen, obj.GetObjectKind().GroupVersionKind().Kind)
			return nil
		})).
		AddMutating(corev1.SchemeGroupVersion.WithKind("Secret"), admission.DefaulterFunc(func(context.Context, runtime.Object) error { return boom }))

	cm := &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}}
	if err := d.Default(ctx, cm); err != nil {
		t.Errorf("configmap: %v", err)
	}
	secret := &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}}
	if err := d.Default(ctx, secret); !errors.Is(err, boom) {
		t.Errorf("secret: %v", err)
	}
	ns := &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}}
	if err := d.Default(ctx, ns); err != nil {
		t.Errorf("unregistered kind: %v", err)
	}
	if d := cmp.Diff([]string{"ConfigMap"}, seen); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
}
