// Package v1 is the todo example's API, group todo.example.com, version
// v1: the Task kind. It is written as kubebuilder writes an API package —
// Go types with markers, deepcopy and the CRD generated from them by
// controller-gen — and depends on apimachinery only, so the same package
// serves a k1s tool and an operator on a real cluster.
//
// The CRD controller-gen writes (crd/todo.example.com_tasks.yaml) is
// embedded as CRDs: the tool registers it with k1s so that the Go type
// gets the CRD's validation, defaulting, printer columns, scope and
// short names.
//
// +kubebuilder:object:generate=true
// +groupName=todo.example.com
package v1

//go:generate go run sigs.k8s.io/controller-tools/cmd/controller-gen@v0.23.0 object paths=. crd:crdVersions=v1 output:crd:artifacts:config=crd

import (
	"embed"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupVersion names the API group and version of Task.
var GroupVersion = schema.GroupVersion{Group: "todo.example.com", Version: "v1"}

var (
	// SchemeBuilder collects the functions that add this package's kinds
	// to a scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)
	// AddToScheme adds Task and TaskList to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// CRDs holds the CustomResourceDefinition controller-gen generated from
// the types of this package, ready for discovery.CRDTypesFS.
//
//go:embed crd/*.yaml
var CRDs embed.FS

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, &Task{}, &TaskList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
