package fieldmanager

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
)

// typeConverter is managedfields.TypeConverter for one kind: the
// FieldManager of a kind only ever converts objects of that kind.
type typeConverter struct {
	pt typed.ParseableType
}

func (c typeConverter) ObjectToTyped(obj runtime.Object, opts ...typed.ValidationOptions) (*typed.TypedValue, error) {
	if u, ok := obj.(runtime.Unstructured); ok {
		return c.pt.FromUnstructured(u.UnstructuredContent(), opts...)
	}
	return c.pt.FromStructured(obj, opts...)
}

func (typeConverter) TypedToObject(v *typed.TypedValue) (runtime.Object, error) {
	m, ok := v.AsValue().Unstructured().(map[string]any)
	if !ok {
		return nil, fmt.Errorf("a typed value of %T is not an object", v.AsValue().Unstructured())
	}
	return &unstructured.Unstructured{Object: m}, nil
}

// objects converts, defaults and creates objects of one kind, stored in
// one version: Go types through the scheme, custom resources without one
// as unstructured objects, which need no conversion.
type objects struct {
	scheme *runtime.Scheme
	gvk    schema.GroupVersionKind
}

func (o objects) typed() bool { return o.scheme != nil && o.scheme.Recognizes(o.gvk) }

func (o objects) Convert(in, out, context any) error { return o.scheme.Convert(in, out, context) }

func (o objects) ConvertToVersion(in runtime.Object, gv runtime.GroupVersioner) (runtime.Object, error) {
	if o.typed() {
		return o.scheme.ConvertToVersion(in, gv)
	}
	u, ok := in.(*unstructured.Unstructured)
	if !ok {
		return nil, fmt.Errorf("%T is neither unstructured nor a type of the scheme", in)
	}
	out := u.DeepCopy()
	if target, ok := gv.KindForGroupVersionKinds([]schema.GroupVersionKind{o.gvk}); ok {
		out.SetGroupVersionKind(target)
	}
	return out, nil
}

func (o objects) ConvertFieldLabel(gvk schema.GroupVersionKind, label, value string) (string, string, error) {
	return label, value, nil
}

func (o objects) Default(in runtime.Object) {
	if o.typed() {
		o.scheme.Default(in)
	}
}

func (o objects) New(gvk schema.GroupVersionKind) (runtime.Object, error) {
	if o.typed() {
		return o.scheme.New(gvk)
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	return u, nil
}
