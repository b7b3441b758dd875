package core_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/k1s-dev/k1s"
	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/storage/memory"
)

const inventoryManifest = `apiVersion: k1s.io/v1alpha1
kind: PluginTypeManifest
metadata:
  name: inventory-plugin
spec:
  types:
  - group: inventory.example.com
    version: v1alpha1
    kind: Item
    plural: items
    shortNames: [itm]
    namespaced: true
`

func itemObject(name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("inventory.example.com/v1alpha1")
	u.SetKind("Item")
	u.SetNamespace("default")
	u.SetName(name)
	return u
}

// TestNewDefaults holds what core.New reads and writes by itself:
// plugin types only from the PluginPaths given, a discovery cache only in
// the DiscoveryCacheDir given. Nothing comes from K1S_PLUGIN_PATH, the
// working directory's project or the user's directories, and nothing is
// written under the user's cache directory: that is the CLI's policy.
func TestNewDefaults(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "types.yaml"), []byte(inventoryManifest), 0o644); err != nil {
		t.Fatal(err)
	}
	// Everything the CLI would search holds the plugin type.
	home := t.TempDir()
	for _, d := range []string{"config/k1s/plugins", "cache", "work/.k1s/plugins"} {
		if err := os.MkdirAll(filepath.Join(home, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"config/k1s/plugins", "work/.k1s/plugins"} {
		if err := os.WriteFile(filepath.Join(home, d, "types.yaml"), []byte(inventoryManifest), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("K1S_PLUGIN_PATH", dir)
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "config"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, "cache"))
	t.Chdir(filepath.Join(home, "work"))
	tests := []struct {
		name       string
		opts       core.Options
		cached     bool
		wantPlugin bool
	}{
		{"plugin paths, cached", core.Options{PluginPaths: []string{dir}}, true, true},
		{"plugin paths, no cache dir", core.Options{PluginPaths: []string{dir}}, false, true},
		{"no plugin paths: built-in types only", core.Options{}, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Storage = memory.New()
			cacheDir := t.TempDir()
			if tc.cached {
				tc.opts.DiscoveryCacheDir = cacheDir
			}
			c, err := core.New(tc.opts)
			if err != nil {
				t.Fatalf("core.New: %v", err)
			}
			err = c.Create(t.Context(), itemObject("a"))
			if tc.wantPlugin {
				if err != nil {
					t.Fatalf("Create of a plugin kind: %v", err)
				}
				if c.Discovery() == nil || len(c.Discovery().Warnings()) != 0 {
					t.Fatalf("Discovery() = %v, want one without warnings", c.Discovery())
				}
				got := itemObject("")
				if err := c.Get(t.Context(), client.ObjectKey{Namespace: "default", Name: "a"}, got); err != nil {
					t.Fatalf("Get: %v", err)
				}
			} else {
				if !meta.IsNoMatchError(err) {
					t.Fatalf("Create of a plugin kind: got %v, want a NoKindMatchError", err)
				}
				if c.Discovery() != nil {
					t.Fatal("Discovery() is set without PluginPaths")
				}
			}
			if got := countFiles(t, cacheDir) > 0; got != tc.cached {
				t.Errorf("cache written in DiscoveryCacheDir: %v, want %v", got, tc.cached)
			}
			if n := countFiles(t, filepath.Join(home, "cache")); n > 0 {
				t.Errorf("%d files written under the user's cache directory", n)
			}
		})
	}
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNewErrors(t *testing.T) {
	if _, err := core.New(core.Options{}); err == nil || !strings.Contains(err.Error(), "Storage") {
		t.Fatalf("core.New without storage: got %v, want an error naming Storage", err)
	}
	s := memory.New()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := core.New(core.Options{Storage: s}); err == nil {
		t.Fatal("core.New over a closed store succeeded")
	}
	if _, err := k1s.NewCoreClient(k1s.CoreClientOptions{}); err == nil {
		t.Fatal("k1s.NewCoreClient without storage succeeded")
	}
}

// TestDependencies keeps the CoreClient lean: the CLI starts it for every
// command, and these packages cost milliseconds and megabytes at start.
func TestDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	for _, tc := range []struct {
		pkg       string
		forbidden []string
	}{
		{"github.com/k1s-dev/k1s/core", []string{"sigs.k8s.io/controller-runtime", "k8s.io/client-go/kubernetes", "github.com/tetratelabs/wazero", "k8s.io/client-go/tools/cache"}},
		{"github.com/k1s-dev/k1s", []string{"sigs.k8s.io/controller-runtime", "k8s.io/client-go/kubernetes", "github.com/tetratelabs/wazero"}},
	} {
		out, err := exec.Command("go", "list", "-deps", tc.pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", tc.pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range tc.forbidden {
				if dep == f || strings.HasPrefix(dep, f+"/") {
					t.Errorf("%s depends on %s", tc.pkg, dep)
				}
			}
		}
	}
}
