package defaulting

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// ForKind returns a ByKind that sends objects of kind gvk to d; add more
// kinds with With.
func ForKind(gvk schema.GroupVersionKind, d Defaulter) ByKind {
	return ByKind{gvk: d}
}

// With registers d for gvk and returns b (a new ByKind when b is nil),
// so registrations chain: ForKind(a, da).With(b, db).
func (b ByKind) With(gvk schema.GroupVersionKind, d Defaulter) ByKind {
	if b == nil {
		b = ByKind{}
	}
	b[gvk] = d
	return b
}

// Func is a Defaulter made of one function.
type Func func(ctx context.Context, obj runtime.Object) error

var _ Defaulter = Func(nil)

// Default implements Defaulter.
func (f Func) Default(ctx context.Context, obj runtime.Object) error { return f(ctx, obj) }

// Typed adapts a defaulting function written for a Go type to a
// Defaulter. An object that arrives as *unstructured.Unstructured is
// converted to T, defaulted, and converted back in place, so the
// function works whichever form the caller used.
func Typed[T any, PT interface {
	*T
	runtime.Object
}](fn func(ctx context.Context, obj PT)) Defaulter {
	return Func(func(ctx context.Context, obj runtime.Object) error {
		switch o := obj.(type) {
		case PT:
			fn(ctx, o)
			return nil
		case *unstructured.Unstructured:
			typed := PT(new(T))
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, typed); err != nil {
				return apierrors.NewBadRequest(fmt.Sprintf("%s %q: %v", o.GetKind(), o.GetName(), err))
			}
			fn(ctx, typed)
			m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(typed)
			if err != nil {
				return apierrors.NewInternalError(err)
			}
			// The Go type may not carry apiVersion and kind; keep the
			// object's own.
			gvk := o.GroupVersionKind()
			o.Object = m
			o.SetGroupVersionKind(gvk)
			return nil
		}
		return apierrors.NewInternalError(fmt.Errorf("defaulting: got %T, want %T", obj, PT(nil)))
	})
}
