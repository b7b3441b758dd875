package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/coretypes"
	inventoryv1alpha1 "github.com/k1s-dev/k1s/examples/inventory/api/v1alpha1"
	"github.com/k1s-dev/k1s/plugins"
	"github.com/k1s-dev/k1s/plugins/sdk"
	"github.com/k1s-dev/k1s/storage/sqlite"
)

// TestPlugin builds the plugin from this directory's source with the
// standard toolchain, installs it beside the example's types, and runs
// its hooks and reconciler against a real SQLite store.
func TestPlugin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a WebAssembly module")
	}
	dir := filepath.Join(t.TempDir(), "inventory")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	wasmPath := filepath.Join(dir, "inventory.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", wasmPath, ".")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the plugin: %v\n%s", err, out)
	}
	wasm, err := os.ReadFile(wasmPath)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(wasm)
	manifest, err := os.ReadFile("plugin.yaml")
	if err != nil {
		t.Fatal(err)
	}
	manifest = []byte(strings.Replace(string(manifest), "@SHA256@", hex.EncodeToString(sum[:]), 1))
	if err := os.WriteFile(filepath.Join(dir, "plugin.yaml"), manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "k1s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	scheme := coretypes.NewScheme()
	if err := inventoryv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	kc, err := core.New(core.Options{Storage: store, Scheme: scheme, PluginPaths: []string{"../plugins"}})
	if err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(t.TempDir(), "cache")
	if user, err := os.UserCacheDir(); err == nil {
		cache = filepath.Join(user, "k1s-test", "wazero")
	}
	pm := plugins.New(plugins.Options{Paths: []string{filepath.Dir(dir)}, CompilationCacheDir: cache, Client: kc})
	t.Cleanup(func() { _ = pm.Close(t.Context()) })
	pm.Register(kc.Admission())
	if w := pm.Warnings(); len(w) > 0 {
		t.Fatal(w)
	}
	ctx := t.Context()
	item := func(name, category string, qty int64) *inventoryv1alpha1.Item {
		return &inventoryv1alpha1.Item{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}, Spec: inventoryv1alpha1.ItemSpec{Category: category, Quantity: qty}}
	}

	// The validating hook: no such category.
	err = kc.Create(ctx, item("hammer", "tools", 5))
	if want := `admission webhook "inventory" denied the request: spec.category: category "tools" does not exist in namespace "default"`; err == nil || err.Error() != want {
		t.Fatalf("an item of a missing category: %v, want %q", err, want)
	}
	if err := kc.Get(ctx, client.ObjectKey{Namespace: "default", Name: "hammer"}, &inventoryv1alpha1.Item{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the denied item was written: %v", err)
	}
	for _, name := range []string{"tools", "fasteners"} {
		if err := kc.Create(ctx, &inventoryv1alpha1.Category{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}}); err != nil {
			t.Fatal(err)
		}
	}
	// The mutating hook: the default label.
	for _, it := range []*inventoryv1alpha1.Item{item("hammer", "tools", 5), item("saw", "tools", 2), item("screw", "fasteners", 500)} {
		if err := kc.Create(ctx, it); err != nil {
			t.Fatal(err)
		}
		if it.Labels["inventory.example.com/category"] != it.Spec.Category {
			t.Errorf("%s: labels %v", it.Name, it.Labels)
		}
	}
	// The reconciler: item counts in the categories' status, until idle.
	rep, err := pm.ReconcileAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][2]int64{"tools": {2, 7}, "fasteners": {1, 500}} {
		cat := &inventoryv1alpha1.Category{}
		if err := kc.Get(ctx, client.ObjectKey{Namespace: "default", Name: name}, cat); err != nil {
			t.Fatal(err)
		}
		if cat.Status.Items != want[0] || cat.Status.TotalQuantity != want[1] || cat.Status.ObservedGeneration != cat.Generation {
			t.Errorf("%s status %+v, want %d items, quantity %d", name, cat.Status, want[0], want[1])
		}
	}
	if rep.Writes != 2 {
		t.Errorf("report %+v, want 2 status writes", rep)
	}

	// The same functions natively, their client being the host's own
	// handler: how a plugin's logic is unit-tested without a module.
	c0 := c
	t.Cleanup(func() { c = c0 })

	c = sdk.NewClientWithTransport(pm.Plugin("inventory").Serve)
	req := &sdk.AdmissionRequest{Namespace: "default", Object: []byte(`{"spec":{"category":"nails"}}`)}
	if _, err := validateItem(ctx, req); err == nil || !strings.Contains(err.Error(), `category "nails" does not exist`) {
		t.Errorf("native validate: %v", err)
	}
	req.Object = []byte(`{"spec":{"category":"tools"}}`)
	if _, err := validateItem(ctx, req); err != nil {
		t.Errorf("native validate: %v", err)
	}
	req.Object = []byte(`[`)
	if _, err := validateItem(ctx, req); err == nil {
		t.Error("native validate of a malformed object passed")
	}
	u := &sdk.Unstructured{Object: map[string]any{"spec": map[string]any{"category": "tools"}}}
	if err := defaultLabel(ctx, nil, u); err != nil || u.GetLabels()[categoryLabel] != "tools" {
		t.Errorf("native mutate: %v %v", err, u.Object)
	}
	if err := kc.Create(ctx, item("drill", "tools", 1)); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"tools", "tools", "gone"} {
		if _, err := reconcileCategory(ctx, sdk.Request{NamespacedName: sdk.NamespacedName{Namespace: "default", Name: name}}); err != nil {
			t.Errorf("native reconcile %s: %v", name, err)
		}
	}
	cat := &inventoryv1alpha1.Category{}
	if err := kc.Get(ctx, client.ObjectKey{Namespace: "default", Name: "tools"}, cat); err != nil || cat.Status.Items != 3 {
		t.Errorf("tools after a native reconcile: %+v %v", cat.Status, err)
	}
	main()
}
