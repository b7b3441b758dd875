//go:build !kt_used

package main

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
)

func main() {
	link()
	get(core.Options{}, client.ObjectKey{Name: "default"}, &corev1.Namespace{})
}
