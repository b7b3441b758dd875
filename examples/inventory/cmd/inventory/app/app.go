package app

import (
	"context"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/utils/ptr"

	"github.com/k1s-dev/k1s/controller"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/coretypes"
	v1alpha1 "github.com/k1s-dev/k1s/examples/inventory/api/v1alpha1"
	"github.com/k1s-dev/k1s/examples/inventory/cmd/inventory/reconciler"
	"github.com/k1s-dev/k1s/managed"
	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/storage"
)

// Types returns the resource types of Item and Category, with the schema
// of the example's types.yaml: spec.category required (and, since the Go
// field has no omitempty, not empty), spec.quantity an integer >= 0.
func Types() []registry.Type {
	str := apiextensionsv1.JSONSchemaProps{Type: "string"}
	preserve := apiextensionsv1.JSONSchemaProps{Type: "object", XPreserveUnknownFields: ptr.To(true)}
	item := &apiextensionsv1.JSONSchemaProps{
		Type: "object",
		Properties: map[string]apiextensionsv1.JSONSchemaProps{
			"spec": {
				Type:     "object",
				Required: []string{"category"},
				Properties: map[string]apiextensionsv1.JSONSchemaProps{
					"category":    {Type: "string", MinLength: ptr.To(int64(1))},
					"quantity":    {Type: "integer", Minimum: ptr.To(0.0)},
					"description": str,
				},
			},
			"status": preserve,
		},
	}
	category := &apiextensionsv1.JSONSchemaProps{
		Type: "object",
		Properties: map[string]apiextensionsv1.JSONSchemaProps{
			"spec":   {Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{"description": str}},
			"status": preserve,
		},
	}
	return []registry.Type{
		{
			Kind: v1alpha1.GroupVersion.WithKind("Item"), Resource: "items", Singular: "item", ListKind: "ItemList", ShortNames: []string{"itm"},
			Namespaced: true, StatusSubresource: true, Storage: true, Schema: item,
			SelectableFields: []string{".spec.category"},
			PrintColumns: []registry.PrintColumn{
				{Name: "Category", Type: "string", JSONPath: ".spec.category"},
				{Name: "Quantity", Type: "integer", JSONPath: ".spec.quantity"},
			},
		},
		{
			Kind: v1alpha1.GroupVersion.WithKind("Category"), Resource: "categories", Singular: "category", ListKind: "CategoryList", ShortNames: []string{"cat"},
			Namespaced: true, StatusSubresource: true, Storage: true, Schema: category,
			PrintColumns: []registry.PrintColumn{
				{Name: "Items", Type: "integer", JSONPath: ".status.items"},
				{Name: "Total", Type: "integer", JSONPath: ".status.totalQuantity"},
			},
		},
	}
}

// Scheme returns a scheme with the built-in types and Item and Category.
// Registering fixed, known types cannot fail, hence Must.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(coretypes.AddToScheme(s))
	utilruntime.Must(v1alpha1.AddToScheme(s))
	return s
}

// Registry returns a registry with the built-in types and Item and
// Category (plugin manifests are not consulted: the app knows its types).
// The types are fixed and do not conflict, hence Must.
func Registry() *registry.Registry {
	r := registry.New(nil)
	utilruntime.Must(r.Add(coretypes.Types()...))
	utilruntime.Must(r.Add(Types()...))
	return r
}

// NewRuntime returns a ManagedRuntime over store with controllers and
// events enabled.
func NewRuntime(store storage.Interface) (*managed.Runtime, error) {
	return managed.New(managed.Options{
		CoreClientOptions: core.Options{Storage: store, Scheme: Scheme(), Registry: Registry()},
		EnableControllers: true,
		EnableInformers:   true,
		EnableEvents:      true,
	})
}

// NewManager returns a controller manager on rt running the inventory
// controllers.
func NewManager(rt *managed.Runtime) (*controller.Manager, error) {
	mgr, err := controller.NewManager(rt, controller.Options{})
	if err != nil {
		return nil, err
	}
	if err := reconciler.SetupWithManager(mgr); err != nil {
		return nil, err
	}
	return mgr, nil
}

// Reconcile runs the inventory controllers over store in triggered mode:
// until everything has converged. It shuts the runtime down before it
// returns (writing the events recorded).
func Reconcile(ctx context.Context, store storage.Interface, opts controller.TriggeredOptions) (res controller.TriggeredResult, err error) {
	rt, err := NewRuntime(store)
	if err != nil {
		return res, err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if serr := rt.Shutdown(sctx); err == nil {
			err = serr
		}
	}()
	mgr, err := NewManager(rt)
	if err != nil {
		return res, err
	}
	return mgr.RunTriggered(ctx, opts)
}
