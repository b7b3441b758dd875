package registry

import (
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// RESTMapper returns the registry as an apimachinery meta.RESTMapper, the
// interface controller-runtime and kubectl code expect.
func (r *Registry) RESTMapper() meta.RESTMapper { return restMapper{r} }

type restMapper struct{ r *Registry }

var _ meta.RESTMapper = restMapper{}

// matchResource returns the types a partial resource names: the resource
// may be a plural, singular or short name; an empty group or version
// matches any.
func (m restMapper) matchResource(in schema.GroupVersionResource) []*Type {
	name := strings.ToLower(in.Resource)
	types, _ := lookup(m.r, func() ([]*Type, bool) {
		var out []*Type
		for _, t := range m.r.all {
			if in.Group != "" && t.Kind.Group != in.Group || in.Version != "" && t.Kind.Version != in.Version {
				continue
			}
			if t.Resource == name || t.Singular == name || containsString(t.ShortNames, name) {
				out = append(out, t)
			}
		}
		// Storage versions first, so the first match is the preferred one.
		for i, t := range out {
			if t.Storage && i > 0 {
				copy(out[1:i+1], out[:i])
				out[0] = t
			}
		}
		return out, len(out) > 0
	})
	return types
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (m restMapper) KindFor(resource schema.GroupVersionResource) (schema.GroupVersionKind, error) {
	kinds, err := m.KindsFor(resource)
	if err != nil {
		return schema.GroupVersionKind{}, err
	}
	if len(kinds) > 1 && kinds[0].GroupKind() != kinds[1].GroupKind() {
		return schema.GroupVersionKind{}, &meta.AmbiguousResourceError{PartialResource: resource, MatchingKinds: kinds}
	}
	return kinds[0], nil
}

func (m restMapper) KindsFor(resource schema.GroupVersionResource) ([]schema.GroupVersionKind, error) {
	types := m.matchResource(resource)
	if len(types) == 0 {
		return nil, &meta.NoResourceMatchError{PartialResource: resource}
	}
	out := make([]schema.GroupVersionKind, len(types))
	for i, t := range types {
		out[i] = t.Kind
	}
	return out, nil
}

func (m restMapper) ResourceFor(input schema.GroupVersionResource) (schema.GroupVersionResource, error) {
	resources, err := m.ResourcesFor(input)
	if err != nil {
		return schema.GroupVersionResource{}, err
	}
	if len(resources) > 1 && resources[0].GroupResource() != resources[1].GroupResource() {
		return schema.GroupVersionResource{}, &meta.AmbiguousResourceError{PartialResource: input, MatchingResources: resources}
	}
	return resources[0], nil
}

func (m restMapper) ResourcesFor(input schema.GroupVersionResource) ([]schema.GroupVersionResource, error) {
	types := m.matchResource(input)
	if len(types) == 0 {
		return nil, &meta.NoResourceMatchError{PartialResource: input}
	}
	out := make([]schema.GroupVersionResource, len(types))
	for i, t := range types {
		out[i] = t.GroupVersionResource()
	}
	return out, nil
}

func (m restMapper) RESTMapping(gk schema.GroupKind, versions ...string) (*meta.RESTMapping, error) {
	mappings, err := m.RESTMappings(gk, versions...)
	if err != nil {
		return nil, err
	}
	return mappings[0], nil
}

func (m restMapper) RESTMappings(gk schema.GroupKind, versions ...string) ([]*meta.RESTMapping, error) {
	types, _ := lookup(m.r, func() ([]*Type, bool) {
		var out []*Type
		for _, t := range m.r.all {
			if t.Kind.GroupKind() != gk {
				continue
			}
			if len(versions) > 0 && versions[0] != "" && !containsString(versions, t.Kind.Version) {
				continue
			}
			out = append(out, t)
		}
		return out, len(out) > 0
	})
	if len(types) == 0 {
		return nil, &meta.NoKindMatchError{GroupKind: gk, SearchedVersions: versions}
	}
	// Preferred first: the first requested version, else the storage one.
	out := make([]*meta.RESTMapping, 0, len(types))
	for _, t := range types {
		mapping := &meta.RESTMapping{
			Resource:         t.GroupVersionResource(),
			GroupVersionKind: t.Kind,
			Scope:            meta.RESTScopeRoot,
		}
		if t.Namespaced {
			mapping.Scope = meta.RESTScopeNamespace
		}
		if (len(versions) > 0 && t.Kind.Version == versions[0]) || (len(versions) == 0 && t.Storage) {
			out = append([]*meta.RESTMapping{mapping}, out...)
		} else {
			out = append(out, mapping)
		}
	}
	return out, nil
}

func (m restMapper) ResourceSingularizer(resource string) (string, error) {
	types := m.matchResource(schema.GroupVersionResource{Resource: resource})
	if len(types) == 0 {
		return resource, &meta.NoResourceMatchError{PartialResource: schema.GroupVersionResource{Resource: resource}}
	}
	return types[0].Singular, nil
}
