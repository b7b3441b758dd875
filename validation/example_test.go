package validation_test

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	"github.com/k1s-dev/k1s/defaulting"
	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/validation"
)

func ExampleValidateSchema() {
	var schema apiextensionsv1.JSONSchemaProps
	_ = yaml.Unmarshal([]byte(`
type: object
properties:
  spec:
    type: object
    required: [category]
    properties:
      quantity: {type: integer, minimum: 0, default: 0}
      category: {type: string}
      tags: {type: array, x-kubernetes-list-type: set, items: {type: string}}
`), &schema)
	item := &registry.Type{Schema: &schema}

	obj := map[string]any{
		"apiVersion": "inventory.example.com/v1", "kind": "Item",
		"metadata": map[string]any{"name": "widget"},
		"spec":     map[string]any{"quantity": int64(-1), "colour": "red", "tags": []any{"a", "a"}},
	}
	defaulting.ApplySchema(item, obj) // prunes spec.colour
	for _, err := range validation.ValidateSchema(item, obj, nil) {
		fmt.Println(err)
	}
	// Output:
	// spec.category: Required value
	// spec.quantity: Invalid value: -1: spec.quantity in body should be greater than or equal to 0
	// spec.tags[1]: Duplicate value: "a"
}

func ExampleTyped() {
	v := validation.ForKind(corev1.SchemeGroupVersion.WithKind("ConfigMap"),
		validation.Typed(func(_ context.Context, cm, _ *corev1.ConfigMap) field.ErrorList {
			if cm.Data["size"] == "" {
				return field.ErrorList{field.Required(field.NewPath("data", "size"), "every ConfigMap needs a size")}
			}
			return nil
		}))

	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "settings"},
	}
	_, err := v.ValidateCreate(context.Background(), cm)
	fmt.Println(err)
	// Output:
	// ConfigMap "settings" is invalid: data.size: Required value: every ConfigMap needs a size
}
