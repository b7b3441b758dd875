package registry

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	configMaps = Type{
		Kind: schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, Resource: "configmaps",
		ShortNames: []string{"cm"}, Namespaced: true, Storage: true,
	}
	namespaces = Type{
		Kind: schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}, Resource: "namespaces",
		ShortNames: []string{"ns"}, Storage: true,
	}
	itemsV1alpha1 = Type{
		Kind:     schema.GroupVersionKind{Group: "inventory.example.com", Version: "v1alpha1", Kind: "Item"},
		Resource: "items", Singular: "item", ShortNames: []string{"itm"}, Namespaced: true,
		Categories: []string{"inventory", "all"}, Source: "plugins/types.yaml",
	}
	itemsV1 = Type{
		Kind:     schema.GroupVersionKind{Group: "inventory.example.com", Version: "v1", Kind: "Item"},
		Resource: "items", Singular: "item", ShortNames: []string{"itm"}, Namespaced: true,
		Categories: []string{"inventory", "all"}, Storage: true, Source: "plugins/types.yaml",
	}
	categories = Type{
		Kind:       schema.GroupVersionKind{Group: "inventory.example.com", Version: "v1alpha1", Kind: "Category"},
		Resource:   "categories",
		ShortNames: []string{"cat"}, Namespaced: true, Categories: []string{"inventory"}, Storage: true,
		Source: "plugins/types.yaml",
	}
	otherItems = Type{
		Kind:     schema.GroupVersionKind{Group: "shop.example.org", Version: "v1", Kind: "Item"},
		Resource: "items", Namespaced: true, Storage: true, Source: "shop/crd.yaml",
	}
)

// countingSource is a real Source over a fixed slice that records how
// often the registry asked it, which is what laziness is about.
type countingSource struct {
	mu    sync.Mutex
	calls int
	types []Type
	err   error
}

func (s *countingSource) Types() ([]Type, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	return s.types, s.err
}

func newRegistry(t *testing.T, builtins []Type, plugins ...Type) (*Registry, *countingSource) {
	t.Helper()
	src := &countingSource{types: plugins}
	r := New(src)
	if err := r.Add(builtins...); err != nil {
		t.Fatalf("Add: %v", err)
	}
	return r, src
}

func names(types []*Type) []string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = t.Kind.GroupVersion().String() + "/" + t.Resource
	}
	return out
}

func TestResolve(t *testing.T) {
	r, _ := newRegistry(t, []Type{configMaps, namespaces}, itemsV1alpha1, itemsV1, categories)
	tests := []struct {
		arg  string
		want []string
	}{
		{"configmaps", []string{"v1/configmaps"}},
		{"configmap", []string{"v1/configmaps"}},
		{"CM", []string{"v1/configmaps"}},
		{"ConfigMap", []string{"v1/configmaps"}},
		{"items", []string{"inventory.example.com/v1/items"}},
		{"itm", []string{"inventory.example.com/v1/items"}},
		{"item", []string{"inventory.example.com/v1/items"}},
		{"items.inventory.example.com", []string{"inventory.example.com/v1/items"}},
		{"items.v1alpha1.inventory.example.com", []string{"inventory.example.com/v1alpha1/items"}},
		{"Item.inventory.example.com", []string{"inventory.example.com/v1/items"}},
		{"inventory", []string{"inventory.example.com/v1alpha1/categories", "inventory.example.com/v1/items"}},
		{"all", []string{"inventory.example.com/v1/items"}},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			got, err := r.Resolve(tt.arg)
			if err != nil {
				t.Fatalf("Resolve(%q): %v", tt.arg, err)
			}
			if diff := cmp.Diff(tt.want, names(got)); diff != "" {
				t.Errorf("Resolve(%q) (-want +got):\n%s", tt.arg, diff)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	r, _ := newRegistry(t, []Type{configMaps}, itemsV1, otherItems)
	if _, err := r.Resolve(""); err == nil {
		t.Error("Resolve(\"\") succeeded")
	}
	for arg, want := range map[string]string{
		"widgets":             `the server doesn't have a resource type "widgets"`,
		"foos.example.com":    `the server doesn't have a resource type "foos" in group "example.com"`,
		"foos.v1.example.com": `the server doesn't have a resource type "foos" in group "v1.example.com"`,
	} {
		_, err := r.Resolve(arg)
		if err == nil || err.Error() != want || !meta.IsNoMatchError(err) {
			t.Errorf("Resolve(%s) = %v, want %q, a NoResourceMatchError", arg, err, want)
		}
	}
	_, err := r.ResolveOne("items")
	if err == nil || !strings.Contains(err.Error(), "ambiguous") ||
		!strings.Contains(err.Error(), "items.inventory.example.com") || !strings.Contains(err.Error(), "items.shop.example.org") {
		t.Errorf("ResolveOne(items) = %v, want an ambiguity naming both groups", err)
	}
	got, err := r.ResolveOne("items.shop.example.org")
	if err != nil || got.Kind.Group != "shop.example.org" {
		t.Errorf("ResolveOne(items.shop.example.org) = %v, %v", got, err)
	}
	if _, err := r.ResolveOne("nothing"); err == nil {
		t.Error("ResolveOne(nothing) succeeded")
	}
}

func TestSourceIsLazyAndLoadedOnce(t *testing.T) {
	r, src := newRegistry(t, []Type{configMaps}, itemsV1)
	if _, err := r.ResolveOne("cm"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.TypeFor(configMaps.Kind); err != nil {
		t.Fatal(err)
	}
	if src.calls != 0 {
		t.Fatalf("source consulted %d times for built-in lookups, want 0", src.calls)
	}
	if _, err := r.ResolveOne("itm"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Resolve("nope"); err == nil {
		t.Fatal("Resolve(nope) succeeded")
	}
	r.Types()
	if src.calls != 1 {
		t.Fatalf("source consulted %d times, want exactly 1", src.calls)
	}
}

func TestSourceError(t *testing.T) {
	src := &countingSource{err: errors.New("plugin dir unreadable")}
	r := New(src)
	if _, err := r.Resolve("items"); err == nil {
		t.Fatal("Resolve succeeded with a failing source")
	}
	if err := r.SourceError(); err == nil || !strings.Contains(err.Error(), "unreadable") {
		t.Fatalf("SourceError() = %v", err)
	}
	if New(nil).SourceError() != nil {
		t.Fatal("nil source reported an error")
	}
}

func TestAddConflictsAndValidation(t *testing.T) {
	r, _ := newRegistry(t, []Type{configMaps})
	sameKindOtherResource := configMaps
	sameKindOtherResource.Resource = "maps"
	sameResourceOtherKind := configMaps
	sameResourceOtherKind.Kind.Kind = "Map"
	sameResourceOtherKind.Source = "x.yaml"
	tests := []struct {
		name string
		typ  Type
		want string
	}{
		{"kind registered with another resource", sameKindOtherResource, "conflicts"},
		{"resource served by another kind", sameResourceOtherKind, "x.yaml"},
		{"missing version", Type{Kind: schema.GroupVersionKind{Kind: "X"}, Resource: "xs"}, "needs a kind"},
		{"upper-case resource", Type{Kind: schema.GroupVersionKind{Version: "v1", Kind: "X"}, Resource: "Xs"}, "lower-case"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := r.Add(tt.typ)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Add = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	// Re-adding the same type is a no-op, and defaults are filled in.
	if err := r.Add(configMaps); err != nil {
		t.Fatalf("re-adding: %v", err)
	}
	got, err := r.TypeFor(configMaps.Kind)
	if err != nil {
		t.Fatal(err)
	}
	if got.Singular != "configmap" || got.ListKind != "ConfigMapList" {
		t.Errorf("defaults: singular %q listKind %q", got.Singular, got.ListKind)
	}
}

func TestTypeLookups(t *testing.T) {
	r, _ := newRegistry(t, []Type{configMaps}, itemsV1alpha1, itemsV1)
	if _, err := r.TypeFor(schema.GroupVersionKind{Version: "v1", Kind: "Nope"}); !meta.IsNoMatchError(err) {
		t.Errorf("TypeFor(Nope) = %v, want NoKindMatch", err)
	}
	got, err := r.TypeForResource(schema.GroupVersionResource{Group: "inventory.example.com", Resource: "items"})
	if err != nil || got.Kind.Version != "v1" {
		t.Errorf("TypeForResource without version = %v, %v; want the storage version v1", got, err)
	}
	got, err = r.TypeForResource(itemsV1alpha1.GroupVersionResource())
	if err != nil || got.Kind.Version != "v1alpha1" {
		t.Errorf("TypeForResource v1alpha1 = %v, %v", got, err)
	}
	if _, err := r.TypeForResource(schema.GroupVersionResource{Resource: "nope"}); !meta.IsNoMatchError(err) {
		t.Errorf("TypeForResource(nope) = %v, want NoResourceMatch", err)
	}
	if got.QualifiedResource() != "items.inventory.example.com" || !got.IsPlugin() {
		t.Errorf("QualifiedResource %q IsPlugin %v", got.QualifiedResource(), got.IsPlugin())
	}
	cm, _ := r.TypeFor(configMaps.Kind)
	if cm.QualifiedResource() != "configmaps" || cm.IsPlugin() {
		t.Errorf("core type: QualifiedResource %q IsPlugin %v", cm.QualifiedResource(), cm.IsPlugin())
	}
	want := []string{"v1/configmaps", "inventory.example.com/v1/items", "inventory.example.com/v1alpha1/items"}
	if diff := cmp.Diff(want, names(r.Types())); diff != "" {
		t.Errorf("Types() (-want +got):\n%s", diff)
	}
}

func TestRESTMapper(t *testing.T) {
	r, _ := newRegistry(t, []Type{configMaps, namespaces}, itemsV1alpha1, itemsV1, otherItems)
	m := r.RESTMapper()

	gvk, err := m.KindFor(schema.GroupVersionResource{Resource: "cm"})
	if err != nil || gvk != configMaps.Kind {
		t.Errorf("KindFor(cm) = %v, %v", gvk, err)
	}
	if _, err := m.KindFor(schema.GroupVersionResource{Resource: "items"}); !meta.IsAmbiguousError(err) {
		t.Errorf("KindFor(items) = %v, want ambiguous", err)
	}
	kinds, err := m.KindsFor(schema.GroupVersionResource{Group: "inventory.example.com", Resource: "item"})
	if err != nil || len(kinds) != 2 || kinds[0].Version != "v1" {
		t.Errorf("KindsFor(item.inventory) = %v, %v; want v1 first", kinds, err)
	}
	gvk, err = m.KindFor(schema.GroupVersionResource{Group: "inventory.example.com", Resource: "itm"})
	if err != nil || gvk != itemsV1.Kind {
		t.Errorf("KindFor(itm.inventory) = %v, %v", gvk, err)
	}
	if _, err := m.KindFor(schema.GroupVersionResource{Resource: "nope"}); !meta.IsNoMatchError(err) {
		t.Errorf("KindFor(nope) = %v", err)
	}

	gvr, err := m.ResourceFor(schema.GroupVersionResource{Resource: "ns"})
	if err != nil || gvr != namespaces.GroupVersionResource() {
		t.Errorf("ResourceFor(ns) = %v, %v", gvr, err)
	}
	if _, err := m.ResourceFor(schema.GroupVersionResource{Resource: "items"}); !meta.IsAmbiguousError(err) {
		t.Errorf("ResourceFor(items) = %v, want ambiguous", err)
	}
	if _, err := m.ResourceFor(schema.GroupVersionResource{Resource: "nope"}); !meta.IsNoMatchError(err) {
		t.Errorf("ResourceFor(nope) = %v", err)
	}

	mapping, err := m.RESTMapping(schema.GroupKind{Group: "inventory.example.com", Kind: "Item"})
	if err != nil || mapping.Resource.Version != "v1" || mapping.Scope.Name() != meta.RESTScopeNameNamespace {
		t.Errorf("RESTMapping(Item) = %+v, %v; want storage version v1, namespaced", mapping, err)
	}
	mapping, err = m.RESTMapping(schema.GroupKind{Group: "inventory.example.com", Kind: "Item"}, "v1alpha1")
	if err != nil || mapping.GroupVersionKind != itemsV1alpha1.Kind {
		t.Errorf("RESTMapping(Item, v1alpha1) = %+v, %v", mapping, err)
	}
	mapping, err = m.RESTMapping(schema.GroupKind{Kind: "Namespace"})
	if err != nil || mapping.Scope.Name() != meta.RESTScopeNameRoot {
		t.Errorf("RESTMapping(Namespace) = %+v, %v; want root scope", mapping, err)
	}
	if _, err := m.RESTMapping(schema.GroupKind{Kind: "Nope"}); !meta.IsNoMatchError(err) {
		t.Errorf("RESTMapping(Nope) = %v", err)
	}
	if _, err := m.RESTMapping(schema.GroupKind{Kind: "ConfigMap"}, "v2"); !meta.IsNoMatchError(err) {
		t.Errorf("RESTMapping(ConfigMap, v2) = %v", err)
	}

	singular, err := m.ResourceSingularizer("configmaps")
	if err != nil || singular != "configmap" {
		t.Errorf("ResourceSingularizer(configmaps) = %q, %v", singular, err)
	}
	if _, err := m.ResourceSingularizer("nope"); err == nil {
		t.Error("ResourceSingularizer(nope) succeeded")
	}
}

func TestConcurrentLookups(t *testing.T) {
	r, src := newRegistry(t, []Type{configMaps}, itemsV1, categories)
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := r.ResolveOne("items"); err != nil {
				t.Error(err)
			}
			if _, err := r.RESTMapper().KindFor(schema.GroupVersionResource{Resource: "cat"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if src.calls != 1 {
		t.Errorf("source consulted %d times under concurrency, want 1", src.calls)
	}
}

func TestOpenAPISchemaIsLoadedOnce(t *testing.T) {
	loads := 0
	schemaProps := &apiextensionsv1.JSONSchemaProps{Type: "object"}
	lazy := itemsV1
	lazy.LoadSchema = func() (*apiextensionsv1.JSONSchemaProps, error) {
		loads++
		return schemaProps, nil
	}
	r, _ := newRegistry(t, []Type{configMaps, lazy})
	got, _ := r.TypeFor(itemsV1.Kind)
	for i := 0; i < 3; i++ {
		s, err := got.OpenAPISchema()
		if err != nil || s != schemaProps {
			t.Fatalf("OpenAPISchema = %v, %v", s, err)
		}
	}
	if loads != 1 {
		t.Errorf("LoadSchema ran %d times, want 1", loads)
	}

	// Without a registry the hook runs on every call; a set Schema wins;
	// a type without either has none.
	direct := lazy
	if s, err := direct.OpenAPISchema(); err != nil || s != schemaProps {
		t.Errorf("unregistered OpenAPISchema = %v, %v", s, err)
	}
	direct.Schema = &apiextensionsv1.JSONSchemaProps{Type: "string"}
	if s, _ := direct.OpenAPISchema(); s.Type != "string" {
		t.Errorf("Schema did not win over LoadSchema: %v", s)
	}
	cm, _ := r.TypeFor(configMaps.Kind)
	if s, err := cm.OpenAPISchema(); s != nil || err != nil {
		t.Errorf("type without schema: %v, %v", s, err)
	}

	failing := categories
	failing.LoadSchema = func() (*apiextensionsv1.JSONSchemaProps, error) { return nil, errors.New("cache entry unreadable") }
	if err := r.Add(failing); err != nil {
		t.Fatal(err)
	}
	got, _ = r.TypeFor(categories.Kind)
	if _, err := got.OpenAPISchema(); err == nil {
		t.Error("a failing LoadSchema reported no error")
	}
}

// TestCategoryDiscoveryOrder checks that a category expands in the order
// kubectl lists it from an API server's discovery: the core group, then
// built-in groups by their priority, then other groups by name, each
// group's resources by name.
func TestCategoryDiscoveryOrder(t *testing.T) {
	all := []string{"all"}
	typ := func(group, kind, resource string) Type {
		return Type{Kind: schema.GroupVersionKind{Group: group, Version: "v1", Kind: kind}, Resource: resource,
			Namespaced: true, Storage: true, Categories: all}
	}
	r, _ := newRegistry(t, []Type{
		typ("batch", "Job", "jobs"), typ("batch", "CronJob", "cronjobs"), typ("apps", "Deployment", "deployments"),
		typ("", "Service", "services"), typ("", "Pod", "pods"), typ("autoscaling", "HorizontalPodAutoscaler", "horizontalpodautoscalers"),
	}, typ("b.example.com", "Widget", "widgets"), typ("a.example.com", "Gadget", "gadgets"))
	got, err := r.Resolve("all")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"v1/pods", "v1/services", "apps/v1/deployments", "autoscaling/v1/horizontalpodautoscalers",
		"batch/v1/cronjobs", "batch/v1/jobs", "a.example.com/v1/gadgets", "b.example.com/v1/widgets"}
	if diff := cmp.Diff(want, names(got)); diff != "" {
		t.Errorf("Resolve(all) (-want +got):\n%s", diff)
	}
}
