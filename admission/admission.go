package admission

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Defaulter fills in an object before it is validated and written:
// mutating admission. It has the shape of controller-runtime's admission
// CustomDefaulter.
type Defaulter interface {
	Default(ctx context.Context, obj runtime.Object) error
}

// Validator checks objects before they are written: validating
// admission. It has the shape of controller-runtime's admission
// CustomValidator so that validation code written for a webhook moves
// over unchanged. A returned error should be an apierrors Invalid error
// listing every problem at once; warnings are meant for the user and do
// not stop the write.
type Validator interface {
	ValidateCreate(ctx context.Context, obj runtime.Object) (warnings []string, err error)
	ValidateUpdate(ctx context.Context, oldObj, newObj runtime.Object) (warnings []string, err error)
	ValidateDelete(ctx context.Context, obj runtime.Object) (warnings []string, err error)
}

// DefaulterFunc is a Defaulter made of one function.
type DefaulterFunc func(ctx context.Context, obj runtime.Object) error

var _ Defaulter = DefaulterFunc(nil)

// Default implements Defaulter.
func (f DefaulterFunc) Default(ctx context.Context, obj runtime.Object) error { return f(ctx, obj) }

// ValidatorFuncs is a Validator built from functions; a nil function
// lets every object through.
type ValidatorFuncs struct {
	Create func(ctx context.Context, obj runtime.Object) (warnings []string, err error)
	Update func(ctx context.Context, oldObj, newObj runtime.Object) (warnings []string, err error)
	Delete func(ctx context.Context, obj runtime.Object) (warnings []string, err error)
}

var _ Validator = ValidatorFuncs{}

// ValidateCreate implements Validator.
func (f ValidatorFuncs) ValidateCreate(ctx context.Context, obj runtime.Object) ([]string, error) {
	if f.Create == nil {
		return nil, nil
	}
	return f.Create(ctx, obj)
}

// ValidateUpdate implements Validator.
func (f ValidatorFuncs) ValidateUpdate(ctx context.Context, oldObj, newObj runtime.Object) ([]string, error) {
	if f.Update == nil {
		return nil, nil
	}
	return f.Update(ctx, oldObj, newObj)
}

// ValidateDelete implements Validator.
func (f ValidatorFuncs) ValidateDelete(ctx context.Context, obj runtime.Object) ([]string, error) {
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
