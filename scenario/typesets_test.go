package scenario

import (
	"fmt"
	"strings"
	"testing"
)

// TestProgramsWithDifferentTypeSets shares one store between the
// inventory controller (Go types for Item and Category), the k1s CLI with
// the example's plugin directory, and a k1s with no plugins, which knows
// only built-in types. Deletions made by the program that knows least
// must reach everything a cluster's garbage collector and namespace
// controller would: an Item owned by a ConfigMap, and every object of a
// namespace, including the Items the controller holds with its finalizer.
func TestProgramsWithDifferentTypeSets(t *testing.T) {
	w := newWorld(t)
	ctrl := w.controller()
	w.k1s("create", "namespace", "team")
	w.k1s("create", "configmap", "anchor", "-n", "team", "--from-literal=k=v")
	uid := w.k1s("get", "configmap", "anchor", "-n", "team", "-o", "jsonpath={.metadata.uid}")
	var manifest strings.Builder
	manifest.WriteString(categoryYAML("team", "tools") + "---\n")
	for i := range 4 {
		manifest.WriteString(itemYAML("team", fmt.Sprintf("t%d", i), "tools", i+1) + "---\n")
	}
	fmt.Fprintf(&manifest, `apiVersion: inventory.example.com/v1alpha1
kind: Item
metadata:
  name: owned
  namespace: team
  ownerReferences:
  - {apiVersion: v1, kind: ConfigMap, name: anchor, uid: %s}
spec: {category: tools, quantity: 1}
`, uid)
	if r := w.apply(true, manifest.String()); r.code != 0 {
		t.Fatalf("%s", r)
	}
	w.eventually("the controller takes the team's items", func() error {
		ctrl.alive(t)
		return w.inventoryConverged("team")
	})

	// A k1s without the plugin types deletes the owner of an Item: the
	// Item goes (after the controller released its finalizer).
	if r := w.run(false, "", "delete", "configmap", "anchor", "-n", "team", "--wait=false"); r.code != 0 {
		t.Fatalf("%s", r)
	}
	w.eventually("the item owned by the deleted ConfigMap goes", func() error {
		items, err := w.list(true, "items", "team")
		if err != nil {
			return err
		}
		for _, it := range items {
			if it.name() == "owned" {
				return fmt.Errorf("item owned is still there (deletionTimestamp %v)", it.field("metadata", "deletionTimestamp"))
			}
		}
		return nil
	})

	// The same k1s deletes the namespace: everything in it goes, Items of
	// a type it does not know included, once their finalizers are removed.
	if r := w.run(false, "", "delete", "namespace", "team", "--wait=false"); r.code != 0 {
		t.Fatalf("%s", r)
	}
	w.eventually("the namespace and everything in it go", func() error {
		ctrl.alive(t)
		r := w.run(true, "", "get", "namespace", "team")
		if r.code == 0 {
			return fmt.Errorf("namespace team still exists:\n%s", r.stdout)
		}
		for _, res := range []string{"items", "categories", "configmaps"} {
			objs, err := w.list(true, res, "team")
			if err != nil {
				return err
			}
			if len(objs) > 0 {
				return fmt.Errorf("%d %s left in the deleted namespace", len(objs), res)
			}
		}
		return nil
	})
	ctrl.stop(t)
}
