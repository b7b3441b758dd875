package discovery

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/registry"
)

// resolve picks the usable types from the parsed files, in precedence
// order, and describes every conflict. A type conflicts when its kind is
// already declared with another resource or scope, or its resource is
// already served by another kind or with another scope — by a built-in
// type or by a file that comes first. A conflicting type is dropped; the
// rest of its file stays usable. Declaring the same type again with the
// same meaning (the same CRD in the project and the user directory) is
// not a conflict: the first declaration is used. Declaring a built-in
// type, or another version of a built-in resource, always is.
func resolve(builtin []registry.Type, files []*fileEntry) ([]*cachedType, []string) {
	type owner struct {
		t       *registry.Type
		source  string
		builtin bool
	}
	byGVK := map[schema.GroupVersionKind]owner{}
	byGR := map[schema.GroupResource]owner{}
	storage := map[schema.GroupResource]bool{}
	for i := range builtin {
		t := &builtin[i]
		byGVK[t.Kind] = owner{t, "the built-in type " + kindString(t.Kind), true}
		byGR[t.GroupResource()] = owner{t, "the built-in type " + t.Kind.Kind, true}
		storage[t.GroupResource()] = true
	}
	var accepted []*cachedType
	var warnings []string
	for _, f := range files {
		seenInFile := map[schema.GroupVersionKind]bool{}
		for i := range f.Types {
			ct := &f.Types[i]
			t := &ct.Type
			gr := t.GroupResource()
			if o, ok := byGVK[t.Kind]; ok {
				switch {
				case o.t.Resource != t.Resource || o.t.Namespaced != t.Namespaced || o.builtin:
					warnings = append(warnings, fmt.Sprintf("%s: kind %s as resource %s (%s) conflicts with %s (resource %s, %s); it is ignored",
						f.Path, kindString(t.Kind), t.QualifiedResource(), scope(t), o.source, o.t.QualifiedResource(), scope(o.t)))
				case seenInFile[t.Kind]:
					warnings = append(warnings, fmt.Sprintf("%s: kind %s is declared twice; the first declaration is used", f.Path, kindString(t.Kind)))
				}
				continue
			}
			if o, ok := byGR[gr]; ok && (o.t.Kind.Kind != t.Kind.Kind || o.t.Namespaced != t.Namespaced || o.builtin) {
				warnings = append(warnings, fmt.Sprintf("%s: resource %s (kind %s, %s) conflicts with %s (kind %s, %s); it is ignored",
					f.Path, t.QualifiedResource(), t.Kind.Kind, scope(t), o.source, o.t.Kind.Kind, scope(o.t)))
				continue
			}
			if t.Storage && storage[gr] {
				// Another file already gave this resource its storage
				// version; this one only adds a version.
				t.Storage = false
			}
			storage[gr] = storage[gr] || t.Storage
			seenInFile[t.Kind] = true
			byGVK[t.Kind] = owner{t, f.Path, false}
			if _, ok := byGR[gr]; !ok {
				byGR[gr] = owner{t, f.Path, false}
			}
			accepted = append(accepted, ct)
		}
	}
	return accepted, warnings
}

func kindString(gvk schema.GroupVersionKind) string {
	if gvk.Group == "" {
		return gvk.Version + "/" + gvk.Kind
	}
	return gvk.Group + "/" + gvk.Version + "/" + gvk.Kind
}

func scope(t *registry.Type) string {
	if t.Namespaced {
		return "namespaced"
	}
	return "cluster-scoped"
}
