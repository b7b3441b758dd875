//go:build k1s_ownrun

package main

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	"github.com/k1s-dev/k1s/structural"
)

const schema = `{"type": "object", "properties": {"spec": {"type": "object", "required": ["category"], "properties": {
  "quantity": {"type": "integer", "minimum": 0, "default": 1},
  "category": {"type": "string", "pattern": "^[a-z]+$"},
  "when": {"type": "string", "format": "date-time"},
  "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}}}}}}`

func main() {
	linkBase()
	var s apiextensionsv1.JSONSchemaProps
	if err := yaml.Unmarshal([]byte(schema), &s); err != nil {
		panic(err)
	}
	t := structural.For(&s)
	obj := map[string]any{"apiVersion": "x/v1", "kind": "Item", "metadata": map[string]any{"name": "a"},
		"spec": map[string]any{"category": "tools", "when": "2024-01-02T03:04:05Z", "tags": []any{"a", "b"}}}
	t.Apply(obj)
	if errs := t.Validate(obj, nil); len(errs) != 0 {
		panic(errs.ToAggregate())
	}
}
