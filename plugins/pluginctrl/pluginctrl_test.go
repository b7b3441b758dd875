package pluginctrl_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/k1s-dev/k1s"
	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/controller"
	"github.com/k1s-dev/k1s/managed"
	"github.com/k1s-dev/k1s/plugins"
	"github.com/k1s-dev/k1s/plugins/pluginctrl"
	"github.com/k1s-dev/k1s/storage/memory"
)

// TestTriggered: a plugin reconciler runs in the controller manager in
// triggered mode, through the runtime's client, until idle.
func TestTriggered(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a WebAssembly module")
	}
	dir := t.TempDir()
	wasmPath := filepath.Join(dir, "guest", "plugin.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", wasmPath, "../testdata/guest")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the guest: %v\n%s", err, out)
	}
	wasm, err := os.ReadFile(wasmPath)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(wasm)
	manifest := fmt.Sprintf(`apiVersion: k1s.io/v1alpha1
kind: Plugin
metadata: {name: guest}
spec:
  module: {path: plugin.wasm, sha256: '%s'}
  reconcile:
  - {apiVersion: v1, kind: ConfigMap, owns: [{apiVersion: v1, kind: Secret}]}
  permissions:
  - {apiGroups: [""], resources: [configmaps], verbs: [get, update]}
`, hex.EncodeToString(sum[:]))
	if err := os.WriteFile(filepath.Join(dir, "guest", "plugin.yaml"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(dir, "cache")
	if user, err := os.UserCacheDir(); err == nil {
		cache = filepath.Join(user, "k1s-test", "wazero")
	}
	pm := plugins.New(plugins.Options{Paths: []string{dir}, CompilationCacheDir: cache})
	rt, err := k1s.NewManagedRuntime(k1s.ManagedRuntimeOptions{
		CoreClientOptions: k1s.CoreClientOptions{Storage: memory.New()},
		EnableControllers: true,
		PluginConfig:      &managed.PluginConfig{Manager: pm},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for _, n := range []string{"a", "b"} {
		if err := rt.Client().Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: n, Namespace: "default"}}); err != nil {
			t.Fatal(err)
		}
	}
	mgr, err := controller.NewManager(rt, controller.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := pluginctrl.Add(mgr, pm); err != nil {
		t.Fatal(err)
	}
	res, err := mgr.RunTriggered(ctx, controller.TriggeredOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Reconciles < 2 {
		t.Errorf("%d reconciles, want at least 2", res.Reconciles)
	}
	for _, n := range []string{"a", "b"} {
		cm := &corev1.ConfigMap{}
		if err := rt.Client().Get(ctx, client.ObjectKey{Namespace: "default", Name: n}, cm); err != nil || cm.Data["seen"] != "yes" {
			t.Errorf("%s: %v %v", n, cm.Data, err)
		}
	}
	if err := rt.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}
