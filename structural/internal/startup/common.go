//go:build !k1s_measure

package main

import (
	"os"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// linkBase references what every k1s binary links (registry's schema
// type, unstructured objects, field errors) behind a condition that is
// never true: the code is linked and its init runs, nothing else.
func linkBase() {
	if len(os.Args) > 5 {
		var s apiextensionsv1.JSONSchemaProps
		u := &unstructured.Unstructured{}
		_ = field.ErrorList{field.Required(field.NewPath(s.Type), u.GetName())}
	}
}
