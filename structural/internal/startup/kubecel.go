//go:build k1s_kubecel

package main

import (
	"os"

	apiservercel "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
)

// main links the API server's CEL validator for custom resources
// (apiextensions-apiserver's schema/cel, with k8s.io/apiserver's CEL
// libraries and cel-go) without using it.
func main() {
	linkBase()
	if len(os.Args) > 5 {
		_ = apiservercel.NewValidator(nil, true, celconfig.PerCallLimit)
	}
}
