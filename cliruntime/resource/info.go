package resource

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/k1s-dev/k1s/registry"
)

// Info is one object a command works on: read from a file (Source names
// it, or "STDIN"), named on the command line, or listed, with its
// registered type once resolved (Prepare; nil before).
type Info struct {
	Object *unstructured.Unstructured
	Type   *registry.Type
	Source string
}

// TypeOf returns the registered type of an object read from a file, with
// kubectl's message when its kind is unknown.
func TypeOf(reg *registry.Registry, info Info) (*registry.Type, error) {
	gvk := info.Object.GroupVersionKind()
	t, err := reg.TypeFor(gvk)
	if err != nil {
		return nil, fmt.Errorf("resource mapping not found for name: %q namespace: %q from %q: no matches for kind %q in version %q\nensure CRDs are installed first",
			info.Object.GetName(), info.Object.GetNamespace(), info.Source, gvk.Kind, gvk.GroupVersion().String())
	}
	return t, nil
}

// SetNamespace gives a namespaced object from a file the request's
// namespace when it has none, and refuses one whose namespace differs
// from an explicit --namespace, as kubectl does. Cluster-scoped objects
// lose any namespace.
func SetNamespace(t *registry.Type, u *unstructured.Unstructured, namespace string, explicit bool) error {
	if !t.Namespaced {
		u.SetNamespace("")
		return nil
	}
	ns := u.GetNamespace()
	switch {
	case ns == "":
		u.SetNamespace(namespace)
	case explicit && ns != namespace:
		// kubectl's message, two sentences and a full stop.
		return fmt.Errorf("the namespace from the provided object %q does not match the namespace %q. %s", ns, namespace, passNamespace(ns))
	}
	return nil
}

// Prepare resolves the type of every object and fixes namespaces (see
// SetNamespace), failing on the first object that cannot be mapped.
func Prepare(reg *registry.Registry, infos []Info, namespace string, explicit bool) error {
	for i := range infos {
		t, err := TypeOf(reg, infos[i])
		if err != nil {
			return err
		}
		if err := SetNamespace(t, infos[i].Object, namespace, explicit); err != nil {
			return err
		}
		infos[i].Type = t
	}
	return nil
}

func passNamespace(ns string) string {
	return fmt.Sprintf("You must pass '--namespace=%s' to perform this operation.", ns)
}
