package core_test

import (
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/core/coretest"
	"github.com/k1s-dev/k1s/coretypes"
	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/storage/memory"
)

// TestCompiledInCustomResource: a custom resource compiled into the
// program (a Go type, Source "") gets the API server's custom resource
// answers, as the same type from a plugin directory does: an update
// without a resourceVersion and a strategic merge patch are refused. A
// custom resource of a Kubernetes group (gateway.networking.k8s.io is
// one) is known as such only by its CustomResource mark.
func TestCompiledInCustomResource(t *testing.T) {
	for _, tc := range []struct {
		name   string
		gvk    schema.GroupVersionKind
		marked bool
	}{
		{"group of its own", coretest.ItemGVK, false},
		{"Kubernetes group, marked", schema.GroupVersionKind{Group: "things.k8s.io", Version: "v1", Kind: "Item"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scheme := coretypes.NewScheme()
			scheme.AddKnownTypeWithName(tc.gvk, &coretest.Item{})
			scheme.AddKnownTypeWithName(tc.gvk.GroupVersion().WithKind("ItemList"), &coretest.ItemList{})
			metav1.AddToGroupVersion(scheme, tc.gvk.GroupVersion())
			var item registry.Type
			for _, typ := range coretest.Types() {
				if typ.Kind == coretest.ItemGVK {
					item = typ
				}
			}
			item.Kind, item.Source, item.CustomResource = tc.gvk, "", tc.marked
			reg := registry.New(nil)
			if err := reg.Add(item); err != nil {
				t.Fatal(err)
			}
			s := memory.New()
			t.Cleanup(func() { _ = s.Close() })
			c, err := core.New(core.Options{Storage: s, Scheme: scheme, Registry: reg})
			if err != nil {
				t.Fatal(err)
			}
			ctx := t.Context()
			obj := &coretest.Item{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "hammer"}, Spec: coretest.ItemSpec{Quantity: 1}}
			if err := c.Create(ctx, obj); err != nil {
				t.Fatal(err)
			}
			unconditional := &coretest.Item{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "hammer"}, Spec: coretest.ItemSpec{Quantity: 2}}
			err = c.Update(ctx, unconditional)
			if want := `Item.` + tc.gvk.Group + ` "hammer" is invalid: metadata.resourceVersion: Invalid value: "": must be specified for an update`; !apierrors.IsInvalid(err) || err.Error() != want {
				t.Errorf("Update without resourceVersion = %v, want %s", err, want)
			}
			err = c.Patch(ctx, obj, client.RawPatch("application/strategic-merge-patch+json", []byte(`{"spec":{"quantity":3}}`)))
			if !apierrors.IsUnsupportedMediaType(err) {
				t.Errorf("strategic merge patch = %v, want UnsupportedMediaType", err)
			}
			if err := c.Patch(ctx, obj, client.RawPatch("application/merge-patch+json", []byte(`{"spec":{"quantity":3}}`))); err != nil || obj.Spec.Quantity != 3 {
				t.Errorf("merge patch = %v, quantity %d", err, obj.Spec.Quantity)
			}
		})
	}
}

// TestOptionsTypes: compiled-in types join the default registry after
// the built-in ones; with a registry of the caller's, or clashing with a
// built-in type, they are refused.
func TestOptionsTypes(t *testing.T) {
	var item registry.Type
	for _, typ := range coretest.Types() {
		if typ.Kind == coretest.ItemGVK {
			item = typ
		}
	}
	item.Source = ""
	s := memory.New()
	t.Cleanup(func() { _ = s.Close() })
	c, err := core.New(core.Options{Storage: s, Types: []registry.Type{item}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Registry().TypeFor(coretest.ItemGVK); err != nil {
		t.Errorf("compiled-in type missing: %v", err)
	}
	if _, err := c.Registry().ResolveOne("configmaps"); err != nil {
		t.Errorf("built-in type missing: %v", err)
	}
	if _, err := core.New(core.Options{Storage: s, Registry: registry.New(nil), Types: []registry.Type{item}}); err == nil {
		t.Error("Types with a Registry: no error")
	}
	clash := item
	clash.Kind = schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
	if _, err := core.New(core.Options{Storage: s, Types: []registry.Type{clash}}); err == nil {
		t.Error("Types clashing with a built-in type: no error")
	}
}
