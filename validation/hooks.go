package validation

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ForKind returns a ByKind that sends objects of kind gvk to v; add more
// kinds with With.
func ForKind(gvk schema.GroupVersionKind, v Validator) ByKind {
	return ByKind{gvk: v}
}

// With registers v for gvk and returns b (a new ByKind when b is nil),
// so registrations chain: ForKind(a, va).With(b, vb).
func (b ByKind) With(gvk schema.GroupVersionKind, v Validator) ByKind {
	if b == nil {
		b = ByKind{}
	}
	b[gvk] = v
	return b
}

// Funcs is a Validator built from functions; a nil function lets every
// object through.
type Funcs struct {
	Create func(ctx context.Context, obj runtime.Object) (warnings []string, err error)
	Update func(ctx context.Context, oldObj, newObj runtime.Object) (warnings []string, err error)
	Delete func(ctx context.Context, obj runtime.Object) (warnings []string, err error)
}

var _ Validator = Funcs{}

// ValidateCreate implements Validator.
func (f Funcs) ValidateCreate(ctx context.Context, obj runtime.Object) ([]string, error) {
	if f.Create == nil {
		return nil, nil
	}
	return f.Create(ctx, obj)
}

// ValidateUpdate implements Validator.
func (f Funcs) ValidateUpdate(ctx context.Context, oldObj, newObj runtime.Object) ([]string, error) {
	if f.Update == nil {
		return nil, nil
	}
	return f.Update(ctx, oldObj, newObj)
}

// ValidateDelete implements Validator.
func (f Funcs) ValidateDelete(ctx context.Context, obj runtime.Object) ([]string, error) {
	if f.Delete == nil {
		return nil, nil
	}
	return f.Delete(ctx, obj)
}

// Invalid wraps errs as the API server's 422 Invalid error for obj
// (apierrors.IsInvalid holds, and the message names the kind, the
// object and every field), or returns nil when errs is empty.
func Invalid(obj runtime.Object, errs field.ErrorList) error {
	if len(errs) == 0 {
		return nil
	}
	name := ""
	if a, err := meta.Accessor(obj); err == nil {
		name = a.GetName()
	}
	return apierrors.NewInvalid(obj.GetObjectKind().GroupVersionKind().GroupKind(), name, errs)
}

// Typed adapts a check written for a Go type to a Validator. fn gets
// the new object and, on update, the old one (nil on create); it
// returns every problem as a field.ErrorList, which becomes an Invalid
// error. Objects that arrive as *unstructured.Unstructured are
// converted to T first, so the check runs whichever form the caller
// used. Deletes are not checked.
func Typed[T any, PT interface {
	*T
	runtime.Object
}](fn func(ctx context.Context, obj, old PT) field.ErrorList) Validator {
	return Funcs{
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

// as returns obj as a PT, converting it from unstructured if needed.
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
	return nil, apierrors.NewInternalError(fmt.Errorf("validation: got %T, want %T", obj, PT(nil)))
}
