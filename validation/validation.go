package validation

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Validator checks objects before they are written. It has the shape of
// controller-runtime's admission CustomValidator so that validation code
// written for a webhook moves over unchanged. A returned error should be
// an apierrors Invalid error listing every problem at once; warnings are
// shown to the user and do not stop the write.
type Validator interface {
	ValidateCreate(ctx context.Context, obj runtime.Object) (warnings []string, err error)
	ValidateUpdate(ctx context.Context, oldObj, newObj runtime.Object) (warnings []string, err error)
	ValidateDelete(ctx context.Context, obj runtime.Object) (warnings []string, err error)
}

// ByKind dispatches to the Validator registered for an object's kind;
// kinds without one pass.
type ByKind map[schema.GroupVersionKind]Validator

var _ Validator = ByKind{}

func (b ByKind) forObject(obj runtime.Object) Validator {
	return b[obj.GetObjectKind().GroupVersionKind()]
}

// ValidateCreate implements Validator.
func (b ByKind) ValidateCreate(ctx context.Context, obj runtime.Object) ([]string, error) {
	if v := b.forObject(obj); v != nil {
		return v.ValidateCreate(ctx, obj)
	}
	return nil, nil
}

// ValidateUpdate implements Validator.
func (b ByKind) ValidateUpdate(ctx context.Context, oldObj, newObj runtime.Object) ([]string, error) {
	if v := b.forObject(newObj); v != nil {
		return v.ValidateUpdate(ctx, oldObj, newObj)
	}
	return nil, nil
}

// ValidateDelete implements Validator.
func (b ByKind) ValidateDelete(ctx context.Context, obj runtime.Object) ([]string, error) {
	if v := b.forObject(obj); v != nil {
		return v.ValidateDelete(ctx, obj)
	}
	return nil, nil
}
