package defaulting_test

import (
	"fmt"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	"github.com/k1s-dev/k1s/defaulting"
	"github.com/k1s-dev/k1s/registry"
)

func ExamplePrune() {
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
	item := &registry.Type{Schema: &schema}

	obj := map[string]any{
		"apiVersion": "inventory.example.com/v1", "kind": "Item",
		"metadata": map[string]any{"name": "widget"},
		"spec":     map[string]any{"category": "tools", "colour": "red"},
	}
	for _, f := range defaulting.Prune(item, obj) {
		fmt.Printf("Warning: unknown field %q\n", f)
	}
	defaulting.Default(item, obj)
	fmt.Println(obj["spec"])
	// Output:
	// Warning: unknown field "spec.colour"
	// map[category:tools quantity:1]
}
