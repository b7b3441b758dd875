package client

import (
	"context"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

// ObjectKey identifies an object: its namespace (empty for cluster-scoped
// kinds) and name.
type ObjectKey = types.NamespacedName

// Object is a Kubernetes object: metadata plus a runtime type.
type Object interface {
	metav1.Object
	runtime.Object
}

// ObjectList is a list of Kubernetes objects.
type ObjectList interface {
	metav1.ListInterface
	runtime.Object
}

// Patch is a patch applied to an object.
type Patch interface {
	// Type is the patch's media type.
	Type() types.PatchType
	// Data is the patch body for obj.
	Data(obj Object) ([]byte, error)
}

// Reader reads objects.
type Reader interface {
	// Get fills obj with the object named by key.
	Get(ctx context.Context, key ObjectKey, obj Object, opts ...GetOption) error
	// List fills list with the objects that match opts.
	List(ctx context.Context, list ObjectList, opts ...ListOption) error
}

// Writer writes objects.
type Writer interface {
	// Create stores a new object and fills obj with what was stored.
	Create(ctx context.Context, obj Object, opts ...CreateOption) error
	// Delete removes obj (or marks it for deletion when it has finalizers).
	Delete(ctx context.Context, obj Object, opts ...DeleteOption) error
	// Update replaces obj; obj's resourceVersion, when set, must be current.
	Update(ctx context.Context, obj Object, opts ...UpdateOption) error
	// Patch applies patch to obj and fills obj with the result.
	Patch(ctx context.Context, obj Object, patch Patch, opts ...PatchOption) error
	// DeleteAllOf removes every object of obj's kind that matches opts.
	DeleteAllOf(ctx context.Context, obj Object, opts ...DeleteAllOfOption) error
}

// SubResourceWriter writes one subresource (status) of objects.
type SubResourceWriter interface {
	// Create creates subResource for obj.
	Create(ctx context.Context, obj Object, subResource Object, opts ...SubResourceCreateOption) error
	// Update replaces the subresource of obj.
	Update(ctx context.Context, obj Object, opts ...SubResourceUpdateOption) error
	// Patch patches the subresource of obj.
	Patch(ctx context.Context, obj Object, patch Patch, opts ...SubResourcePatchOption) error
}

// StatusWriter writes the status subresource.
type StatusWriter = SubResourceWriter

// StatusClient hands out a StatusWriter.
type StatusClient interface {
	Status() SubResourceWriter
}

// WithWatch can also watch objects.
type WithWatch interface {
	// Watch streams changes to the objects list's kind that match opts,
	// starting after opts' resourceVersion (or now).
	Watch(ctx context.Context, list ObjectList, opts ...ListOption) (watch.Interface, error)
}

// Client is what both k1s tiers hand out: controller-runtime's
// client.Client method set plus Watch.
type Client interface {
	Reader
	Writer
	StatusClient
	WithWatch

	// Scheme returns the scheme the client encodes and decodes with.
	Scheme() *runtime.Scheme
	// RESTMapper maps kinds to resources and back.
	RESTMapper() meta.RESTMapper
	// GroupVersionKindFor returns the kind of obj.
	GroupVersionKindFor(obj runtime.Object) (schema.GroupVersionKind, error)
	// IsObjectNamespaced reports whether obj's kind is namespaced.
	IsObjectNamespaced(obj runtime.Object) (bool, error)
}
