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
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/k1s-dev/k1s/admission"
)

var cmGVK = corev1.SchemeGroupVersion.WithKind("ConfigMap")

// checkConfigMap wants a "size" key and forbids changing it.
func checkConfigMap(_ context.Context, obj, old *corev1.ConfigMap) field.ErrorList {
	var errs field.ErrorList
	if _, ok := obj.Data["size"]; !ok {
		errs = append(errs, field.Required(field.NewPath("data", "size"), ""))
	}
	if old != nil && old.Data["size"] != obj.Data["size"] {
		errs = append(errs, field.Forbidden(field.NewPath("data", "size"), "may not change"))
	}
	return errs
}

func configMap(data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "cm", Namespace: "default"},
		Data:       data,
	}
}

func unstructuredOf(t *testing.T, obj runtime.Object) *unstructured.Unstructured {
	t.Helper()
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		t.Fatal(err)
	}
	return &unstructured.Unstructured{Object: m}
}

func TestTypedValidator(t *testing.T) {
	ctx := context.Background()
	v := admission.NewChain().AddValidating(cmGVK, admission.TypedValidator(checkConfigMap))

	good, bad := configMap(map[string]string{"size": "1"}), configMap(nil)
	for _, obj := range []runtime.Object{good, unstructuredOf(t, good)} {
		if _, err := v.ValidateCreate(ctx, obj); err != nil {
			t.Errorf("create %T: %v", obj, err)
		}
	}
	for _, obj := range []runtime.Object{bad, unstructuredOf(t, bad)} {
		_, err := v.ValidateCreate(ctx, obj)
		if !apierrors.IsInvalid(err) {
			t.Fatalf("create %T: got %v, want Invalid", obj, err)
		}
		want := `ConfigMap "cm" is invalid: data.size: Required value`
		if err.Error() != want {
			t.Errorf("create %T: got %q, want %q", obj, err.Error(), want)
		}
	}

	changed := configMap(map[string]string{"size": "2"})
	_, err := v.ValidateUpdate(ctx, unstructuredOf(t, good), changed)
	if want := `ConfigMap "cm" is invalid: data.size: Forbidden: may not change`; err == nil || err.Error() != want {
		t.Errorf("update: got %v, want %q", err, want)
	}
	if _, err := v.ValidateUpdate(ctx, good, unstructuredOf(t, good)); err != nil {
		t.Errorf("unchanged update: %v", err)
	}
	if _, err := v.ValidateDelete(ctx, bad); err != nil {
		t.Errorf("delete is not checked: %v", err)
	}

	// Objects that cannot be the Go type are errors, not panics.
	wrongShape := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "data": "not a map"}}
	if _, err := v.ValidateCreate(ctx, wrongShape); !apierrors.IsBadRequest(err) {
		t.Errorf("undecodable: got %v, want BadRequest", err)
	}
	if _, err := v.ValidateUpdate(ctx, good, wrongShape); !apierrors.IsBadRequest(err) {
		t.Errorf("undecodable new: got %v, want BadRequest", err)
	}
	if _, err := v.ValidateUpdate(ctx, wrongShape, good); !apierrors.IsBadRequest(err) {
		t.Errorf("undecodable old: got %v, want BadRequest", err)
	}
	secret := &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}}
	if _, err := v.ValidateCreate(ctx, secret); !apierrors.IsInternalError(err) {
		t.Errorf("other Go type: got %v, want InternalError", err)
	}
}

func TestChainValidateByKind(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("boom")
	var calls []string
	v := admission.NewChain().AddValidating(cmGVK, admission.ValidatorFuncs{
		Create: func(context.Context, runtime.Object) ([]string, error) {
			calls = append(calls, "create")
			return []string{"careful"}, nil
		},
		Update: func(context.Context, runtime.Object, runtime.Object) ([]string, error) {
			calls = append(calls, "update")
			return nil, boom
		},
		Delete: func(context.Context, runtime.Object) ([]string, error) {
			calls = append(calls, "delete")
			return nil, nil
		},
	}).AddValidating(corev1.SchemeGroupVersion.WithKind("Secret"), admission.ValidatorFuncs{})

	cm := configMap(nil)
	if w, err := v.ValidateCreate(ctx, cm); err != nil || !cmp.Equal(w, []string{"careful"}) {
		t.Errorf("create: %v %v", w, err)
	}
	if _, err := v.ValidateUpdate(ctx, cm, cm); !errors.Is(err, boom) {
		t.Errorf("update: %v", err)
	}
	if _, err := v.ValidateDelete(ctx, cm); err != nil {
		t.Errorf("delete: %v", err)
	}
	if d := cmp.Diff([]string{"create", "update", "delete"}, calls); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}

	// A kind registered with empty Funcs, and a kind not registered, pass.
	secret := &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}}
	ns := &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}}
	for _, obj := range []runtime.Object{secret, ns} {
		if _, err := v.ValidateCreate(ctx, obj); err != nil {
			t.Errorf("create %T: %v", obj, err)
		}
		if _, err := v.ValidateUpdate(ctx, obj, obj); err != nil {
			t.Errorf("update %T: %v", obj, err)
		}
		if _, err := v.ValidateDelete(ctx, obj); err != nil {
			t.Errorf("delete %T: %v", obj, err)
		}
	}
}

func TestInvalid(t *testing.T) {
	if err := admission.Invalid(configMap(nil), nil); err != nil {
		t.Errorf("no errors: %v", err)
	}
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("inventory.example.com/v1")
	u.SetKind("Item")
	u.SetName("widget")
	errs := field.ErrorList{
		field.Required(field.NewPath("spec", "category"), ""),
		field.Invalid(field.NewPath("spec", "quantity"), int64(-1), "spec.quantity in body should be greater than or equal to 0"),
	}
	err := admission.Invalid(u, errs)
	want := `Item.inventory.example.com "widget" is invalid: [spec.category: Required value, spec.quantity: Invalid value: -1: spec.quantity in body should be greater than or equal to 0]`
	if !apierrors.IsInvalid(err) || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	var status *apierrors.StatusError
	if !errors.As(err, &status) || len(status.ErrStatus.Details.Causes) != 2 {
		t.Errorf("want a StatusError with 2 causes, got %#v", err)
	}
}
