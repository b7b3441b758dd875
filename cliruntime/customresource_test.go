package cliruntime_test

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/k1s-dev/k1s/cliruntime"
	"github.com/k1s-dev/k1s/cliruntime/printers"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/core/coretest"
	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/storage/memory"
)

// compiledInItem returns a client whose Item kind is compiled in: a Go
// type in the scheme and a registry type with no plugin Source, as a
// program registers its custom resources.
func compiledInItem(t *testing.T) (*core.Client, *registry.Type) {
	t.Helper()
	var types []registry.Type
	for _, typ := range coretest.Types() {
		typ.Source = ""
		types = append(types, typ)
	}
	reg := registry.New(nil)
	if err := reg.Add(types...); err != nil {
		t.Fatal(err)
	}
	s := memory.New()
	t.Cleanup(func() { _ = s.Close() })
	c, err := core.New(core.Options{Storage: s, Scheme: coretest.NewScheme(), Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	typ, err := reg.TypeFor(coretest.ItemGVK)
	if err != nil {
		t.Fatal(err)
	}
	return c, typ
}

// TestCompiledInCustomResourceTable: a compiled-in custom resource's
// table leads with NAME, as kubectl prints every custom resource, not only
// those of plugin directories.
func TestCompiledInCustomResourceTable(t *testing.T) {
	_, typ := compiledInItem(t)
	cols, err := printers.ColumnsFor(typ)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cols {
		names = append(names, c.Name)
	}
	if len(names) != 2 || names[0] != "Name" || names[1] != "Age" {
		t.Errorf("columns of a compiled-in Item = %v, want [Name Age]", names)
	}
}

// TestCompiledInCustomResourceApply: applying a changed compiled-in
// custom resource sends a JSON merge patch, as kubectl does for a kind
// without patch strategies; a strategic merge patch would be refused.
func TestCompiledInCustomResourceApply(t *testing.T) {
	c, typ := compiledInItem(t)
	ctx := t.Context()
	item := func(quantity int64) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": coretest.ItemGVK.GroupVersion().String(), "kind": "Item",
			"metadata": map[string]any{"name": "hammer", "namespace": "default"},
			"spec":     map[string]any{"quantity": quantity},
		}}
	}
	if r := cliruntime.Apply(ctx, c, typ, item(1), cliruntime.ApplyOptions{}); r.Err != nil || r.Action != cliruntime.Created {
		t.Fatalf("first apply: %s, %v", r.Action, r.Err)
	}
	r := cliruntime.Apply(ctx, c, typ, item(2), cliruntime.ApplyOptions{})
	if r.Err != nil || r.Action != cliruntime.Configured {
		t.Fatalf("second apply: %s, %v", r.Action, r.Err)
	}
	if q, _, _ := unstructured.NestedInt64(r.Object.Object, "spec", "quantity"); q != 2 {
		t.Errorf("quantity after the second apply = %d, want 2", q)
	}
}
