package registry

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Source supplies types on demand; plugin discovery is one.
type Source interface {
	// Types returns every type the source provides. The registry calls it
	// at most once, on the first lookup that built-in types cannot answer.
	// Problems with single manifests are the source's to report; an error
	// here means no type from the source is usable.
	Types() ([]Type, error)
}

// Registry holds resource types and resolves names to them. It is safe for
// concurrent use. The zero value is not usable; call New.
type Registry struct {
	mu         sync.RWMutex
	byGVK      map[schema.GroupVersionKind]*Type
	byGR       map[schema.GroupResource][]*Type // storage version first
	all        []*Type
	source     Source
	sourceOnce sync.Once
	// sourceErr is kept so that every lookup that needed the source can
	// say why it is missing.
	sourceErr error
	// sourceLoaded is set (under mu) once the source's types are in.
	sourceLoaded bool
}

// New returns an empty registry that consults source (which may be nil)
// when a lookup misses.
func New(source Source) *Registry {
	return &Registry{
		byGVK:  map[schema.GroupVersionKind]*Type{},
		byGR:   map[schema.GroupResource][]*Type{},
		source: source,
	}
}

// Add registers types. A type whose kind is already registered with a
// different resource, or whose resource is already served by another kind,
// is a conflict: it is refused and the others are still added.
func (r *Registry) Add(types ...Type) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.addLocked(types)
}

func (r *Registry) addLocked(types []Type) error {
	var errs []string
	for i := range types {
		t := types[i]
		if err := validateType(&t); err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if old, ok := r.byGVK[t.Kind]; ok {
			if old.Resource != t.Resource || old.Namespaced != t.Namespaced {
				errs = append(errs, fmt.Sprintf("kind %s from %s conflicts with %s from %s",
					t.Kind, sourceName(&t), old.QualifiedResource(), sourceName(old)))
			}
			continue
		}
		gr := t.GroupResource()
		if others := r.byGR[gr]; len(others) > 0 && (others[0].Kind.Kind != t.Kind.Kind || others[0].Namespaced != t.Namespaced) {
			errs = append(errs, fmt.Sprintf("resource %s from %s conflicts with kind %s from %s",
				gr, sourceName(&t), others[0].Kind.Kind, sourceName(others[0])))
			continue
		}
		tp := &t
		if t.Schema == nil && t.LoadSchema != nil {
			tp.lazy = &lazySchema{load: t.LoadSchema}
		}
		r.byGVK[t.Kind] = tp
		r.all = append(r.all, tp)
		versions := append(r.byGR[gr], tp)
		// The storage version leads; the others follow in the order added.
		sort.SliceStable(versions, func(a, b int) bool { return versions[a].Storage && !versions[b].Storage })
		r.byGR[gr] = versions
	}
	if len(errs) > 0 {
		return fmt.Errorf("registering types: %s", strings.Join(errs, "; "))
	}
	return nil
}

func validateType(t *Type) error {
	if t.Kind.Kind == "" || t.Kind.Version == "" || t.Resource == "" {
		return fmt.Errorf("type %q from %s needs a kind, a version and a resource name", t.Kind, sourceName(t))
	}
	if t.Resource != strings.ToLower(t.Resource) {
		return fmt.Errorf("resource %q of kind %s from %s must be lower-case", t.Resource, t.Kind.Kind, sourceName(t))
	}
	if t.Singular == "" {
		t.Singular = strings.ToLower(t.Kind.Kind)
	}
	if t.ListKind == "" {
		t.ListKind = t.Kind.Kind + "List"
	}
	return nil
}

func sourceName(t *Type) string {
	if t.Source == "" {
		return "built-in types"
	}
	return t.Source
}

// loadSource asks the source for its types once. It must be called
// without r.mu held: the source may be slow (it reads manifests), and
// lookups of already-registered types should not wait for it.
func (r *Registry) loadSource() {
	if r.source == nil {
		return
	}
	r.sourceOnce.Do(func() {
		types, err := r.source.Types()
		r.mu.Lock()
		defer r.mu.Unlock()
		r.sourceErr, r.sourceLoaded = err, true
		if err == nil {
			// Conflicts between plugin types and built-in (or earlier
			// plugin) types are the source's to report as warnings: the
			// types that do not conflict stay usable.
			_ = r.addLocked(types)
		}
	})
}

// SourceError returns the error of the type source, if loading it failed.
func (r *Registry) SourceError() error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.sourceErr
}

// lookup runs find under the read lock, and again after loading the
// source when the first try found nothing.
func lookup[T any](r *Registry, find func() (T, bool)) (T, bool) {
	r.mu.RLock()
	v, ok := find()
	r.mu.RUnlock()
	if ok {
		return v, true
	}
	r.loadSource()
	r.mu.RLock()
	defer r.mu.RUnlock()
	return find()
}

// TypeFor returns the type of kind gvk.
func (r *Registry) TypeFor(gvk schema.GroupVersionKind) (*Type, error) {
	t, ok := lookup(r, func() (*Type, bool) { t, ok := r.byGVK[gvk]; return t, ok })
	if !ok {
		return nil, &meta.NoKindMatchError{GroupKind: gvk.GroupKind(), SearchedVersions: []string{gvk.Version}}
	}
	return t, nil
}

// TypeForResource returns the type serving gvr; an empty version selects
// the storage version.
func (r *Registry) TypeForResource(gvr schema.GroupVersionResource) (*Type, error) {
	t, ok := lookup(r, func() (*Type, bool) {
		for _, t := range r.byGR[gvr.GroupResource()] {
			if gvr.Version == "" || t.Kind.Version == gvr.Version {
				return t, true
			}
		}
		return nil, false
	})
	if !ok {
		return nil, &meta.NoResourceMatchError{PartialResource: gvr}
	}
	return t, nil
}

// Types returns every registered type, plugin types included, sorted by
// group then resource then version.
func (r *Registry) Types() []*Type {
	r.loadSource()
	r.mu.RLock()
	out := slices.Clone(r.all)
	r.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Kind.Group != b.Kind.Group {
			return a.Kind.Group < b.Kind.Group
		}
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		return a.Kind.Version < b.Kind.Version
	})
	return out
}

// Resolve turns what a user typed into types, as kubectl does: a plural,
// singular, short name or kind (case-insensitive), optionally qualified
// as "name.group" or "name.version.group", or a category such as "all"
// (which may resolve to several types). A name that matches types in
// several groups is an ambiguity error listing them.
func (r *Registry) Resolve(arg string) ([]*Type, error) {
	if arg == "" {
		return nil, fmt.Errorf("a resource type is required")
	}
	lower := strings.ToLower(arg)
	types, ok := lookup(r, func() ([]*Type, bool) {
		found, category := r.resolveLocked(lower)
		// A category spans every type, the source's too: built-in
		// members alone are not the whole answer.
		return found, len(found) > 0 && (!category || r.source == nil || r.sourceLoaded)
	})

	if !ok {
		gr := schema.GroupResource{Resource: lower}
		if i := strings.IndexByte(lower, '.'); i >= 0 {
			gr = schema.GroupResource{Resource: lower[:i], Group: lower[i+1:]}
		}
		return nil, &unknownResourceError{meta.NoResourceMatchError{PartialResource: gr.WithVersion("")}}
	}
	return types, nil
}

// unknownResourceError is a NoResourceMatchError (meta.IsNoMatchError
// holds) worded as kubectl words it to its user: the resource, and the
// group when one was given ("foos.example.com" is foos in example.com).
type unknownResourceError struct{ meta.NoResourceMatchError }

// Error implements error.
func (e *unknownResourceError) Error() string {
	r := e.PartialResource
	if r.Group != "" {
		return fmt.Sprintf("the server doesn't have a resource type %q in group %q", r.Resource, r.Group)
	}
	return fmt.Sprintf("the server doesn't have a resource type %q", r.Resource)
}

// resolveLocked returns the types arg names and whether it named them
// as a category.
func (r *Registry) resolveLocked(arg string) ([]*Type, bool) {
	name, group, version := arg, "", ""
	hasGroup := false
	if i := strings.IndexByte(arg, '.'); i >= 0 {
		name, group, hasGroup = arg[:i], arg[i+1:], true
	}
	var matches []*Type
	seen := map[schema.GroupResource]bool{}
	collect := func(group string, version string) {
		for _, t := range r.all {
			if group != "" || hasGroup {
				if t.Kind.Group != group {
					continue
				}
			}
			if version != "" && t.Kind.Version != version {
				continue
			}
			if !matchesName(t, name) || seen[t.GroupResource()] {
				continue
			}
			seen[t.GroupResource()] = true
			matches = append(matches, r.preferred(t, version))
		}
	}
	collect(group, version)
	if len(matches) == 0 && hasGroup {
		// "items.v1alpha1.inventory.example.com": the first segment after
		// the name may be a version.
		if j := strings.IndexByte(group, '.'); j >= 0 {
			collect(group[j+1:], group[:j])
		}
	}
	if len(matches) == 0 && !hasGroup {
		for _, t := range r.all {
			if slices.Contains(t.Categories, name) && !seen[t.GroupResource()] {
				seen[t.GroupResource()] = true
				matches = append(matches, r.preferred(t, ""))
			}
		}
		sortDiscoveryOrder(matches)
		return matches, true
	}
	return matches, false
}

// groupPriority is the discovery priority kube-apiserver v1.37 gives
// the built-in groups whose resources are in a category ("all":
// core, apps, autoscaling, batch), from its aggregator's table; every
// other group, a CRD's included, has 1000, as the API server gives
// CRD groups.
var groupPriority = map[string]int{"": 18000, "apps": 17800, "events.k8s.io": 17750, "autoscaling": 17500,
	"batch": 17400, "networking.k8s.io": 17200, "policy": 17100, "storage.k8s.io": 16800, "apiextensions.k8s.io": 16700,
	"admissionregistration.k8s.io": 16700, "scheduling.k8s.io": 16600}

// sortDiscoveryOrder sorts types as a category expands in kubectl: in
// the API server's discovery order, groups by priority then name,
// resources by name within a group.
func sortDiscoveryOrder(types []*Type) {
	prio := func(g string) int {
		if p, ok := groupPriority[g]; ok {
			return p
		}
		return 1000
	}
	sort.SliceStable(types, func(i, j int) bool {
		a, b := types[i], types[j]
		if pa, pb := prio(a.Kind.Group), prio(b.Kind.Group); pa != pb {
			return pa > pb
		}
		if a.Kind.Group != b.Kind.Group {
			return a.Kind.Group < b.Kind.Group
		}
		return a.Resource < b.Resource
	})
}

// preferred returns the version of t's resource to use: the requested
// one, else the storage version.
func (r *Registry) preferred(t *Type, version string) *Type {
	if version != "" {
		return t
	}
	return r.byGR[t.GroupResource()][0]
}

func matchesName(t *Type, name string) bool {
	return t.Resource == name || t.Singular == name || strings.ToLower(t.Kind.Kind) == name ||
		slices.Contains(t.ShortNames, name)
}

// ResolveOne is Resolve for commands that need exactly one type; a name
// matching several types is an error naming the candidates.
func (r *Registry) ResolveOne(arg string) (*Type, error) {
	types, err := r.Resolve(arg)
	if err != nil {
		return nil, err
	}
	if len(types) > 1 {
		names := make([]string, len(types))
		for i, t := range types {
			names[i] = t.QualifiedResource()
		}
		return nil, fmt.Errorf("%q is ambiguous: it matches %s; qualify it with the group (e.g. %s)",
			arg, strings.Join(names, ", "), names[0])
	}
	return types[0], nil
}
