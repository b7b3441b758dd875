package core

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/registry"
)

func TestTypeSchemaLoadsLazySchemas(t *testing.T) {
	props := &apiextensionsv1.JSONSchemaProps{Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{
		"spec": {Type: "string", Default: &apiextensionsv1.JSON{Raw: []byte(`"x"`)}},
	}}
	lazy := &registry.Type{LoadSchema: func() (*apiextensionsv1.JSONSchemaProps, error) { return props, nil }}
	s, err := typeSchema(lazy)
	if err != nil || s == nil {
		t.Fatalf("typeSchema(lazy) = %v, %v", s, err)
	}
	obj := map[string]any{"junk": int64(1)}
	if got := pruneUnknown(lazy, obj); !cmp.Equal(got, []string{"junk"}) {
		t.Errorf("pruneUnknown = %v", got)
	}
	s.ApplyDefaults(obj)
	if d := cmp.Diff(map[string]any{"spec": "x"}, obj); d != "" {
		t.Errorf("lazy schema (-want +got):\n%s", d)
	}

	if s, err := typeSchema(&registry.Type{}); s != nil || err != nil {
		t.Errorf("typeSchema without a schema = %v, %v", s, err)
	}

	broken := &registry.Type{
		Kind:       schema.GroupVersionKind{Group: "inventory.example.com", Version: "v1", Kind: "Item"},
		LoadSchema: func() (*apiextensionsv1.JSONSchemaProps, error) { return nil, errors.New("items.yaml: bad schema") },
	}
	if _, err := typeSchema(broken); err == nil || err.Error() != "schema of inventory.example.com/v1, Kind=Item: items.yaml: bad schema" {
		t.Errorf("typeSchema(broken) error = %v", err)
	}
	obj = map[string]any{"junk": int64(1)}
	if got := pruneUnknown(broken, obj); got != nil || len(obj) != 1 {
		t.Errorf("a schema that does not load pruned %v, left %v", got, obj)
	}
}
