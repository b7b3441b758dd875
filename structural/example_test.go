package structural_test

import (
	"fmt"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	"github.com/k1s-dev/k1s/structural"
)

func ExampleSchema_Validate() {
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
	item := structural.For(&schema)

	obj := map[string]any{
		"apiVersion": "inventory.example.com/v1", "kind": "Item",
		"metadata": map[string]any{"name": "widget"},
		"spec":     map[string]any{"quantity": int64(-1), "colour": "red", "tags": []any{"a", "a"}},
	}
	item.Apply(obj) // prunes spec.colour
	for _, err := range item.Validate(obj, nil) {
		fmt.Println(err)
	}
	// Output:
	// spec.category: Required value
	// spec.quantity: Invalid value: -1: spec.quantity in body should be greater than or equal to 0
	// spec.tags[1]: Duplicate value: "a"
}

func ExampleSchema_Prune() {
	var schema apiextensionsv1.JSONSchemaProps
	_ = yaml.Unmarshal([]byte(`
type: object
properties:
  spec:
    type: object
    properties:
      quantity: {type: integer, default: 1}
      category: {type: string}
`), &schema)
	item := structural.For(&schema)

	obj := map[string]any{
		"apiVersion": "inventory.example.com/v1", "kind": "Item",
		"metadata": map[string]any{"name": "widget"},
		"spec":     map[string]any{"category": "tools", "colour": "red"},
	}
	for _, f := range item.Prune(obj) {
		fmt.Printf("Warning: unknown field %q\n", f)
	}
	item.ApplyDefaults(obj)
	fmt.Println(obj["spec"])
	// Output:
	// Warning: unknown field "spec.colour"
	// map[category:tools quantity:1]
}
