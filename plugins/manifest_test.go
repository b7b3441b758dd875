package plugins_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/k1s-dev/k1s/discovery"
	"github.com/k1s-dev/k1s/plugins"
)

const goodManifest = `apiVersion: k1s.io/v1alpha1
kind: Plugin
metadata: {name: inv}
spec:
  version: 1.0.0
  module: {path: inv.wasm, sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef}
  types: [types.yaml]
  reconcile:
  - apiVersion: inventory.example.com/v1alpha1
    kind: Category
    owns: [{apiVersion: inventory.example.com/v1alpha1, kind: Item}]
  validate:
  - {apiVersion: inventory.example.com/v1alpha1, kind: Item, operations: [CREATE, UPDATE]}
  mutate:
  - {apiVersion: inventory.example.com/v1alpha1, kind: Item, operations: [CREATE]}
  permissions:
  - {apiGroups: [inventory.example.com], resources: [items, categories, categories/status], verbs: [get, list, update], namespaces: [default]}
  grants: {clock: true}
  limits: {memoryPages: 256, timeout: 500ms, instances: 2}
`

func TestParseManifest(t *testing.T) {
	m, err := plugins.ParseManifest("p/plugin.yaml", []byte(goodManifest))
	if err != nil {
		t.Fatal(err)
	}
	if m.Metadata.Name != "inv" || len(m.Spec.Reconcile[0].Owns) != 1 || m.Spec.Reconcile[0].GroupVersionKind().Kind != "Category" || m.Spec.Validate[0].String() != "Item.inventory.example.com/v1alpha1" {
		t.Errorf("parsed %+v", m)
	}
	for _, tc := range []struct{ edit, want string }{
		{"  bogus: 1\n", `p/plugin.yaml: unknown field "spec.bogus"`},
		{"  version: \"2\"\n", `p/plugin.yaml: invalid YAML`},
		{"\t", `p/plugin.yaml: invalid YAML`},
		{"", ""},
	} {
		_, err := plugins.ParseManifest("p/plugin.yaml", []byte(goodManifest+tc.edit))
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%q: %v, want %q", tc.edit, err, tc.want)
		}
	}
	for _, tc := range []struct{ from, to, want string }{
		{"apiVersion: k1s.io/v1alpha1", "apiVersion: k1s.io/v2", `apiVersion: "k1s.io/v2" is not supported`},
		{"kind: Plugin", "kind: Plug", `kind: "Plug" is not Plugin`},
		{"name: inv", "name: Inv_1", `metadata.name: "Inv_1"`},
		{"path: inv.wasm", "path: ../inv.wasm", `spec.module.path: "../inv.wasm" must be inside`},
		{"path: inv.wasm", "path: ''", `spec.module.path: required`},
		{"sha256: 0123", "sha256: X123", `spec.module.sha256: "X123`},
		{"apiVersion: inventory.example.com/v1alpha1\n    kind: Category", "apiVersion: a/b/c\n    kind: ''", "spec.reconcile[0].apiVersion"},
		{"kind: Item}]", "kind: ''}]", "spec.reconcile[0].owns[0].kind: required"},
		{"operations: [CREATE, UPDATE]", "operations: []", "spec.validate[0].operations: required"},
		{"operations: [CREATE, UPDATE]", "operations: [CONNECT]", `spec.validate[0].operations: "CONNECT" is not`},
		{"operations: [CREATE]}", "operations: [DELETE]}", "a mutating hook has nothing to mutate on DELETE"},
		{"apiGroups: [inventory.example.com]", "apiGroups: []", "spec.permissions[0].apiGroups: required"},
		{"resources: [items, categories, categories/status]", "resources: []", "spec.permissions[0].resources: required"},
		{"verbs: [get, list, update]", "verbs: []", "spec.permissions[0].verbs: required"},
		{"verbs: [get, list, update]", "verbs: [steal]", `spec.permissions[0].verbs: "steal" is not one of`},
		{"memoryPages: 256", "memoryPages: 99999", "spec.limits.memoryPages: 99999 exceeds 16384"},
		{"timeout: 500ms", "timeout: soon", `spec.limits.timeout: "soon" is not a positive duration`},
		{"instances: 2", "instances: -1", "spec.limits.instances: -1 is negative"},
		{"types: [types.yaml]", "types: [/etc/passwd]", `spec.types[0]: "/etc/passwd" must be inside`},
	} {
		src := strings.Replace(goodManifest, tc.from, tc.to, 1)
		if src == goodManifest {
			t.Fatalf("%q not in the manifest", tc.from)
		}
		_, err := plugins.ParseManifest("p/plugin.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "p/plugin.yaml: ") {
			t.Errorf("%s -> %s: %v, want an error naming the file and containing %q", tc.from, tc.to, err, tc.want)
		}
	}
}

// TestDiscover: a bad manifest is a warning naming its file; the other
// plugins, and type discovery of the same directories, keep working.
func TestDiscover(t *testing.T) {
	root := t.TempDir()
	write := func(rel, content string) {
		t.Helper()
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a/plugin.yaml", goodManifest)
	write("a/types.yaml", "apiVersion: k1s.io/v1alpha1\nkind: PluginTypeManifest\nmetadata: {name: inv}\nspec:\n  types:\n  - {group: inventory.example.com, version: v1alpha1, kind: Item, plural: items}\n")
	write("b/plugin.yaml", "apiVersion: k1s.io/v1alpha1\nkind: Plugin\nmetadata: {name: broken}\nspec: {module: {path: x.wasm}, bogus: true}\n")
	write("c/plugin.yaml", goodManifest) // the same name again
	write("d/plugin.yaml", ":\n- not yaml")
	write(".hidden/plugin.yaml", "ignored")
	other := t.TempDir()
	found, warnings := plugins.Discover([]string{root, filepath.Join(root, "missing"), other})
	if len(found) != 1 || found[0].Manifest.Metadata.Name != "inv" || found[0].Dir != filepath.Join(root, "a") {
		t.Errorf("found %+v", found)
	}
	joined := strings.Join(warnings, "\n")
	for _, want := range []string{filepath.Join(root, "b", "plugin.yaml") + ": ", `unknown field "spec.bogus"`, filepath.Join(root, "c", "plugin.yaml") + `: plugin "inv" is already defined by ` + filepath.Join(root, "a", "plugin.yaml"), filepath.Join(root, "d", "plugin.yaml") + ": "} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings %q lack %q", joined, want)
		}
	}
	if len(warnings) != 3 {
		t.Errorf("%d warnings, want 3: %q", len(warnings), warnings)
	}
	// Type discovery reads the same directories and is not disturbed by
	// plugin.yaml files, good or bad.
	d := discovery.New(discovery.Options{Paths: []string{root}})
	gvks, err := d.DiscoverAvailableTypes()
	if err != nil || len(gvks) != 1 || gvks[0].Kind != "Item" {
		t.Errorf("types: %v, %v", gvks, err)
	}
	if w := d.Warnings(); len(w) != 1 || !strings.HasPrefix(w[0], filepath.Join(root, "d", "plugin.yaml")) {
		t.Errorf("type discovery warns about plugin manifests other than broken YAML: %q", w)
	}
	m := plugins.New(plugins.Options{Paths: []string{root}})
	if len(m.Warnings()) != 3 || m.Plugin("inv") == nil || m.Plugin("broken") != nil || strings.Join(m.Names(), ",") != "inv" || len(m.Plugins()) != 1 {
		t.Errorf("manager: warnings %q, names %v", m.Warnings(), m.Names())
	}
	if recs := m.Reconcilers(); len(recs) != 1 || recs[0].For.Kind != "Category" || len(recs[0].Owns) != 1 {
		t.Errorf("reconcilers %+v", recs)
	}
}

func TestDefaultCompilationCacheDir(t *testing.T) {
	if d := plugins.DefaultCompilationCacheDir(); !strings.HasSuffix(d, filepath.Join("k1s", "wazero")) {
		t.Errorf("DefaultCompilationCacheDir() = %q", d)
	}
}

// TestDiscoverLinks: a link to a plugin directory is followed; links to
// files, dangling links and loops are left to type discovery, which
// warns about them once.
func TestDiscoverLinks(t *testing.T) {
	root := t.TempDir()
	real := t.TempDir()
	if err := os.WriteFile(filepath.Join(real, "plugin.yaml"), []byte(goodManifest), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"linked": real, "dangling": "nowhere", "loop1.yaml": "loop2.yaml", "loop2.yaml": "loop1.yaml"} {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	found, warnings := plugins.Discover([]string{root})
	if len(found) != 1 || found[0].Dir != filepath.Join(root, "linked") || len(warnings) != 0 {
		t.Errorf("found %+v, warnings %q", found, warnings)
	}
}
