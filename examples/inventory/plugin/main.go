// Command plugin is the inventory example's sandboxed plugin, built into
// a WebAssembly module (GOOS=wasip1 GOARCH=wasm go build
// -buildmode=c-shared) and run by k1s with the manifest plugin.yaml:
//
//   - a validating hook: an Item's category must exist (in its namespace);
//   - a mutating hook: an Item gets the label
//     inventory.example.com/category=<its category> unless it has one;
//   - a reconciler: a Category's status counts its items and their
//     quantity (what cmd/inventory's Go reconciler does, in the sandbox).
package main

import (
	"context"
	"fmt"

	"github.com/k1s-dev/k1s/plugins/sdk"
)

const (
	apiVersion    = "inventory.example.com/v1alpha1"
	categoryLabel = "inventory.example.com/category"
)

var c = sdk.NewClient()

func validateItem(ctx context.Context, req *sdk.AdmissionRequest) ([]string, error) {
	var item sdk.Unstructured
	if err := item.UnmarshalJSON(req.Object); err != nil {
		return nil, err
	}
	name := item.NestedString("spec", "category")
	cat := &sdk.Unstructured{}
	cat.SetAPIVersionKind(apiVersion, "Category")
	switch err := c.Get(ctx, sdk.ObjectKey{Namespace: req.Namespace, Name: name}, cat); {
	case sdk.IsNotFound(err):
		return nil, fmt.Errorf("spec.category: category %q does not exist in namespace %q", name, req.Namespace)
	case err != nil:
		return nil, err
	}
	return nil, nil
}

func defaultLabel(_ context.Context, _ *sdk.AdmissionRequest, item *sdk.Unstructured) error {
	labels := item.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	if _, ok := labels[categoryLabel]; !ok {
		labels[categoryLabel] = item.NestedString("spec", "category")
		item.SetLabels(labels)
	}
	return nil
}

// category is the part of a Category the reconciler reads and writes.
type category struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Metadata   map[string]any `json:"metadata"`
	Spec       map[string]any `json:"spec,omitempty"`
	Status     struct {
		Items              int64 `json:"items"`
		TotalQuantity      int64 `json:"totalQuantity"`
		ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	} `json:"status"`
}

func reconcileCategory(ctx context.Context, req sdk.Request) (sdk.Result, error) {
	cat := &category{APIVersion: apiVersion, Kind: "Category"}
	if err := c.Get(ctx, req.NamespacedName, cat); err != nil {
		return sdk.Result{}, sdk.IgnoreNotFound(err)
	}
	items := &sdk.UnstructuredList{APIVersion: apiVersion, Kind: "ItemList"}
	if err := c.List(ctx, items, sdk.InNamespace(req.Namespace)); err != nil {
		return sdk.Result{}, err
	}
	var count, total int64
	for i := range items.Items {
		it := &items.Items[i]
		if it.NestedString("spec", "category") != req.Name {
			continue
		}
		count++
		if q, ok := it.Nested("spec", "quantity").(float64); ok {
			total += int64(q)
		}
	}
	gen, _ := cat.Metadata["generation"].(float64)
	if cat.Status.Items == count && cat.Status.TotalQuantity == total && cat.Status.ObservedGeneration == int64(gen) {
		return sdk.Result{}, nil
	}
	cat.Status.Items, cat.Status.TotalQuantity, cat.Status.ObservedGeneration = count, total, int64(gen)
	return sdk.Result{}, c.UpdateStatus(ctx, cat)
}

func init() {
	sdk.Register(sdk.Plugin{Validate: validateItem, Mutate: defaultLabel, Reconcile: reconcileCategory})
}

func main() {}
