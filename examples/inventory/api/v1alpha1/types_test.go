package v1alpha1

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestDeepCopies(t *testing.T) {
	item := &Item{
		ObjectMeta: metav1.ObjectMeta{Name: "apple", Labels: map[string]string{"a": "b"}},
		Spec:       ItemSpec{Category: "fruit", Quantity: 3},
		Status:     ItemStatus{Conditions: []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue}}},
	}
	cat := &Category{ObjectMeta: metav1.ObjectMeta{Name: "fruit", Labels: map[string]string{"c": "d"}}, Status: CategoryStatus{Items: 1}}
	objs := []runtime.Object{
		item, &ItemList{Items: []Item{*item}},
		cat, &CategoryList{Items: []Category{*cat}},
	}
	for _, o := range objs {
		c := o.DeepCopyObject()
		if diff := cmp.Diff(o, c); diff != "" {
			t.Errorf("%T copy differs (-orig +copy):\n%s", o, diff)
		}
	}
	// Copies share nothing.
	c := item.DeepCopy()
	c.Labels["a"] = "changed"
	c.Status.Conditions[0].Status = metav1.ConditionFalse
	if item.Labels["a"] != "b" || item.Status.Conditions[0].Status != metav1.ConditionTrue {
		t.Error("Item copy shares maps or slices with the original")
	}
	cc := cat.DeepCopy()
	cc.Labels["c"] = "changed"
	if cat.Labels["c"] != "d" {
		t.Error("Category copy shares its labels")
	}
	var nilItem *Item
	var nilItems *ItemList
	var nilCat *Category
	var nilCats *CategoryList
	for _, o := range []runtime.Object{nilItem.DeepCopyObject(), nilItems.DeepCopyObject(), nilCat.DeepCopyObject(), nilCats.DeepCopyObject()} {
		if o != nil {
			t.Errorf("copy of a nil pointer = %v", o)
		}
	}
}

func TestAddToScheme(t *testing.T) {
	s := runtime.NewScheme()
	if err := AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"Item", "ItemList", "Category", "CategoryList"} {
		if !s.Recognizes(GroupVersion.WithKind(kind)) {
			t.Errorf("scheme does not know %s", kind)
		}
	}
}
