package admission

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Operation is the kind of write being admitted. Its values are those of
// admission/v1's Operation (an AdmissionReview's request.operation).
type Operation string

// The operations a Client admits.
const (
	Create Operation = "CREATE"
	Update Operation = "UPDATE"
	Delete Operation = "DELETE"
)

// Attributes describe the request a hook admits: what an AdmissionReview
// request carries beside the object itself. A Defaulter has no other way
// to tell a create from an update, nor to see the object stored before.
type Attributes struct {
	Operation Operation
	// Kind is the object's kind and Resource its resource.
	Kind     schema.GroupVersionKind
	Resource schema.GroupVersionResource
	// Namespace and Name name the object ("" namespace for a cluster
	// scoped one).
	Namespace, Name string
	// OldObject is the stored object an update or delete replaces; nil
	// on create.
	OldObject runtime.Object
	// Warn, when set, hands a warning to the request's client, as the
	// API server hands an admission webhook's warnings to its client
	// (Warning headers). A Defaulter returns none, so reports them here;
	// a Validator's returned warnings reach the client the same way.
	Warn func(text string)
}

type attributesKey struct{}

// NewContext returns ctx carrying a, for the hooks of the request; core
// calls it before it runs a Chain.
func NewContext(ctx context.Context, a Attributes) context.Context {
	return context.WithValue(ctx, attributesKey{}, a)
}

// AttributesFrom returns the Attributes of the request ctx belongs to,
// and false when ctx carries none (a hook called outside a Client).
func AttributesFrom(ctx context.Context) (Attributes, bool) {
	a, ok := ctx.Value(attributesKey{}).(Attributes)
	return a, ok
}
