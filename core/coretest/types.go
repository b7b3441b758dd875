package coretest

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/coretypes"
	"github.com/k1s-dev/k1s/registry"
)

// The suite's plugin kinds: Item (namespaced, status subresource, a schema
// and a selectable field), which also has a Go type, and Warehouse
// (cluster-scoped, a schema requiring spec.city), which has none and is
// always unstructured, and Shelf (namespaced, status subresource, no schema,
// no Go type).
var (
	ItemGVK      = schema.GroupVersionKind{Group: "inventory.example.com", Version: "v1alpha1", Kind: "Item"}
	WarehouseGVK = schema.GroupVersionKind{Group: "inventory.example.com", Version: "v1alpha1", Kind: "Warehouse"}
	ShelfGVK     = schema.GroupVersionKind{Group: "inventory.example.com", Version: "v1alpha1", Kind: "Shelf"}
)

// Item is the Go type an application registers for the Item plugin kind.
type Item struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ItemSpec   `json:"spec,omitempty"`
	Status            ItemStatus `json:"status,omitempty"`
}

// ItemSpec is the desired state of an Item.
type ItemSpec struct {
	Quantity int64  `json:"quantity"`
	Color    string `json:"color,omitempty"`
}

// ItemStatus is the observed state of an Item.
type ItemStatus struct {
	Phase string `json:"phase,omitempty"`
}

// DeepCopyObject implements runtime.Object.
func (in *Item) DeepCopyObject() runtime.Object {
	out := *in
	in.DeepCopyInto(&out.ObjectMeta)
	return &out
}

// ItemList is a list of Items.
type ItemList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Item `json:"items"`
}

// DeepCopyObject implements runtime.Object.
func (in *ItemList) DeepCopyObject() runtime.Object {
	out := *in
	in.DeepCopyInto(&out.ListMeta)
	if in.Items != nil {
		out.Items = make([]Item, len(in.Items))
		for i := range in.Items {
			out.Items[i] = *in.Items[i].DeepCopyObject().(*Item)
		}
	}
	return &out
}

// NewScheme returns the built-in types plus the Go type of Item.
func NewScheme() *runtime.Scheme {
	s := coretypes.NewScheme()
	s.AddKnownTypes(ItemGVK.GroupVersion(), &Item{}, &ItemList{})
	metav1.AddToGroupVersion(s, ItemGVK.GroupVersion())
	return s
}

// Types returns the registry types of the built-in kinds, Item and
// Warehouse.
func Types() []registry.Type {
	minZero, preserve := 0.0, true
	item := registry.Type{
		Kind: ItemGVK, Resource: "items", Singular: "item", ShortNames: []string{"itm"}, Namespaced: true,
		ListKind: "ItemList", StatusSubresource: true, SelectableFields: []string{".spec.color"},
		Storage: true, Source: "coretest/items.yaml",
		Schema: &apiextensionsv1.JSONSchemaProps{
			Type: "object",
			Properties: map[string]apiextensionsv1.JSONSchemaProps{
				"spec": {
					Type:     "object",
					Required: []string{"quantity"},
					Properties: map[string]apiextensionsv1.JSONSchemaProps{
						"quantity": {Type: "integer", Minimum: &minZero},
						"color":    {Type: "string", Default: &apiextensionsv1.JSON{Raw: []byte(`"grey"`)}},
					},
				},
				"status": {
					Type:       "object",
					Properties: map[string]apiextensionsv1.JSONSchemaProps{"phase": {Type: "string"}},
				},
			},
		},
	}
	warehouse := registry.Type{
		Kind: WarehouseGVK, Resource: "warehouses", Singular: "warehouse", Namespaced: false,
		ListKind: "WarehouseList", Storage: true, Source: "coretest/warehouses.yaml",
		Schema: &apiextensionsv1.JSONSchemaProps{
			Type: "object",
			Properties: map[string]apiextensionsv1.JSONSchemaProps{
				"spec": {
					Type:       "object",
					Required:   []string{"city"},
					Properties: map[string]apiextensionsv1.JSONSchemaProps{"city": {Type: "string"}},
				},
				"status": {Type: "object", XPreserveUnknownFields: &preserve},
			},
		},
	}
	shelf := registry.Type{
		Kind: ShelfGVK, Resource: "shelves", Singular: "shelf", Namespaced: true,
		ListKind: "ShelfList", Storage: true, StatusSubresource: true, Source: "coretest/shelves.yaml",
	}
	return append(coretypes.Types(), item, warehouse, shelf)
}

// NewRegistry returns a registry holding Types.
func NewRegistry() *registry.Registry {
	r := registry.New(nil)
	if err := r.Add(Types()...); err != nil {
		panic(err)
	}
	return r
}
