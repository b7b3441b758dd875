//go:build k1s_kubefull

package main

import (
	"os"

	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
)

func main() {
	linkBase()
	if len(os.Args) > 5 {
		obj := map[string]any{}
		defaulting.Default(obj, nil)
		v, _, _ := validation.NewSchemaValidator(nil)
		_ = validation.ValidateCustomResource(nil, obj, v)
	}
}
