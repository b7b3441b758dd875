package defaulting

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Defaulter fills in defaults before an object is validated and written.
// It has the shape of controller-runtime's admission CustomDefaulter.
type Defaulter interface {
	Default(ctx context.Context, obj runtime.Object) error
}

// ByKind dispatches to the Defaulter registered for an object's kind;
// kinds without one are left as they are.
type ByKind map[schema.GroupVersionKind]Defaulter

var _ Defaulter = ByKind{}

// Default implements Defaulter.
func (b ByKind) Default(ctx context.Context, obj runtime.Object) error {
	if d := b[obj.GetObjectKind().GroupVersionKind()]; d != nil {
		return d.Default(ctx, obj)
	}
	return nil
}
