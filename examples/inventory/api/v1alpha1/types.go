package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupVersion is the API group and version of the inventory types.
var GroupVersion = schema.GroupVersion{Group: "inventory.example.com", Version: "v1alpha1"}

// AddToScheme registers Item, Category and their lists in a scheme.
func AddToScheme(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, &Item{}, &ItemList{}, &Category{}, &CategoryList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}

// ItemSpec is what an Item is.
type ItemSpec struct {
	// Category names the Category (in the same namespace) the item belongs to.
	Category string `json:"category"`
	// Quantity is the number in stock; never negative.
	Quantity int64 `json:"quantity"`
	// Description is free text.
	Description string `json:"description,omitempty"`
}

// ItemStatus is what the controller observed about an Item.
type ItemStatus struct {
	// Conditions: Ready (the category exists) and InStock (quantity > 0).
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// ObservedGeneration is the generation the conditions describe.
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// Item is one kind of thing kept in the inventory.
type Item struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ItemSpec   `json:"spec"`
	Status ItemStatus `json:"status,omitempty"`
}

// ItemList is a list of Items.
type ItemList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Item `json:"items"`
}

// CategorySpec is what a Category is.
type CategorySpec struct {
	// Description is free text.
	Description string `json:"description,omitempty"`
}

// CategoryStatus is what the controller observed about a Category.
type CategoryStatus struct {
	// Items is the number of items in the category.
	Items int64 `json:"items"`
	// TotalQuantity is the sum of their quantities.
	TotalQuantity int64 `json:"totalQuantity"`
	// ObservedGeneration is the generation the counts were taken at. It
	// is what tells an empty category whose status was never written
	// (zero counts, generation 0 observed) from one that was.
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// Category groups Items.
type Category struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   CategorySpec   `json:"spec,omitempty"`
	Status CategoryStatus `json:"status,omitempty"`
}

// CategoryList is a list of Categories.
type CategoryList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Category `json:"items"`
}
