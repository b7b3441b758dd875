package admission

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// TypedDefaulter adapts a defaulting function written for a Go type to a
// Defaulter. An object that arrives as *unstructured.Unstructured is
// converted to T, defaulted, and converted back in place, so the
// function works whichever form the caller used.
func TypedDefaulter[T any, PT interface {
	*T
	runtime.Object
}](fn func(ctx context.Context, obj PT)) Defaulter {
	return DefaulterFunc(func(ctx context.Context, obj runtime.Object) error {
		u, isUnstructured := obj.(*unstructured.Unstructured)
		typed, err := as[T, PT](obj)
		if err != nil {
			return err
		}
		fn(ctx, typed)
		if !isUnstructured {
			return nil
		}
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(typed)
		if err != nil {
			return apierrors.NewInternalError(err)
		}
		// The Go type may not carry apiVersion and kind; keep the
		// object's own.
		gvk := u.GroupVersionKind()
		u.Object = m
		u.SetGroupVersionKind(gvk)
		return nil
	})
}

// TypedValidator adapts a check written for a Go type to a Validator. fn
// gets the new object and, on update, the old one (nil on create); it
// returns every problem as a field.ErrorList, which becomes an Invalid
// error. Objects that arrive as *unstructured.Unstructured are converted
// to T first, so the check runs whichever form the caller used. Deletes
// are not checked.
func TypedValidator[T any, PT interface {
	*T
	runtime.Object
}](fn func(ctx context.Context, obj, old PT) field.ErrorList) Validator {
	return ValidatorFuncs{
		Create: func(ctx context.Context, obj runtime.Object) ([]string, error) {
			o, err := as[T, PT](obj)
			if err != nil {
				return nil, err
			}
			return nil, Invalid(obj, fn(ctx, o, nil))
		},
		Update: func(ctx context.Context, oldObj, newObj runtime.Object) ([]string, error) {
			n, err := as[T, PT](newObj)
			if err != nil {
				return nil, err
			}
			o, err := as[T, PT](oldObj)
			if err != nil {
				return nil, err
			}
			return nil, Invalid(newObj, fn(ctx, n, o))
		},
	}
}

// as returns obj as a PT, converted from unstructured if need be (a
// copy, then).
func as[T any, PT interface {
	*T
	runtime.Object
}](obj runtime.Object) (PT, error) {
	switch o := obj.(type) {
	case PT:
		return o, nil
	case *unstructured.Unstructured:
		out := PT(new(T))
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, out); err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("%s %q: %v", o.GetKind(), o.GetName(), err))
		}
		return out, nil
	}
	return nil, apierrors.NewInternalError(fmt.Errorf("admission: got %T, want %T", obj, PT(nil)))
}
