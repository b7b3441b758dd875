//go:build k1s_kubelight

package main

import (
	"os"

	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	"k8s.io/kube-openapi/pkg/validation/validate"
)

func main() {
	linkBase()
	if len(os.Args) > 5 {
		obj := map[string]any{}
		s := &structuralschema.Structural{}
		pruning.Prune(obj, s, true)
		_ = listtype.ValidateListSetsAndMaps(nil, s, obj)
		_ = validate.NewSchemaValidator(s.ToKubeOpenAPI(), nil, "", strfmt.Default).Validate(obj)
	}
}
