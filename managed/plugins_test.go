package managed_test

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/k1s-dev/k1s"
	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/managed"
	"github.com/k1s-dev/k1s/plugins"
)

// notAdmitting is a client.Client without an admission chain.
type notAdmitting struct{ client.Client }

// TestPluginConfig: the plugin manager joins the runtime's admission
// chain and client, and is closed by Shutdown. (The sandbox itself is
// tested in package plugins, its reconcilers in plugins/pluginctrl.)
func TestPluginConfig(t *testing.T) {
	store := newMemory(t)
	pm := plugins.New(plugins.Options{Paths: []string{t.TempDir()}})
	rt, err := k1s.NewManagedRuntime(k1s.ManagedRuntimeOptions{CoreClientOptions: coreOpts(store), PluginConfig: &managed.PluginConfig{Manager: pm}})
	if err != nil {
		t.Fatal(err)
	}
	if rt.PluginManager() != pm {
		t.Error("PluginManager() is not the configured manager")
	}
	ctx := t.Context()
	// The manager's hooks are in the chain: a write consults them, which
	// reads the (empty) plugin directory.
	if err := rt.Client().Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "default"}}); err != nil {
		t.Fatal(err)
	}
	if !pm.Discovered() {
		t.Error("a write did not consult the plugin manager")
	}
	if err := rt.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	plain, err := k1s.NewManagedRuntime(k1s.ManagedRuntimeOptions{CoreClientOptions: coreOpts(store)})
	if err != nil || plain.PluginManager() != nil {
		t.Errorf("a runtime without PluginConfig: %v, %v", plain.PluginManager(), err)
	}
	cc, err := k1s.NewCoreClient(coreOpts(store))
	if err != nil {
		t.Fatal(err)
	}
	_, err = k1s.NewManagedRuntime(k1s.ManagedRuntimeOptions{Client: notAdmitting{cc}, PluginConfig: &managed.PluginConfig{Manager: pm}})
	if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "no admission chain") {
		t.Errorf("a client without admission: %v", err)
	}
}
