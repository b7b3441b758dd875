package k1s_test

import (
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/k1s-dev/k1s"
	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/storage/memory"
)

func TestNewCoreClient(t *testing.T) {
	if _, err := k1s.NewCoreClient(k1s.CoreClientOptions{}); err == nil {
		t.Fatal("NewCoreClient without storage succeeded")
	}
	c, err := k1s.NewCoreClient(k1s.CoreClientOptions{Storage: memory.New()})
	if err != nil {
		t.Fatalf("NewCoreClient: %v", err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "default"}}
	if err := c.Create(t.Context(), cm); err != nil {
		t.Fatalf("Create: %v", err)
	}
	var got corev1.ConfigMap
	if err := c.Get(t.Context(), client.ObjectKeyFromObject(cm), &got); err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got.UID != cm.UID {
		t.Fatalf("Get returned uid %q, Create %q", got.UID, cm.UID)
	}
}

// TestNewCoreClientPluginTypes: the front door hands out the concrete
// client, whose registry knows the plugin types of the directories the
// options name, and only those.
func TestNewCoreClientPluginTypes(t *testing.T) {
	dir := t.TempDir()
	manifest := "apiVersion: k1s.io/v1alpha1\nkind: PluginTypeManifest\nmetadata: {name: p}\nspec:\n  types:\n  - {group: inventory.example.com, version: v1alpha1, kind: Item, plural: items, namespaced: true}\n"
	if err := os.WriteFile(filepath.Join(dir, "types.yaml"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := k1s.NewCoreClient(k1s.CoreClientOptions{Storage: memory.New(), PluginPaths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Registry().ResolveOne("items"); err != nil {
		t.Errorf("the plugin type of PluginPaths: %v", err)
	}
	if c.Discovery() == nil || len(c.Discovery().Warnings()) != 0 {
		t.Errorf("Discovery() = %v, want one without warnings", c.Discovery())
	}
	plain, err := k1s.NewCoreClient(k1s.CoreClientOptions{Storage: memory.New()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Registry().ResolveOne("items"); err == nil {
		t.Error("a client without PluginPaths knows a plugin type")
	}
}
